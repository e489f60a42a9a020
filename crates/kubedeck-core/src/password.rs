//! Password hashing with argon2id (the crate's default parameters: 19 MiB, 2 passes).

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, phc::PasswordHash};

/// Shortest password we accept; longer passphrases beat complexity rules.
pub const MIN_PASSWORD_LEN: usize = 10;
/// Longest password we hash, so a huge body cannot make argon2 chew for long.
pub const MAX_PASSWORD_LEN: usize = 256;

/// Hashes a password into a PHC string (`$argon2id$v=19$...`). Slow on purpose: call it off the async runtime.
pub fn hash_password(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 hashing with default parameters cannot fail")
        .to_string()
}

/// True when `password` matches the stored PHC string. A malformed hash never matches.
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

/// Why a new password is refused, in the user's words; `None` when it is acceptable.
pub fn password_problem(password: &str, username: &str) -> Option<String> {
    let len = password.chars().count();
    if len < MIN_PASSWORD_LEN {
        return Some(format!(
            "password must be at least {MIN_PASSWORD_LEN} characters long"
        ));
    }
    if len > MAX_PASSWORD_LEN {
        return Some(format!(
            "password must be at most {MAX_PASSWORD_LEN} characters long"
        ));
    }
    if password.eq_ignore_ascii_case(username) {
        return Some("password must not be the username".into());
    }
    None
}

/// A random password for generated accounts (first admin): 20 characters from an unambiguous alphabet.
pub fn generate_password() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_verifies_only_the_same_password() {
        let phc = hash_password("correct horse battery");
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &phc));
        assert!(!verify_password("correct horse battery!", &phc));
        assert!(!verify_password("anything", "not-a-phc-string"));
    }

    #[test]
    fn short_or_username_passwords_are_refused() {
        assert!(password_problem("short", "bob").is_some());
        assert!(password_problem("administrator", "Administrator").is_some());
        assert!(password_problem("a long enough passphrase", "bob").is_none());
    }

    #[test]
    fn generated_passwords_are_long_and_differ() {
        let a = generate_password();
        assert_eq!(a.len(), 20);
        assert_ne!(a, generate_password());
        assert!(password_problem(&a, "admin").is_none());
    }
}
