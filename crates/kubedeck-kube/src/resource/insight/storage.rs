//! Quotas and storage: a ResourceQuota's used / hard per resource (as `kubectl describe quota`), the patches
//! that make a StorageClass the default one, and whether a claim may grow.

use crate::quantity;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

/// One resource of a quota, as a line of `kubectl describe quota`.
#[derive(Debug, Clone, Serialize, ToSchema, PartialEq)]
pub struct QuotaLine {
    /// The resource (`pods`, `requests.cpu`, `count/deployments.apps` ...).
    pub resource: String,
    /// Used, as the quota controller wrote it (`status.used`); `0` before it has.
    pub used: String,
    /// The limit (`status.hard`, or `spec.hard` before the controller has seen the quota).
    pub hard: String,
    /// used / hard (0 when the limit is 0 and nothing is used; above 1 when over).
    pub fraction: Option<f64>,
}

/// A quota's lines, sorted by resource as `kubectl describe quota` prints them.
pub fn quota_usage(quota: &Value) -> Vec<QuotaLine> {
    let hard = quota["status"]["hard"].as_object().or_else(|| quota["spec"]["hard"].as_object());
    let mut lines: Vec<QuotaLine> = hard
        .into_iter()
        .flatten()
        .map(|(resource, h)| {
            let hard = h.as_str().unwrap_or_default().to_owned();
            let used = quota["status"]["used"][resource].as_str().unwrap_or("0").to_owned();
            let fraction = match (quantity::value(&used), quantity::value(&hard)) {
                (Some(u), Some(h)) if h > 0.0 => Some(u / h),
                (Some(u), Some(_)) => Some(if u > 0.0 { f64::INFINITY } else { 0.0 }).filter(|f| f.is_finite()),
                _ => None,
            };
            QuotaLine { resource: resource.clone(), used, hard, fraction }
        })
        .collect();
    lines.sort_by(|a, b| a.resource.cmp(&b.resource));
    lines
}

/// The annotations that mark the default StorageClass (the beta one is still honoured by Kubernetes).
pub const DEFAULT_CLASS_ANNOTATIONS: [&str; 2] = ["storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class"];

/// Whether a StorageClass is marked default.
pub fn is_default_class(sc: &Value) -> bool {
    DEFAULT_CLASS_ANNOTATIONS.iter().any(|a| sc["metadata"]["annotations"][a] == "true")
}

/// The merge patches that make `target` the only default class: `(class, patch)` for the target first, then
/// for every other class marked default (both annotations set to `false`, as kubectl's docs do).
pub fn default_class_patches(classes: &[Value], target: &str) -> Vec<(String, Value)> {
    let mark = |v: &str| json!({"metadata": {"annotations": {DEFAULT_CLASS_ANNOTATIONS[0]: v}}});
    let mut out = vec![(target.to_owned(), mark("true"))];
    for sc in classes {
        let name = sc["metadata"]["name"].as_str().unwrap_or_default();
        if name != target && is_default_class(sc) {
            let mut unmark = json!({});
            for a in DEFAULT_CLASS_ANNOTATIONS {
                if sc["metadata"]["annotations"].get(a).is_some() {
                    unmark[a] = json!("false");
                }
            }
            out.push((name.to_owned(), json!({"metadata": {"annotations": unmark}})));
        }
    }
    out
}

/// Why a claim may not grow to a size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExpansionRefusal {
    /// The size is not a quantity.
    NotAQuantity,
    /// The claim names no StorageClass (a statically bound volume cannot grow).
    NoClass,
    /// Its StorageClass does not set `allowVolumeExpansion: true`.
    ClassForbids(String),
    /// Kubernetes does not shrink claims: the size must exceed the current request.
    NotLarger(String),
}

