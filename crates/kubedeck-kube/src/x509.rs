//! Just enough DER to read a certificate's subject common name and expiry, for the preflight report.

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
    use base64::Engine;
    let mut out = Vec::new();
    let mut rest = pem;
    while let Some(start) = rest.find("-----BEGIN CERTIFICATE-----") {
        let body = &rest[start + 27..];
        let Some(end) = body.find("-----END CERTIFICATE-----") else {
            break;
        };
        let b64: String = body[..end].chars().filter(|c| !c.is_whitespace()).collect();
        if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(b64)
            && let Some(info) = parse_der(&der)
        {
            out.push(info);
        }
        rest = &body[end..];
    }
    out
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
}
