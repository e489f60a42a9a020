//! Per kind: the columns `kubectl get -o wide` shows and how an object fills them, its short status and
//! that status' colour. Pure functions of the object's JSON (whatever version the cluster served), unit-tested
//! on objects as the API server returns them. Nothing here reads the clock: a row changes only when its object
//! does.
//!
//! Columns follow kubectl's printers (NAME, NAMESPACE and AGE are every row's own fields, not columns); a cell
//! kubectl prints as `<none>` is `None`. The views live by navigation group (`views/workloads.rs`,
//! `network.rs`, `config.rs`, `storage.rs`, `access.rs`, `cluster.rs`); this file dispatches and holds what
//! they share. Each view's doc comment lists its columns and its health rules.

mod access;
mod cluster;
mod config;
mod network;
mod storage;
mod workloads;

use super::kinds::KindSpec;
use super::row::{Column, Health, Projection, controller_of};
use serde_json::Value;

/// A kind's view: its columns and how an object fills them (one cell per column, in order).
struct View {
    columns: &'static [Column],
    project: fn(&Value) -> Projection,
}

/// Kinds whose `kubectl get` shows NAME and AGE (or CREATED AT) only, and that have no status: Role,
/// ClusterRole, LimitRange.
static NO_COLUMNS: View = View {
    columns: &[],
    project: |_| Projection::default(),
};

/// The view of a known kind, by its plural.
fn view(plural: &str) -> Option<&'static View> {
    Some(match plural {
        "pods" => &workloads::PODS,
        "deployments" => &workloads::DEPLOYMENTS,
        "replicasets" => &workloads::REPLICASETS,
        "statefulsets" => &workloads::STATEFULSETS,
        "daemonsets" => &workloads::DAEMONSETS,
        "jobs" => &workloads::JOBS,
        "cronjobs" => &workloads::CRONJOBS,
        "services" => &network::SERVICES,
        "endpoints" => &network::ENDPOINTS,
        "ingresses" => &network::INGRESSES,
        "ingressclasses" => &network::INGRESS_CLASSES,
        "networkpolicies" => &network::NETWORK_POLICIES,
        "configmaps" => &config::CONFIG_MAPS,
        "secrets" => &config::SECRETS,
        "horizontalpodautoscalers" => &config::HPAS,
        "poddisruptionbudgets" => &config::PDBS,
        "resourcequotas" => &config::RESOURCE_QUOTAS,
        "persistentvolumeclaims" => &storage::PVCS,
        "persistentvolumes" => &storage::PVS,
        "storageclasses" => &storage::STORAGE_CLASSES,
        "serviceaccounts" => &access::SERVICE_ACCOUNTS,
        "rolebindings" | "clusterrolebindings" => &access::BINDINGS,
        "namespaces" => &cluster::NAMESPACES,
        "nodes" => &cluster::NODES,
        "customresourcedefinitions" => &cluster::CRDS,
        "limitranges" | "roles" | "clusterroles" => &NO_COLUMNS,
        _ => return None,
    })
}

/// The columns of a known kind (NAME, NAMESPACE and AGE are every row's own fields, not columns).
pub fn columns(kind: &KindSpec) -> &'static [Column] {
    view(kind.plural).map_or(&[], |v| v.columns)
}

/// What the kind's view makes of an object.
pub fn project(kind: &KindSpec, obj: &Value) -> Projection {
    let mut p = view(kind.plural).map_or_else(Projection::default, |v| (v.project)(obj));
    p.owner = controller_of(obj);
    p
}

// ---- what the views share ----

/// A projection without a status (Neutral).
fn plain(cells: Vec<Option<String>>) -> Projection {
    Projection {
        cells,
        ..Projection::default()
    }
}

/// A projection with a status and its colour.
fn with_status(
    cells: Vec<Option<String>>,
    status: impl Into<String>,
    health: Health,
) -> Projection {
    Projection {
        cells,
        status: Some(status.into()),
        health,
        owner: None,
    }
}

/// An integer field, 0 when absent (kubectl prints unset counts as 0).
fn int(v: &Value) -> i64 {
    v.as_i64().unwrap_or(0)
}

