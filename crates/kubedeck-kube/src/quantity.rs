//! Kubernetes resource quantities (`500m`, `2`, `8Gi`, `1e9`) as numbers operators can add up.

/// A Kubernetes quantity (`7900m`, `8`, `32Gi`, `1e3`, `500k`) as a number of base units.
pub fn value(q: &str) -> Option<f64> {
    let q = q.trim();
    let split = q
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '+' || c == '-'))
        .unwrap_or(q.len());
    let (num, suffix) = q.split_at(split);
    let mut value: f64 = num.parse().ok()?;
    let factor = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024.0,
        "Mi" => 1024.0 * 1024.0,
        "Gi" => 1024.0 * 1024.0 * 1024.0,
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        s if s.starts_with(['e', 'E']) => {
            let exp: i32 = s[1..].parse().ok()?;
            value *= 10f64.powi(exp);
            1.0
        }
        _ => return None,
    };
    let v = value * factor;
    v.is_finite().then_some(v)
}

/// CPU in millicores: `"2"` → 2000, `"250m"` → 250, `"1.5"` → 1500; fractions of a millicore round up.
pub fn cpu_millis(q: &str) -> Option<i64> {
    value(q).map(|v| (v * 1000.0 - 1e-9).ceil() as i64)
}

/// Bytes (or any count): binary (`Ki`..`Ei`) and decimal (`k`..`E`) suffixes, exponents (`1e9`).
pub fn bytes(q: &str) -> Option<i64> {
    value(q).map(|v| v.round() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities_parse_like_kubernetes() {
        assert_eq!(value("7900m"), Some(7.9));
        assert_eq!(value("8"), Some(8.0));
        assert_eq!(value("32256Mi"), Some(32256.0 * 1024.0 * 1024.0));
        assert_eq!(value("1Gi"), Some(1073741824.0));
        assert_eq!(value("500k"), Some(500_000.0));
        assert_eq!(value("1e3"), Some(1000.0));
        assert_eq!(value("0.5"), Some(0.5));
        assert_eq!(value("12Xi"), None);
        assert_eq!(value(""), None);
    }

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
