//! Just enough DER to read what an operator checks on a certificate: subject, issuer, the names it covers and
//! its validity (the preflight report, TLS Secrets, Ingress TLS); and whether a private key belongs to it
//! (rustls' key loader, already in the tree through kube's TLS).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

/// What the preflight shows about one certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// Subject common name (or empty).
    pub subject: String,
    /// End of validity.
    pub not_after: DateTime<Utc>,
}

/// Every certificate in a PEM bundle (invalid blocks are skipped).
pub fn parse_pem_bundle(pem: &str) -> Vec<CertInfo> {
    pem_blocks(pem)
        .iter()
        .filter_map(|der| parse_der(der))
        .collect()
}

/// One DER TLV: (tag, content, rest).
fn tlv(data: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, data) = data.split_first()?;
    let (&len0, mut data) = data.split_first()?;
    let len = if len0 & 0x80 == 0 {
        len0 as usize
    } else {
        let n = (len0 & 0x7f) as usize;
        if n == 0 || n > 4 || data.len() < n {
            return None;
        }
        let mut l = 0usize;
        for &b in &data[..n] {
            l = (l << 8) | b as usize;
        }
        data = &data[n..];
        l
    };
    if data.len() < len {
        return None;
    }
    Some((tag, &data[..len], &data[len..]))
}

/// Reads the subject CN and notAfter of a DER certificate.
pub fn parse_der(der: &[u8]) -> Option<CertInfo> {
    let (_, cert, _) = tlv(der)?;
    let (_, tbs, _) = tlv(cert)?;
    let mut rest = tbs;
    let (tag, _, r) = tlv(rest)?;
    if tag == 0xa0 {
        rest = r; // explicit version
    }
    let (_, _, rest) = tlv(rest)?; // serial
    let (_, _, rest) = tlv(rest)?; // signature algorithm
    let (_, _, rest) = tlv(rest)?; // issuer
    let (_, validity, rest) = tlv(rest)?;
    let (_, _, after) = tlv(validity)?;
    let (tag, not_after, _) = tlv(after)?;
    let (_, subject, _) = tlv(rest)?;
    Some(CertInfo {
        subject: common_name(subject).unwrap_or_default(),
        not_after: parse_time(tag, not_after)?,
    })
}

/// What a TLS Secret or an Ingress shows about a certificate.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Certificate {
    /// Subject, as `CN=shop.example.com, O=Example` (in the certificate's order).
    pub subject: String,
    /// Issuer, written the same way.
    pub issuer: String,
    /// Subject alternative names: DNS names and IP addresses.
    pub sans: Vec<String>,
    /// Start of validity.
    pub not_before: DateTime<Utc>,
    /// End of validity.
    pub not_after: DateTime<Utc>,
}

impl Certificate {
    /// Whether the certificate names `host`: a SAN equal to it (case-insensitive) or a `*.` wildcard covering
    /// exactly one label, as browsers check it. Without SANs, the subject's CN (what older clients accepted).
    pub fn covers(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        let cn = self
            .subject
            .split(", ")
            .find_map(|a| a.strip_prefix("CN="))
            .map(str::to_owned);
        let names: Vec<String> = if self.sans.is_empty() {
            cn.into_iter().collect()
        } else {
            self.sans.clone()
        };
        names.iter().any(|n| {
            let n = n.to_ascii_lowercase();
            match n.strip_prefix("*.") {
                Some(domain) => host
                    .split_once('.')
                    .is_some_and(|(first, rest)| !first.is_empty() && rest == domain),
                None => n == host,
            }
        })
    }
}

/// Every certificate of a PEM bundle with its names and validity (invalid blocks are skipped).
pub fn certificates(pem: &str) -> Vec<Certificate> {
    pem_blocks(pem)
        .iter()
        .filter_map(|der| parse_details(der))
        .collect()
}

fn pem_blocks(pem: &str) -> Vec<Vec<u8>> {
    use base64::Engine;
    let mut out = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
        let body = &rest[start + 27..];
        let Some(end) = body.find("-----END CERTIFICATE-----") else {
            break;
        };
        let b64: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
        if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(b64) {
            out.push(der);
        }
        rest = &body[end..];
    }
    out
}

