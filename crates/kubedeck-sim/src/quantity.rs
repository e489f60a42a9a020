//! Parsing Kubernetes resource quantities ("100m", "1.5", "128Mi", "2G") into plain numbers.

/// The value of a quantity in base units (cores for CPU, bytes for memory); `None` if malformed.
pub fn parse(q: &str) -> Option<f64> {
    let q = q.trim();
    let split = q.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(q.len());
    let (num, suffix) = q.split_at(split);
    // "1e3" style exponents.
    if let Some(exp) = suffix.strip_prefix(['e', 'E']) {
        return Some(num.parse::<f64>().ok()? * 10f64.powi(exp.parse().ok()?));
    }
    let mult = match suffix {
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
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        _ => return None,
    };
    Some(num.parse::<f64>().ok()? * mult)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn parses_cpu_and_memory() {
        assert_eq!(parse("100m"), Some(0.1));
        assert_eq!(parse("2"), Some(2.0));
        assert_eq!(parse("128Mi"), Some(134_217_728.0));
        assert_eq!(parse("1G"), Some(1e9));
        assert_eq!(parse("1e3"), Some(1000.0));
        assert_eq!(parse("abc"), None);
    }
}
