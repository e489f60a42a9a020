//! The resource engine: one mechanism for every Kubernetes kind.
//!
//! - [`kinds`]: the kinds Kubedeck knows by name (group, plural, versions in order of preference, category);
//! - [`row`], [`views`]: what is kept per object (a compact row with the kind's `kubectl get -o wide` columns);
//! - [`discovery`]: which version of each kind a cluster serves, and the kinds its CRDs add;
//! - [`store`]: the watched, indexed stores per (cluster, kind);
//! - [`insight`]: per-kind views of one object beyond its YAML (Services, Ingresses, Secrets, ConfigMaps, namespaces,
//!   quotas, storage).

pub mod diff;
pub mod kinds;
pub mod row;
pub mod views;
pub mod custom;
pub mod discovery;
pub mod store;
pub mod related;
pub mod insight;

use serde_json::Value;

/// Removes a Secret's values from an object read from the cluster: each value of `data` / `stringData` becomes
/// `<hidden: N bytes>` (which is not base64, so an object edited from it and sent back is refused by the
/// cluster instead of wiping the values), and `kubectl.kubernetes.io/last-applied-configuration`, which holds
/// them in clear, is dropped. Returns whether anything was hidden.
pub fn redact_secret(obj: &mut Value) -> bool {
    use base64::Engine;
    let mut hidden = false;
    for field in ["data", "stringData"] {
        if let Some(m) = obj.get_mut(field).and_then(Value::as_object_mut) {
            for v in m.values_mut() {
                let text = v.as_str().unwrap_or_default();
                let bytes = if field == "data" {
                    base64::engine::general_purpose::STANDARD
                        .decode(text)
                        .map_or(text.len(), |b| b.len())
                } else {
                    text.len()
                };
                *v = Value::String(format!("<hidden: {bytes} bytes>"));
                hidden = true;
            }
        }
    }
    if let Some(a) = obj
        .pointer_mut("/metadata/annotations")
        .and_then(Value::as_object_mut)
        && a.remove("kubectl.kubernetes.io/last-applied-configuration").is_some()
    {
        hidden = true;
    }
    hidden
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_secret_keeps_its_keys_and_loses_its_values() {
        let mut s = json!({"kind": "Secret", "metadata": {"name": "db", "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": "{\"data\":{\"password\":\"aHVudGVyMg==\"}}", "team": "a"}},
            "type": "Opaque", "data": {"password": "aHVudGVyMg=="}, "stringData": {"user": "admin"}});
        assert!(redact_secret(&mut s));
        let text = s.to_string();
        assert!(!text.contains("aHVudGVyMg"), "{text}");
        assert!(!text.contains("admin"), "{text}");
        assert_eq!(s["data"]["password"], "<hidden: 7 bytes>");
        assert_eq!(s["metadata"]["annotations"]["team"], "a");
        assert!(!redact_secret(&mut json!({"kind": "Secret", "metadata": {"name": "empty"}})));
    }
}