/// Reads subject, issuer, validity and SANs of a DER certificate.
pub fn parse_details(der: &[u8]) -> Option<Certificate> {
    let (_, cert, _) = tlv(der)?;
    let (_, tbs, _) = tlv(cert)?;
    let mut rest = tbs;
    let (tag, _, r) = tlv(rest)?;
    if tag == 0xa0 {
        rest = r;
    }
    let (_, _, rest) = tlv(rest)?; // serial
    let (_, _, rest) = tlv(rest)?; // signature algorithm
    let (_, issuer, rest) = tlv(rest)?;
    let (_, validity, rest) = tlv(rest)?;
    let (before_tag, not_before, after) = tlv(validity)?;
    let (after_tag, not_after, _) = tlv(after)?;
    let (_, subject, mut rest) = tlv(rest)?;
    let (_, _, r) = tlv(rest)?; // subjectPublicKeyInfo
    rest = r;
    let mut sans = Vec::new();
    while let Some((tag, content, r)) = tlv(rest) {
        if tag == 0xa3 {
            sans = subject_alt_names(content).unwrap_or_default();
        }
        rest = r;
    }
    Some(Certificate {
        subject: distinguished_name(subject),
        issuer: distinguished_name(issuer),
        sans,
        not_before: parse_time(before_tag, not_before)?,
        not_after: parse_time(after_tag, not_after)?,
    })
}

/// `CN=x, O=y` from a Name (attributes Kubedeck does not name are left out).
fn distinguished_name(mut name: &[u8]) -> String {
    let mut parts = Vec::new();
    while let Some((_, set, rest)) = tlv(name) {
        let mut attrs = set;
        while let Some((_, attr, more)) = tlv(attrs) {
            if let Some((_, oid, value)) = tlv(attr)
                && let Some((_, v, _)) = tlv(value)
            {
                let short = match oid {
                    [0x55, 0x04, 0x03] => Some("CN"),
                    [0x55, 0x04, 0x06] => Some("C"),
                    [0x55, 0x04, 0x07] => Some("L"),
                    [0x55, 0x04, 0x08] => Some("ST"),
                    [0x55, 0x04, 0x0a] => Some("O"),
                    [0x55, 0x04, 0x0b] => Some("OU"),
                    _ => None,
                };
                if let Some(short) = short {
                    parts.push(format!("{short}={}", String::from_utf8_lossy(v)));
                }
            }
            attrs = more;
        }
        name = rest;
    }
    parts.join(", ")
}

/// The DNS names and IP addresses of the subjectAltName extension, from the extensions' `[3]` wrapper.
fn subject_alt_names(wrapper: &[u8]) -> Option<Vec<String>> {
    const SAN: &[u8] = &[0x55, 0x1d, 0x11];
    let (_, mut exts, _) = tlv(wrapper)?;
    while let Some((_, ext, rest)) = tlv(exts) {
        let (_, oid, mut fields) = tlv(ext)?;
        if oid == SAN {
            let (tag, _, r) = tlv(fields)?;
            if tag == 0x01 {
                fields = r; // critical
            }
            let (_, octets, _) = tlv(fields)?;
            let (_, mut names, _) = tlv(octets)?;
            let mut out = Vec::new();
            while let Some((tag, v, r)) = tlv(names) {
                match tag {
                    0x82 => out.push(String::from_utf8_lossy(v).into_owned()),
                    0x87 if v.len() == 4 => {
                        out.push(std::net::Ipv4Addr::new(v[0], v[1], v[2], v[3]).to_string())
                    }
                    0x87 if v.len() == 16 => {
                        let b: [u8; 16] = v.try_into().ok()?;
                        out.push(std::net::Ipv6Addr::from(b).to_string());
                    }
                    _ => {}
                }
                names = r;
            }
            return Some(out);
        }
        exts = rest;
    }
    None
}

/// Why a certificate and key were refused as a pair.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PairError {
    /// The certificate field holds no readable PEM certificate.
    #[error("the certificate is not a PEM certificate (-----BEGIN CERTIFICATE-----)")]
    Certificate,
    /// The key field holds no private key Kubedeck can read (PKCS#1, PKCS#8 or SEC1 PEM; RSA, ECDSA or Ed25519).
    #[error("the key is not a PEM private key (RSA, ECDSA or Ed25519; PKCS#1, PKCS#8 or SEC1)")]
    Key,
    /// The key is not the certificate's.
    #[error("the private key does not belong to the certificate (their public keys differ)")]
    Mismatch,
}

/// Checks that `key_pem` is the private key of the first certificate of `cert_pem` (what a TLS server would
/// refuse to start with otherwise), comparing the key's public half with the certificate's.
pub fn check_pair(cert_pem: &str, key_pem: &str) -> Result<Certificate, PairError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<_, _>>()
        .map_err(|_| PairError::Certificate)?;
    let details = certs
        .first()
        .and_then(|c| parse_details(c))
        .ok_or(PairError::Certificate)?;
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).map_err(|_| PairError::Key)?;
    let signing = rustls::crypto::ring::default_provider()
        .key_provider
        .load_private_key(key)
        .map_err(|_| PairError::Key)?;
    match rustls::sign::CertifiedKey::new(certs, signing).keys_match() {
        Ok(()) => Ok(details),
        Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::KeyMismatch)) => {
            Err(PairError::Mismatch)
        }
        Err(_) => Err(PairError::Key),
    }
}