/// An integer field as a cell, 0 when absent.
fn count_cell(v: &Value) -> Option<String> {
    Some(int(v).to_string())
}

/// A non-empty string field.
fn text(v: &Value) -> Option<String> {
    v.as_str().filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A scalar as text: strings as they are, numbers and booleans printed (`minAvailable: 2` or `"50%"`).
fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The elements of an array field (none when absent).
fn arr(v: &Value) -> &[Value] {
    v.as_array().map_or(&[], Vec::as_slice)
}

/// How many entries an array or map field has.
fn len(v: &Value) -> usize {
    match v {
        Value::Array(a) => a.len(),
        Value::Object(m) => m.len(),
        _ => 0,
    }
}

/// `items` joined by `sep`, `None` when there are none.
fn list<S: AsRef<str>>(items: &[S], sep: &str) -> Option<String> {
    (!items.is_empty()).then(|| {
        items
            .iter()
            .map(AsRef::as_ref)
            .collect::<Vec<_>>()
            .join(sep)
    })
}

/// kubectl's way with long lists: the first `shown` items, then ` + N more...` for the `total - shown` others.
fn first_of(items: &[String], total: usize, sep: &str) -> Option<String> {
    let joined = list(items, sep)?;
    Some(if total > items.len() {
        format!("{joined} + {} more...", total - items.len())
    } else {
        joined
    })
}

/// The string values of an array field.
fn strings(v: &Value) -> Vec<&str> {
    arr(v).iter().filter_map(Value::as_str).collect()
}

/// CONTAINERS and IMAGES of a pod template.
fn containers(template: &Value) -> (Option<String>, Option<String>) {
    let cs = arr(&template["spec"]["containers"]);
    let names: Vec<&str> = cs.iter().filter_map(|c| c["name"].as_str()).collect();
    let images: Vec<&str> = cs.iter().filter_map(|c| c["image"].as_str()).collect();
    (list(&names, ","), list(&images, ","))
}

/// A label map as `k=v,...`, sorted by key (kubectl's SELECTOR of a Service, NODE SELECTOR of a DaemonSet).
fn labels(map: &Value) -> Option<String> {
    let m = map.as_object()?;
    let mut pairs: Vec<String> = m
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
        .collect();
    pairs.sort();
    list(&pairs, ",")
}

/// A LabelSelector as kubectl prints it (`app=web,tier in (a,b),!canary`), requirements sorted by key;
/// `None` for an empty selector.
pub(crate) fn selector(sel: &Value) -> Option<String> {
    let mut reqs: Vec<(String, String)> = sel["matchLabels"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(k, v)| (k.clone(), format!("{k}={}", v.as_str().unwrap_or_default())))
        .collect();
    for e in arr(&sel["matchExpressions"]) {
        let key = e["key"].as_str().unwrap_or_default();
        let mut values = strings(&e["values"]);
        values.sort_unstable();
        let values = values.join(",");
        let req = match e["operator"].as_str().unwrap_or_default() {
            "In" => format!("{key} in ({values})"),
            "NotIn" => format!("{key} notin ({values})"),
            "Exists" => key.to_owned(),
            "DoesNotExist" => format!("!{key}"),
            op => format!("{key} {op} ({values})"),
        };
        reqs.push((key.to_owned(), req));
    }
    reqs.sort();
    let reqs: Vec<String> = reqs.into_iter().map(|(_, r)| r).collect();
    list(&reqs, ",")
}

/// The `status` of the object's condition of type `ty` (`"True"`, `"False"`, `"Unknown"`).
fn condition<'a>(obj: &'a Value, ty: &str) -> Option<&'a str> {
    arr(&obj["status"]["conditions"])
        .iter()
        .find(|c| c["type"].as_str() == Some(ty))
        .and_then(|c| c["status"].as_str())
}

/// True when the object's condition `ty` is True.
fn has_condition(obj: &Value, ty: &str) -> bool {
    condition(obj, ty) == Some("True")
}

/// Deleted, waiting for its finalizers.
fn terminating(obj: &Value) -> bool {
    !obj["metadata"]["deletionTimestamp"].is_null()
}

