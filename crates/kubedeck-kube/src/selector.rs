//! Label selectors in Kubernetes' syntax: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a`, `!a`,
//! combined with commas. Parsed once at the edge; matching is a pure function.

use std::collections::BTreeMap;

/// One requirement of a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// `key=value` / `key==value` / `key in (v1,v2)`.
    In(String, Vec<String>),
    /// `key!=value` / `key notin (v1,v2)`: also true when the key is absent, as in Kubernetes.
    NotIn(String, Vec<String>),
    /// `key`.
    Exists(String),
    /// `!key`.
    DoesNotExist(String),
}

/// A parsed selector; the empty selector matches everything.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Selector(pub Vec<Requirement>);

fn valid_key(k: &str) -> bool {
    let (prefix, name) = match k.rsplit_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, k),
    };
    let name_ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.ends_with(|c: char| c.is_ascii_alphanumeric());
    let prefix_ok = prefix.is_none_or(|p| {
        !p.is_empty()
            && p.len() <= 253
            && p.split('.').all(|part| {
                !part.is_empty()
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            })
    });
    name_ok && prefix_ok
}

fn valid_value(v: &str) -> bool {
    v.is_empty()
        || (v.len() <= 63
            && v.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            && v.starts_with(|c: char| c.is_ascii_alphanumeric())
            && v.ends_with(|c: char| c.is_ascii_alphanumeric()))
}

/// Why a selector does not parse: a stable rule, the part and token at fault, and the English sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorError {
    /// `unbalanced_close`, `unbalanced_open`, `expected_set`, `invalid_set_value`, `empty_requirement`,
    /// `invalid_key` or `invalid_value`.
    pub rule: &'static str,
    /// The requirement at fault (`app in (a,b)`), when one is.
    pub part: Option<String>,
    /// The key or value at fault, when one is.
    pub token: Option<String>,
    /// The English sentence.
    pub message: String,
}

impl std::fmt::Display for SelectorError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

fn bad(
    rule: &'static str,
    part: Option<&str>,
    token: Option<&str>,
    message: String,
) -> SelectorError {
    SelectorError {
        rule,
        part: part.map(str::to_owned),
        token: token.map(str::to_owned),
        message,
    }
}

/// Splits on commas that are not inside parentheses.
fn split_top(s: &str) -> Result<Vec<&str>, SelectorError> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err(bad("unbalanced_close", None, None, "unbalanced ')'".into()));
                }
            }
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if depth != 0 {
        return Err(bad("unbalanced_open", None, None, "unbalanced '('".into()));
    }
    parts.push(&s[start..]);
    Ok(parts)
}

fn set_values(part: &str, rest: &str) -> Result<Vec<String>, SelectorError> {
    let inner = rest
        .trim()
        .strip_prefix('(')
        .and_then(|r| r.strip_suffix(')'))
        .ok_or_else(|| {
            bad(
                "expected_set",
                Some(part),
                None,
                format!("expected a value list like (a,b) in '{part}'"),
            )
        })?;
    let values: Vec<String> = inner.split(',').map(|v| v.trim().to_owned()).collect();
    if let Some(v) = values.iter().find(|v| !valid_value(v)) {
        return Err(bad(
            "invalid_set_value",
            Some(part),
            Some(v),
            format!("invalid value in ({inner})"),
        ));
    }
    Ok(values)
}

impl Selector {
    /// Parses a selector; the error says which part is wrong.
    pub fn parse(text: &str) -> Result<Selector, SelectorError> {
        let text = text.trim();
        if text.is_empty() {
            return Ok(Selector::default());
        }
        let mut reqs = Vec::new();
        for part in split_top(text)? {
            let part = part.trim();
            if part.is_empty() {
                return Err(bad(
                    "empty_requirement",
                    None,
                    None,
                    "empty requirement (two commas in a row?)".into(),
                ));
            }
            let req = if let Some(key) = part.strip_prefix('!') {
                Requirement::DoesNotExist(key.trim().to_owned())
            } else if let Some((k, v)) = part.split_once("!=") {
                Requirement::NotIn(k.trim().to_owned(), vec![v.trim().to_owned()])
            } else if let Some((k, v)) = part.split_once("==").or_else(|| part.split_once('=')) {
                Requirement::In(k.trim().to_owned(), vec![v.trim().to_owned()])
            } else if let Some((k, rest)) = part.split_once(" notin ") {
                Requirement::NotIn(k.trim().to_owned(), set_values(part, rest)?)
            } else if let Some((k, rest)) = part.split_once(" in ") {
                Requirement::In(k.trim().to_owned(), set_values(part, rest)?)
            } else {
                Requirement::Exists(part.to_owned())
            };
            let (key, values) = match &req {
                Requirement::In(k, v) | Requirement::NotIn(k, v) => (k, Some(v)),
                Requirement::Exists(k) | Requirement::DoesNotExist(k) => (k, None),
            };
            if !valid_key(key) {
                return Err(bad(
                    "invalid_key",
                    Some(part),
                    Some(key),
                    format!("invalid label key '{key}' in '{part}'"),
                ));
            }
            if let Some(vs) = values
                && let Some(bad_value) = vs.iter().find(|v| !valid_value(v))
            {
                return Err(bad(
                    "invalid_value",
                    Some(part),
                    Some(bad_value),
                    format!("invalid label value '{bad_value}' in '{part}'"),
                ));
            }
            reqs.push(req);
        }
        Ok(Selector(reqs))
    }