fn common_name(mut name: &[u8]) -> Option<String> {
    const CN: &[u8] = &[0x55, 0x04, 0x03];
    while let Some((_, set, rest)) = tlv(name) {
        let (_, attr, _) = tlv(set)?;
        let (_, oid, value) = tlv(attr)?;
        if oid == CN {
            let (_, v, _) = tlv(value)?;
            return Some(String::from_utf8_lossy(v).into_owned());
        }
        name = rest;
    }
    None
}

fn parse_time(tag: u8, raw: &[u8]) -> Option<DateTime<Utc>> {
    let s = std::str::from_utf8(raw).ok()?.strip_suffix('Z')?;
    let (year, rest) = match tag {
        0x17 => {
            let yy: i32 = s.get(..2)?.parse().ok()?;
            (if yy >= 50 { 1900 + yy } else { 2000 + yy }, s.get(2..)?)
        }
        0x18 => (s.get(..4)?.parse().ok()?, s.get(4..)?),
        _ => return None,
    };
    let num = |i: usize| -> Option<u32> { rest.get(i..i + 2)?.parse().ok() };
    let date = NaiveDate::from_ymd_opt(year, num(0)?, num(2)?)?;
    let time = NaiveTime::from_hms_opt(num(4)?, num(6)?, num(8).unwrap_or(0))?;
    Some(NaiveDateTime::new(date, time).and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Made once with: openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null
    //   -subj /CN=kubedeck-test -days 3650; `openssl x509 -noout -enddate` says 2036-11-22 21:29:20Z.
    const PEM: &str = include_str!("../testdata/cert.pem");

    #[test]
    fn reads_common_name_and_expiry() {
        let certs = parse_pem_bundle(PEM);
        assert_eq!(certs.len(), 1);
        assert_eq!(certs[0].subject, "kubedeck-test");
        assert_eq!(certs[0].not_after.to_rfc3339(), "2036-11-22T21:29:20+00:00");
    }

    #[test]
    fn garbage_yields_nothing() {
        assert!(
            parse_pem_bundle("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----")
                .is_empty()
        );
        assert!(parse_der(&[0x30, 0x82]).is_none());
    }

    // testdata/tls: openssl req -x509 -newkey rsa:2048 -subj "/CN=shop.example.com/O=Example Shop" -days 3650
    //   -addext "subjectAltName=DNS:shop.example.com,DNS:*.api.example.com,IP:192.0.2.7"; other.key: a P-256 key.
    const SHOP_CRT: &str = include_str!("../testdata/tls/shop.crt");
    const SHOP_KEY: &str = include_str!("../testdata/tls/shop.key");
    const OTHER_KEY: &str = include_str!("../testdata/tls/other.key");

    #[test]
    fn reads_subject_issuer_sans_and_validity_as_openssl_does() {
        let c = &certificates(SHOP_CRT)[0];
        assert_eq!(c.subject, "CN=shop.example.com, O=Example Shop");
        assert_eq!(c.issuer, c.subject);
        assert_eq!(
            c.sans,
            vec!["shop.example.com", "*.api.example.com", "192.0.2.7"]
        );
        assert_eq!((c.not_after - c.not_before).num_days(), 3650);
        assert!(c.covers("SHOP.example.com"));
        assert!(c.covers("v1.api.example.com"));
        assert!(
            !c.covers("api.example.com"),
            "a wildcard covers one label, not the domain itself"
        );
        assert!(!c.covers("a.b.api.example.com"));
        assert!(!c.covers("other.example.com"));
        // without SANs the CN counts
        let cn_only = &certificates(PEM)[0];
        assert!(cn_only.sans.is_empty() && cn_only.covers("kubedeck-test"));
    }

    #[test]
    fn a_key_pair_is_checked_before_it_is_saved() {
        assert_eq!(
            check_pair(SHOP_CRT, SHOP_KEY).map(|c| c.subject),
            Ok("CN=shop.example.com, O=Example Shop".into())
        );
        assert_eq!(check_pair(SHOP_CRT, OTHER_KEY), Err(PairError::Mismatch));
        assert_eq!(check_pair(SHOP_CRT, "not a key"), Err(PairError::Key));
        assert_eq!(
            check_pair("not a cert", SHOP_KEY),
            Err(PairError::Certificate)
        );
        assert_eq!(check_pair(SHOP_KEY, SHOP_KEY), Err(PairError::Certificate));
    }
}