/// `kind/name` of a reference (an HPA's target, a binding's role).
fn kind_name(r: &Value) -> Option<String> {
    let name = r["name"].as_str()?;
    Some(format!("{}/{name}", r["kind"].as_str().unwrap_or_default()))
}

/// The addresses in a load balancer status (each ingress point's IP, else its hostname).
fn load_balancer(status: &Value) -> Vec<&str> {
    arr(&status["loadBalancer"]["ingress"])
        .iter()
        .filter_map(|i| i["ip"].as_str().or_else(|| i["hostname"].as_str()))
        .filter(|s| !s.is_empty())
        .collect()
}

/// The status of a controller with a replica count: `want` replicas, of which `available` serve and `updated`
/// run the current template. None wanted: Neutral; all available and updated: Ok; none available: Error;
/// otherwise (rolling out, some unavailable): Progressing.
fn replica_health(want: i64, available: i64, updated: i64) -> (&'static str, Health) {
    if want == 0 {
        ("Scaled to zero", Health::Neutral)
    } else if available >= want && updated >= want {
        ("Available", Health::Ok)
    } else if available == 0 {
        ("Unavailable", Health::Error)
    } else {
        ("Progressing", Health::Progressing)
    }
}

/// Whole seconds from one RFC 3339 time to another.
fn seconds_between(from: &Value, to: &Value) -> Option<i64> {
    let t = |v: &Value| chrono::DateTime::parse_from_rfc3339(v.as_str()?).ok();
    Some((t(to)? - t(from)?).num_seconds())
}

/// A duration the way kubectl prints one (`45s`, `3m4s`, `25m`, `5h2m`, `20h`, `3d4h`, `12d`, `2y30d`): precise
/// when short, coarser as it grows.
fn human_duration(secs: i64) -> String {
    if secs < -1 {
        return "<invalid>".into();
    }
    let secs = secs.max(0);
    let (mins, hours) = (secs / 60, secs / 3600);
    let (days, years) = (hours / 24, hours / (24 * 365));
    let two = |big: i64, bu: &str, small: i64, su: &str| {
        if small == 0 {
            format!("{big}{bu}")
        } else {
            format!("{big}{bu}{small}{su}")
        }
    };
    match () {
        _ if secs < 120 => format!("{secs}s"),
        _ if mins < 10 => two(mins, "m", secs % 60, "s"),
        _ if mins < 180 => format!("{mins}m"),
        _ if hours < 8 => two(hours, "h", mins % 60, "m"),
        _ if hours < 48 => format!("{hours}h"),
        _ if hours < 24 * 8 => two(days, "d", hours % 24, "h"),
        _ if hours < 24 * 365 * 2 => format!("{days}d"),
        _ if hours < 24 * 365 * 8 => two(years, "y", days % 365, "d"),
        _ => format!("{years}y"),
    }
}

/// kubectl's short access modes (`RWO,ROX,RWX,RWOP`), in that order, each once.
fn access_modes(modes: &Value) -> Option<String> {
    let have = strings(modes);
    let short: Vec<&str> = [
        ("ReadWriteOnce", "RWO"),
        ("ReadOnlyMany", "ROX"),
        ("ReadWriteMany", "RWX"),
        ("ReadWriteOncePod", "RWOP"),
    ]
    .iter()
    .filter(|(long, _)| have.contains(long))
    .map(|(_, s)| *s)
    .collect();
    list(&short, ",")
}

#[cfg(test)]
mod testing {
    //! What the per-group tests share: an object seen through its kind's view, its cells read by column key.

    use super::*;
    use crate::resource::kinds::known;

    /// An object seen through the view of the known kind `plural`.
    pub(super) struct Seen {
        pub columns: &'static [Column],
        pub p: Projection,
    }

    impl Seen {
        /// The cell of the column `key` (panics when the kind has no such column).
        pub fn cell(&self, key: &str) -> Option<&str> {
            let i = self
                .columns
                .iter()
                .position(|c| c.key == key)
                .unwrap_or_else(|| panic!("no column {key}"));
            self.p.cells[i].as_deref()
        }

        pub fn status(&self) -> Option<&str> {
            self.p.status.as_deref()
        }
    }

