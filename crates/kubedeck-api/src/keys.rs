//! Secrets on disk: the JWT signing secret and the credential-encryption keys.
//!
//! Both are generated on first start into the data directory with mode 0600 (never a built-in default).
//! Credential keys live in a directory, one `<id>.key` file each, and a file `active` names the sealing key;
//! `kubedeck admin rotate-key` adds a key, makes it active and re-seals every stored credential while the
//! server keeps running (it reloads the directory when it meets a key id it does not know).

use kubedeck_core::credential::{CredentialKey, KeyRing};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `contents` to a new file readable only by the owner.
pub fn write_private(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(contents)?;
    f.sync_all()
}

/// Reads the JWT secret from `path`, creating a random one if the file does not exist.
pub fn load_or_create_jwt_secret(path: &Path) -> anyhow::Result<Vec<u8>> {
    if !path.exists() {
        use rand::Rng;
        let bytes: [u8; 48] = rand::rng().random();
        write_private(path, hex::encode(bytes).as_bytes())?;
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow::anyhow!("cannot read JWT secret {}: {e}", path.display()))?;
    let secret = text.trim().as_bytes().to_vec();
    anyhow::ensure!(
        secret.len() >= 32,
        "JWT secret in {} must be at least 32 characters",
        path.display()
    );
    Ok(secret)
}

/// A directory of credential keys.
#[derive(Debug, Clone)]
pub struct KeyDir {
    /// The directory.
    pub dir: PathBuf,
}

impl KeyDir {
    /// The key directory at `dir`.
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    fn active_file(&self) -> PathBuf {
        self.dir.join("active")
    }

    /// Loads the ring; on first use creates a key and marks it active.
    pub fn load_or_create(&self) -> anyhow::Result<KeyRing> {
        if !self.active_file().exists() {
            let key = CredentialKey::generate();
            self.add(&key)?;
            self.set_active(key.id())?;
        }
        self.load()
    }

    /// Loads every key; the one named in `active` seals.
    pub fn load(&self) -> anyhow::Result<KeyRing> {
        let active_id = std::fs::read_to_string(self.active_file())
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", self.active_file().display()))?
            .trim()
            .to_owned();
        let mut keys = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let path = entry?.path();
            if path.extension().is_some_and(|e| e == "key") {
                let text = std::fs::read_to_string(&path)?;
                keys.push(
                    CredentialKey::parse(&text)
                        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?,
                );
            }
        }
        let pos = keys
            .iter()
            .position(|k| k.id() == active_id)
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "active credential key '{active_id}' has no file in {}",
                    self.dir.display()
                )
            })?;
        let active = keys.remove(pos);
        Ok(KeyRing::new(active, keys))
    }

    /// Stores a key file (not yet active).
    pub fn add(&self, key: &CredentialKey) -> anyhow::Result<()> {
        write_private(
            &self.dir.join(format!("{}.key", key.id())),
            key.to_text().as_bytes(),
        )?;
        Ok(())
    }

    /// Makes `id` the sealing key (atomic rename, so readers never see a half-written file).
    pub fn set_active(&self, id: &str) -> anyhow::Result<()> {
        let tmp = self.dir.join(format!("active.{}.tmp", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        write_private(&tmp, id.as_bytes())?;
        std::fs::rename(&tmp, self.active_file())?;
        Ok(())
    }

    /// Removes key files no stored credential uses (except the active one). Returns the removed ids.
    pub fn prune(&self, in_use: &[String]) -> anyhow::Result<Vec<String>> {
        let ring = self.load()?;
        let mut removed = Vec::new();
        for entry in std::fs::read_dir(&self.dir)? {
            let path = entry?.path();
            let Some(id) = path.file_stem().and_then(|s| s.to_str()).map(str::to_owned) else {
                continue;
            };
            if path.extension().is_some_and(|e| e == "key")
                && id != ring.active_key_id()
                && !in_use.contains(&id)
            {
                std::fs::remove_file(&path)?;
                removed.push(id);
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_created_private_and_reloadable() {
        let dir = std::env::temp_dir().join(format!("kd-keys-{}", uuid::Uuid::new_v4()));
        let kd = KeyDir::new(&dir);
        let ring = kd.load_or_create().unwrap();
        let again = kd.load_or_create().unwrap();
        assert_eq!(
            ring.active_key_id(),
            again.active_key_id(),
            "second start reuses the key"
        );
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let f = dir.join(format!("{}.key", ring.active_key_id()));
            assert_eq!(
                std::fs::metadata(f).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        let sealed = ring.seal(b"x", "r");
        let new = CredentialKey::generate();
        kd.add(&new).unwrap();
        kd.set_active(new.id()).unwrap();
        let rotated = kd.load().unwrap();
        assert_eq!(rotated.active_key_id(), new.id());
        assert_eq!(
            rotated.open(&sealed, "r").unwrap(),
            b"x",
            "old keys still open old values"
        );
        let removed = kd.prune(&[]).unwrap();
        assert_eq!(removed, vec![ring.active_key_id().to_owned()]);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
