//! The signatures Chinese robots check, as their documentation defines them.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha2::Sha256;

fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// DingTalk robot ("加签"): `base64(HMAC-SHA256(key = secret, message = "{timestamp}\n{secret}"))` with the
/// timestamp in milliseconds; both go in the query string (`timestamp`, `sign`, the latter URL-encoded).
pub fn dingtalk(secret: &str, timestamp_ms: i64) -> String {
    B64.encode(hmac_sha256(
        secret.as_bytes(),
        format!("{timestamp_ms}\n{secret}").as_bytes(),
    ))
}

/// Feishu/Lark bot ("签名校验"): `base64(HMAC-SHA256(key = "{timestamp}\n{secret}", message = ""))` with the
/// timestamp in seconds; both go in the JSON body (`timestamp` as a string, `sign`).
pub fn feishu(secret: &str, timestamp_s: i64) -> String {
    B64.encode(hmac_sha256(
        format!("{timestamp_s}\n{secret}").as_bytes(),
        b"",
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn signatures_are_base64_of_a_sha256_mac() {
        // a fixed input gives a fixed 44-character signature; the API test checks them against its own HMAC
        assert_eq!(super::dingtalk("SECabc", 1_700_000_000_000).len(), 44);
        assert_ne!(
            super::feishu("abc", 1_700_000_000),
            super::feishu("abc", 1_700_000_001)
        );
    }
}