    /// `obj` through the view of `plural`, checked to fill one cell per column.
    pub(super) fn see(plural: &str, obj: Value) -> Seen {
        let kind = known(plural).unwrap();
        let p = project(kind, &obj);
        assert_eq!(p.cells.len(), columns(kind).len(), "{plural}");
        Seen {
            columns: columns(kind),
            p,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resource::kinds::{KINDS, known};
    use serde_json::json;

    #[test]
    fn every_kind_fills_as_many_cells_as_it_has_columns() {
        for k in KINDS {
            let p = project(k, &json!({"metadata": {"name": "x"}}));
            assert_eq!(p.cells.len(), columns(k).len(), "{}", k.plural);
        }
    }

    #[test]
    fn every_kind_has_a_view_with_snake_case_keys_of_its_headers() {
        for k in KINDS {
            assert!(view(k.plural).is_some(), "{} has no view", k.plural);
            let cols = columns(k);
            for c in cols {
                let snake: String = c
                    .header
                    .to_lowercase()
                    .replace(['(', ')'], "")
                    .split(|ch: char| !ch.is_ascii_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .collect::<Vec<_>>()
                    .join("_");
                assert_eq!(c.key, snake, "{}", k.plural);
            }
            let mut keys: Vec<_> = cols.iter().map(|c| &c.key).collect();
            keys.sort();
            keys.dedup();
            assert_eq!(keys.len(), cols.len(), "{}: duplicate keys", k.plural);
        }
        assert!(columns(known("roles").unwrap()).is_empty());
    }

    #[test]
    fn every_row_carries_its_controller() {
        let rs = json!({
            "metadata": {"name": "web-5d9c", "namespace": "shop", "ownerReferences": [
                {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "controller": true}]},
            "spec": {"replicas": 1},
            "status": {"replicas": 1, "readyReplicas": 1, "availableReplicas": 1}
        });
        let p = project(known("replicasets").unwrap(), &rs);
        assert_eq!(p.owner, Some(("Deployment".into(), "web".into())));
    }

    #[test]
    fn selectors_print_like_kubectl() {
        let sel = json!({
            "matchLabels": {"tier": "front", "app": "web"},
            "matchExpressions": [
                {"key": "env", "operator": "In", "values": ["prod", "dev"]},
                {"key": "canary", "operator": "DoesNotExist"},
                {"key": "zone", "operator": "NotIn", "values": ["b"]},
                {"key": "gpu", "operator": "Exists"}
            ]
        });
        assert_eq!(
            selector(&sel).as_deref(),
            Some("app=web,!canary,env in (dev,prod),gpu,tier=front,zone notin (b)")
        );
        assert_eq!(selector(&json!({})), None);
        assert_eq!(selector(&Value::Null), None);
        assert_eq!(
            labels(&json!({"b": "2", "a": "1"})).as_deref(),
            Some("a=1,b=2")
        );
    }

    #[test]
    fn durations_read_like_kubectl() {
        for (secs, text) in [
            (-5, "<invalid>"),
            (0, "0s"),
            (12, "12s"),
            (119, "119s"),
            (184, "3m4s"),
            (240, "4m"),
            (25 * 60 + 7, "25m"),
            (5 * 3600 + 2 * 60, "5h2m"),
            (20 * 3600, "20h"),
            (76 * 3600, "3d4h"),
            (12 * 86400, "12d"),
            (2 * 365 * 86400 + 30 * 86400, "2y30d"),
            (9 * 365 * 86400, "9y"),
        ] {
            assert_eq!(human_duration(secs), text, "{secs}");
        }
    }

    #[test]
    fn long_lists_end_with_how_many_more() {
        let items = vec!["a".to_owned(), "b".to_owned()];
        assert_eq!(first_of(&items, 2, ",").as_deref(), Some("a,b"));
        assert_eq!(first_of(&items, 5, ",").as_deref(), Some("a,b + 3 more..."));
        assert_eq!(first_of(&[], 0, ","), None);
    }

    #[test]
    fn an_unknown_kind_has_no_columns() {
        let k = KindSpec {
            plural: "widgets",
            ..*known("pods").unwrap()
        };
        assert!(columns(&k).is_empty());
        assert_eq!(project(&k, &json!({})).cells.len(), 0);
    }
}