    /// Whether labels satisfy every requirement.
    pub fn matches(&self, labels: &impl LabelLookup) -> bool {
        self.0.iter().all(|r| match r {
            Requirement::In(k, vs) => labels.label(k).is_some_and(|v| vs.iter().any(|x| x == v)),
            Requirement::NotIn(k, vs) => labels.label(k).is_none_or(|v| !vs.iter().any(|x| x == v)),
            Requirement::Exists(k) => labels.label(k).is_some(),
            Requirement::DoesNotExist(k) => labels.label(k).is_none(),
        })
    }
}

/// Anything labels can be looked up in: an object's map, or a synced store's pooled [`Labels`].
pub trait LabelLookup {
    /// The value of label `key`.
    fn label(&self, key: &str) -> Option<&str>;
}

impl LabelLookup for BTreeMap<String, String> {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key).map(String::as_str)
    }
}

impl LabelLookup for crate::intern::Labels {
    fn label(&self, key: &str) -> Option<&str> {
        self.get(key)
    }
}

/// Whether a label key follows Kubernetes' rules (optional DNS-subdomain prefix, `/`, 63-character name).
pub fn is_valid_label_key(k: &str) -> bool {
    valid_key(k)
}

/// Whether a label value follows Kubernetes' rules (empty, or up to 63 alphanumerics with `-_.` inside).
pub fn is_valid_label_value(v: &str) -> bool {
    valid_value(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn all_operators_match_like_kubectl() {
        let l = labels(&[
            ("app", "web"),
            ("tier", "front"),
            ("kubernetes.io/os", "linux"),
        ]);
        for (sel, want) in [
            ("app=web", true),
            ("app==web,tier=front", true),
            ("app!=web", false),
            ("app!=db", true),
            ("missing!=x", true),
            ("tier in (front, back)", true),
            ("tier notin (front)", false),
            ("app", true),
            ("!app", false),
            ("!missing", true),
            ("kubernetes.io/os=linux", true),
            ("", true),
        ] {
            assert_eq!(Selector::parse(sel).unwrap().matches(&l), want, "{sel}");
        }
    }

    #[test]
    fn bad_syntax_is_explained() {
        let open = Selector::parse("app in (a,b").unwrap_err();
        assert_eq!(open.rule, "unbalanced_open");
        assert!(open.message.contains("unbalanced"));
        assert_eq!(
            Selector::parse("app=web,,x=y").unwrap_err().rule,
            "empty_requirement"
        );
        let key = Selector::parse("-bad=x").unwrap_err();
        assert_eq!(
            (key.rule, key.token.as_deref(), key.part.as_deref()),
            ("invalid_key", Some("-bad"), Some("-bad=x"))
        );
        assert!(key.message.contains("invalid label key"));
        let value = Selector::parse("app=has space").unwrap_err();
        assert_eq!(
            (value.rule, value.token.as_deref()),
            ("invalid_value", Some("has space"))
        );
        assert_eq!(
            Selector::parse("app in a,b").unwrap_err().rule,
            "expected_set"
        );
        assert_eq!(
            Selector::parse("app in (a,-b)")
                .unwrap_err()
                .token
                .as_deref(),
            Some("-b")
        );
        assert!(is_valid_label_key("example.com/role"));
        assert!(!is_valid_label_key("Example.com/role"));
        assert!(!is_valid_label_value(&"a".repeat(64)));
    }
}