/// The claim's StorageClass name (the beta annotation wins, as in kubectl).
pub fn claim_class(pvc: &Value) -> Option<String> {
    pvc["metadata"]["annotations"]["volume.beta.kubernetes.io/storage-class"]
        .as_str()
        .or_else(|| pvc["spec"]["storageClassName"].as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Whether `pvc` may be resized to `size` given its class (`None`: the class does not exist).
pub fn check_expansion(pvc: &Value, class: Option<&Value>, size: &str) -> Result<(), ExpansionRefusal> {
    let new = quantity::value(size).ok_or(ExpansionRefusal::NotAQuantity)?;
    let name = claim_class(pvc).ok_or(ExpansionRefusal::NoClass)?;
    if class.is_none_or(|c| c["allowVolumeExpansion"] != true) {
        return Err(ExpansionRefusal::ClassForbids(name));
    }
    let current = pvc["spec"]["resources"]["requests"]["storage"].as_str().unwrap_or("0");
    if quantity::value(current).is_some_and(|c| new <= c) {
        return Err(ExpansionRefusal::NotLarger(current.to_owned()));
    }
    Ok(())
}

/// A PersistentVolume's source in a few words (`hostPath /data`, `nfs srv:/export`, `csi ebs.csi.aws.com vol-1`):
/// the first volume source its spec names.
pub fn volume_source(pv: &Value) -> Option<String> {
    let spec = pv["spec"].as_object()?;
    let known = ["capacity", "accessModes", "claimRef", "persistentVolumeReclaimPolicy", "storageClassName", "mountOptions", "volumeMode", "nodeAffinity"];
    let (kind, src) = spec.iter().find(|(k, v)| !known.contains(&k.as_str()) && v.is_object())?;
    let s = |k: &str| src[k].as_str().unwrap_or_default();
    let detail = match kind.as_str() {
        "hostPath" | "local" => s("path").to_owned(),
        "nfs" => format!("{}:{}", s("server"), s("path")),
        "csi" => format!("{} {}", s("driver"), s("volumeHandle")),
        "iscsi" => format!("{} {}", s("targetPortal"), s("iqn")),
        _ => String::new(),
    };
    Some(if detail.is_empty() { kind.clone() } else { format!("{kind} {detail}") })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_lines_read_like_kubectl_describe_quota() {
        let q = json!({"spec": {"hard": {"pods": "10"}},
            "status": {"hard": {"pods": "10", "requests.memory": "1Gi", "requests.cpu": "2", "services": "0"},
                       "used": {"pods": "3", "requests.memory": "512Mi", "requests.cpu": "500m", "services": "0"}}});
        let l = quota_usage(&q);
        let names: Vec<&str> = l.iter().map(|l| l.resource.as_str()).collect();
        assert_eq!(names, ["pods", "requests.cpu", "requests.memory", "services"]);
        assert_eq!((l[0].used.as_str(), l[0].hard.as_str(), l[0].fraction), ("3", "10", Some(0.3)));
        assert_eq!(l[1].fraction, Some(0.25));
        assert_eq!(l[2].fraction, Some(0.5));
        assert_eq!(l[3].fraction, Some(0.0));
        // before the controller has written status: spec.hard and nothing used
        let fresh = quota_usage(&json!({"spec": {"hard": {"pods": "4"}}}));
        assert_eq!((fresh[0].used.as_str(), fresh[0].fraction), ("0", Some(0.0)));
    }

    #[test]
    fn setting_a_default_class_unmarks_the_previous_one() {
        let classes = [
            json!({"metadata": {"name": "fast", "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}}),
            json!({"metadata": {"name": "old", "annotations": {"storageclass.beta.kubernetes.io/is-default-class": "true"}}}),
            json!({"metadata": {"name": "slow"}}),
        ];
        let p = default_class_patches(&classes, "slow");
        let names: Vec<&str> = p.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["slow", "fast", "old"]);
        assert_eq!(p[0].1["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"], "true");
        assert_eq!(p[2].1, json!({"metadata": {"annotations": {"storageclass.beta.kubernetes.io/is-default-class": "false"}}}));
        assert_eq!(default_class_patches(&classes, "fast").len(), 2);
    }

    #[test]
    fn a_claim_grows_only_when_its_class_allows_and_the_size_is_larger() {
        let pvc = json!({"spec": {"storageClassName": "fixed", "resources": {"requests": {"storage": "1Gi"}}}});
        let fixed = json!({"metadata": {"name": "fixed"}});
        let grows = json!({"metadata": {"name": "fixed"}, "allowVolumeExpansion": true});
        assert_eq!(check_expansion(&pvc, Some(&fixed), "2Gi"), Err(ExpansionRefusal::ClassForbids("fixed".into())));
        assert_eq!(check_expansion(&pvc, None, "2Gi"), Err(ExpansionRefusal::ClassForbids("fixed".into())));
        assert_eq!(check_expansion(&pvc, Some(&grows), "2Gi"), Ok(()));
        assert_eq!(check_expansion(&pvc, Some(&grows), "1024Mi"), Err(ExpansionRefusal::NotLarger("1Gi".into())));
        assert_eq!(check_expansion(&pvc, Some(&grows), "big"), Err(ExpansionRefusal::NotAQuantity));
        assert_eq!(check_expansion(&json!({"spec": {}}), Some(&grows), "2Gi"), Err(ExpansionRefusal::NoClass));
    }

    #[test]
    fn a_volume_source_in_a_few_words() {
        let pv = |src: Value| {
            let mut pv = json!({"spec": {"capacity": {"storage": "1Gi"}, "claimRef": {"name": "x"}, "nodeAffinity": {}}});
            for (k, v) in src.as_object().unwrap() {
                pv["spec"][k] = v.clone();
            }
            pv
        };
        assert_eq!(volume_source(&pv(json!({"hostPath": {"path": "/data"}}))).as_deref(), Some("hostPath /data"));
        assert_eq!(volume_source(&pv(json!({"nfs": {"server": "srv", "path": "/export"}}))).as_deref(), Some("nfs srv:/export"));
        assert_eq!(volume_source(&pv(json!({"awsElasticBlockStore": {"volumeID": "v"}}))).as_deref(), Some("awsElasticBlockStore"));
    }
}
