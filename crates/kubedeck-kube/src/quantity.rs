//! Kubernetes resource quantities (`500m`, `2`, `8Gi`, `1e9`) as numbers operators can add up.

/// CPU in millicores: `"2"` → 2000, `"250m"` → 250, `"1.5"` → 1500, `"100u"`/`"5n"` round up to 1.
pub fn cpu_millis(q: &str) -> Option<i64> {
    let q = q.trim();
    if let Some(m) = q.strip_suffix('m') {
        return m.parse::<f64>().ok().map(|v| v.ceil() as i64);
    }
    if let Some(u) = q.strip_suffix('u') {
        return u.parse::<f64>().ok().map(|v| (v / 1000.0).ceil() as i64);
    }
    if let Some(n) = q.strip_suffix('n') {
        return n.parse::<f64>().ok().map(|v| (v / 1_000_000.0).ceil() as i64);
    }
    q.parse::<f64>().ok().map(|v| (v * 1000.0).round() as i64)
}

/// Bytes: binary (`Ki`..`Ei`) and decimal (`k`, `M`, `G`, `T`, `P`, `E`) suffixes, and exponents (`1e9`).
pub fn bytes(q: &str) -> Option<i64> {
    let q = q.trim();
    const SUFFIXES: [(&str, f64); 12] = [
        ("Ki", 1024.0),
        ("Mi", 1048576.0),
        ("Gi", 1073741824.0),
        ("Ti", 1099511627776.0),
        ("Pi", 1125899906842624.0),
        ("Ei", 1152921504606846976.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
    ];
    for (suffix, factor) in SUFFIXES {
        if let Some(num) = q.strip_suffix(suffix) {
            return num.parse::<f64>().ok().map(|v| (v * factor).round() as i64);
        }
    }
    if let Some(m) = q.strip_suffix('m') {
        // Milli-bytes appear in odd manifests; round up to whole bytes.
        return m.parse::<f64>().ok().map(|v| (v / 1000.0).ceil() as i64);
    }
    q.parse::<f64>().ok().map(|v| v.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_quantities() {
        assert_eq!(cpu_millis("2"), Some(2000));
        assert_eq!(cpu_millis("250m"), Some(250));
        assert_eq!(cpu_millis("1.5"), Some(1500));
        assert_eq!(cpu_millis("100u"), Some(1));
        assert_eq!(cpu_millis("x"), None);
    }

    #[test]
    fn memory_quantities() {
        assert_eq!(bytes("8Gi"), Some(8 * 1024 * 1024 * 1024));
        assert_eq!(bytes("128974848"), Some(128974848));
        assert_eq!(bytes("129e6"), Some(129_000_000));
        assert_eq!(bytes("123Mi"), Some(123 * 1048576));
        assert_eq!(bytes("1G"), Some(1_000_000_000));
        assert_eq!(bytes("500k"), Some(500_000));
    }
}
