//! ConfigMap, Secret, HorizontalPodAutoscaler, PodDisruptionBudget, ResourceQuota (LimitRange has no columns).

use super::{
    View, arr, condition, count_cell, first_of, int, kind_name, len, list, plain, scalar, text,
    with_status,
};
use crate::quantity;
use crate::resource::row::{Column, ColumnType::*, Health, Projection};
use serde_json::Value;

/// DATA (entries in `data` and `binaryData`). No status.
pub(super) static CONFIG_MAPS: View = View {
    columns: &[Column::new("data", "DATA", Number, false)],
    project: |cm| {
        plain(vec![Some(
            (len(&cm["data"]) + len(&cm["binaryData"])).to_string(),
        )])
    },
};

/// TYPE, DATA (how many entries), and KEYS (their names, sorted): never a value. No status.
pub(super) static SECRETS: View = View {
    columns: &[
        Column::new("type", "TYPE", Text, false),
        Column::new("data", "DATA", Number, false),
        Column::new("keys", "KEYS", Text, false),
    ],
    project: secret,
};

/// REFERENCE (`Deployment/web`), TARGETS (`cpu: 40%/80%`, `<unknown>/80%` before the first reading; the first
/// two metrics then ` + N more...`), MINPODS, MAXPODS, REPLICAS; autoscaling/v1, v2beta1, v2beta2 and v2.
/// Health: at its maximum `At max` Warning (it wants more than it may have); AbleToScale or ScalingActive False
/// `Unable to scale` Warning; current ≠ desired replicas `Scaling` Progressing; else `Stable` Ok. No status
/// before the controller first wrote one.
pub(super) static HPAS: View = View {
    columns: &[
        Column::new("reference", "REFERENCE", Text, false),
        Column::new("targets", "TARGETS", Text, false),
        Column::new("minpods", "MINPODS", Number, false),
        Column::new("maxpods", "MAXPODS", Number, false),
        Column::new("replicas", "REPLICAS", Number, false),
    ],
    project: hpa,
};

/// MIN AVAILABLE, MAX UNAVAILABLE (`N/A` when not set), ALLOWED DISRUPTIONS; policy/v1 and v1beta1. Health:
/// fewer healthy pods than the budget needs `Unhealthy` Warning; no disruption allowed (a drain would wait)
/// `Blocking` Warning; else `Healthy` Ok. No status before the controller first wrote one.
pub(super) static PDBS: View = View {
    columns: &[
        Column::new("min_available", "MIN AVAILABLE", Text, false),
        Column::new("max_unavailable", "MAX UNAVAILABLE", Text, false),
        Column::new("allowed_disruptions", "ALLOWED DISRUPTIONS", Number, false),
    ],
    project: pdb,
};

/// REQUEST and LIMIT as kubectl prints them (`pods: 3/10, requests.cpu: 500m/2`; the `limits.*` resources
/// under LIMIT, the others under REQUEST). Health: a resource used up to its (non-zero) hard limit
/// `Exhausted` Warning (nothing more of it can be created); otherwise no status.
pub(super) static RESOURCE_QUOTAS: View = View {
    columns: &[
        Column::new("request", "REQUEST", Text, false),
        Column::new("limit", "LIMIT", Text, false),
    ],
    project: resource_quota,
};

fn secret(s: &Value) -> Projection {
    let mut keys: Vec<&str> = s["data"]
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    keys.sort_unstable();
    plain(vec![
        text(&s["type"]),
        Some(keys.len().to_string()),
        list(&keys, ","),
    ])
}

fn hpa(h: &Value) -> Projection {
    let (spec, st) = (&h["spec"], &h["status"]);
    let (current, desired, max) = (
        int(&st["currentReplicas"]),
        int(&st["desiredReplicas"]),
        int(&spec["maxReplicas"]),
    );
    let cells = vec![
        kind_name(&spec["scaleTargetRef"]),
        hpa_targets(h),
        scalar(&spec["minReplicas"]),
        count_cell(&spec["maxReplicas"]),
        Some(current.to_string()),
    ];
    if !st.is_object() {
        return plain(cells);
    }
    let stuck = ["AbleToScale", "ScalingActive"]
        .iter()
        .any(|c| condition(h, c) == Some("False"));
    let (status, health) = if max > 0 && current >= max {
        ("At max", Health::Warning)
    } else if stuck {
        ("Unable to scale", Health::Warning)
    } else if current != desired {
        ("Scaling", Health::Progressing)
    } else {
        ("Stable", Health::Ok)
    };
    with_status(cells, status, health)
}

/// kubectl's TARGETS: per metric `current/target` (`<unknown>` before a reading), the first two, then how many
/// more. autoscaling/v1 has only a CPU target.
fn hpa_targets(h: &Value) -> Option<String> {
    const SHOWN: usize = 2;
    let (spec, st) = (&h["spec"], &h["status"]);
    if let Some(metrics) = spec["metrics"].as_array() {
        let current = arr(&st["currentMetrics"]);
        let shown: Vec<String> = metrics
            .iter()
            .take(SHOWN)
            .enumerate()
            .map(|(i, m)| metric_target(m, current.get(i).unwrap_or(&Value::Null)))
            .collect();
        return first_of(&shown, metrics.len(), ", ");
    }
    let target = spec["targetCPUUtilizationPercentage"].as_i64()?;
    let current = st["currentCPUUtilizationPercentage"]
        .as_i64()
        .map_or_else(|| "<unknown>".into(), |c| format!("{c}%"));
    Some(format!("cpu: {current}/{target}%"))
}

/// One metric's field: v2/v2beta2 nest it (`target.averageValue`, `current.averageValue`), v2beta1 names it
/// flat (`targetAverageValue`, `currentAverageValue`).
fn metric_field(source: &Value, nested: &str, field: &str, flat: &str) -> Option<String> {
    scalar(&source[nested][field]).or_else(|| scalar(&source[flat]))
}

/// `current/target` of one metric (spec `m`, status `s`), as kubectl prints it.
fn metric_target(m: &Value, s: &Value) -> String {
    let unknown = || "<unknown>".to_owned();
    let ty = m["type"].as_str().unwrap_or_default();
    let key = match ty {
        "Resource" => "resource",
        "ContainerResource" => "containerResource",
        "Pods" => "pods",
        "Object" => "object",
        "External" => "external",
        _ => return "<unknown type>".into(),
    };
    let (spec, cur) = (&m[key], &s[key]);
    match ty {
        "Resource" | "ContainerResource" => {
            let name = spec["name"].as_str().unwrap_or_default();
            if let Some(target) = metric_field(spec, "target", "averageValue", "targetAverageValue")
            {
                let current = metric_field(cur, "current", "averageValue", "currentAverageValue");
                format!("{name}: {}/{target}", current.unwrap_or_else(unknown))
            } else {
                let pct = |v: Option<String>| v.map(|v| format!("{v}%"));
                let target = pct(metric_field(
                    spec,
                    "target",
                    "averageUtilization",
                    "targetAverageUtilization",
                ));
                let current = pct(metric_field(
                    cur,
                    "current",
                    "averageUtilization",
                    "currentAverageUtilization",
                ));
                format!(
                    "{name}: {}/{}",
                    current.unwrap_or_else(unknown),
                    target.unwrap_or_else(|| "<auto>".into())
                )
            }
        }
        "Pods" => {
            let target = metric_field(spec, "target", "averageValue", "targetAverageValue");
            let current = metric_field(cur, "current", "averageValue", "currentAverageValue");
            format!(
                "{}/{}",
                current.unwrap_or_else(unknown),
                target.unwrap_or_default()
            )
        }
        _ => {
            // Object and External: an average per pod or a single value
            let flat_avg = if ty == "Object" {
                "averageValue"
            } else {
                "targetAverageValue"
            };
            if let Some(target) = metric_field(spec, "target", "averageValue", flat_avg) {
                let flat_cur = if ty == "Object" {
                    "averageValue"
                } else {
                    "currentAverageValue"
                };
                let current = metric_field(cur, "current", "averageValue", flat_cur);
                format!("{}/{target} (avg)", current.unwrap_or_else(unknown))
            } else {
                let target = metric_field(spec, "target", "value", "targetValue");
                let current = metric_field(cur, "current", "value", "currentValue");
                format!(
                    "{}/{}",
                    current.unwrap_or_else(unknown),
                    target.unwrap_or_default()
                )
            }
        }
    }
}

fn pdb(p: &Value) -> Projection {
    let (spec, st) = (&p["spec"], &p["status"]);
    let na = |v: &Value| scalar(v).or_else(|| Some("N/A".into()));
    // policy/v1beta1 of Kubernetes < 1.15 called it podDisruptionsAllowed
    let allowed = st["disruptionsAllowed"]
        .as_i64()
        .or_else(|| st["podDisruptionsAllowed"].as_i64());
    let cells = vec![
        na(&spec["minAvailable"]),
        na(&spec["maxUnavailable"]),
        Some(allowed.unwrap_or(0).to_string()),
    ];
    let Some(allowed) = allowed else {
        return plain(cells);
    };
    let (status, health) = if int(&st["currentHealthy"]) < int(&st["desiredHealthy"]) {
        ("Unhealthy", Health::Warning)
    } else if allowed == 0 {
        ("Blocking", Health::Warning)
    } else {
        ("Healthy", Health::Ok)
    };
    with_status(cells, status, health)
}

fn resource_quota(q: &Value) -> Projection {
    let st = &q["status"];
    let mut names: Vec<&String> = q["spec"]["hard"]
        .as_object()
        .map(|m| m.keys().collect())
        .unwrap_or_default();
    names.sort_unstable();
    let (mut requests, mut limits, mut exhausted) = (Vec::new(), Vec::new(), false);
    for name in names {
        let used = scalar(&st["used"][name]).unwrap_or_else(|| "0".into());
        let hard = scalar(&st["hard"][name]).unwrap_or_else(|| "0".into());
        let (u, h) = (quantity::value(&used), quantity::value(&hard));
        exhausted |= matches!((u, h), (Some(u), Some(h)) if h > 0.0 && u >= h);
        let entry = format!("{name}: {used}/{hard}");
        if name.starts_with("limits.") {
            limits.push(entry);
        } else {
            requests.push(entry);
        }
    }
    let cells = vec![list(&requests, ", "), list(&limits, ", ")];
    if exhausted {
        with_status(cells, "Exhausted", Health::Warning)
    } else {
        plain(cells)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::see;
    use crate::resource::row::Health;
    use serde_json::{Value, json};

    #[test]
    fn config_maps_count_their_data() {
        let s = see(
            "configmaps",
            json!({
                "apiVersion": "v1", "kind": "ConfigMap",
                "metadata": {"name": "web-config", "namespace": "shop"},
                "data": {"nginx.conf": "server { listen 80; }", "mime.types": "text/html html"},
                "binaryData": {"logo.png": "iVBORw0KGgo="}
            }),
        );
        assert_eq!(s.cell("data"), Some("3"));
        assert_eq!((s.status(), s.p.health), (None, Health::Neutral));
        assert_eq!(
            see("configmaps", json!({"metadata": {"name": "empty"}})).cell("data"),
            Some("0")
        );
    }

    #[test]
    fn secrets_show_type_count_and_key_names_never_a_value() {
        // "s3cr3t-p4ss" and "admin", base64-encoded as the API server returns them
        let s = see(
            "secrets",
            json!({
                "apiVersion": "v1", "kind": "Secret",
                "metadata": {"name": "db-credentials", "namespace": "shop",
                             "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{}"}},
                "type": "kubernetes.io/basic-auth",
                "data": {"username": "YWRtaW4=", "password": "czNjcjN0LXA0c3M="}
            }),
        );
        assert_eq!(s.cell("type"), Some("kubernetes.io/basic-auth"));
        assert_eq!(s.cell("data"), Some("2"));
        assert_eq!(s.cell("keys"), Some("password,username"));
        for value in ["YWRtaW4=", "czNjcjN0LXA0c3M=", "admin", "s3cr3t-p4ss"] {
            for text in s.p.cells.iter().flatten().chain(s.p.status.iter()) {
                assert!(!text.contains(value), "{value} leaked into {text}");
            }
        }
        let s = see(
            "secrets",
            json!({"metadata": {"name": "empty"}, "type": "Opaque"}),
        );
        assert_eq!((s.cell("data"), s.cell("keys")), (Some("0"), None));
    }

    fn hpa(api: &str, spec: Value, status: Value) -> Value {
        let mut spec = spec;
        spec["scaleTargetRef"] =
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"});
        spec["minReplicas"] = json!(2);
        spec["maxReplicas"] = json!(10);
        json!({"apiVersion": api, "kind": "HorizontalPodAutoscaler",
               "metadata": {"name": "web", "namespace": "shop"}, "spec": spec, "status": status})
    }

    #[test]
    fn hpas_read_the_same_in_every_version() {
        let v2_spec = json!({"metrics": [{"type": "Resource", "resource": {"name": "cpu",
                             "target": {"type": "Utilization", "averageUtilization": 80}}}]});
        let v2_status = json!({"currentReplicas": 3, "desiredReplicas": 3, "currentMetrics": [
            {"type": "Resource", "resource": {"name": "cpu", "current": {"averageUtilization": 40, "averageValue": "120m"}}}]});
        let v2beta1_spec = json!({"metrics": [{"type": "Resource", "resource": {"name": "cpu", "targetAverageUtilization": 80}}]});
        let v2beta1_status = json!({"currentReplicas": 3, "desiredReplicas": 3, "currentMetrics": [
            {"type": "Resource", "resource": {"name": "cpu", "currentAverageUtilization": 40, "currentAverageValue": "120m"}}]});
        let v1_spec = json!({"targetCPUUtilizationPercentage": 80});
        let v1_status = json!({"currentReplicas": 3, "desiredReplicas": 3, "currentCPUUtilizationPercentage": 40});
        for obj in [
            hpa("autoscaling/v2", v2_spec.clone(), v2_status.clone()),
            hpa("autoscaling/v2beta2", v2_spec.clone(), v2_status),
            hpa("autoscaling/v2beta1", v2beta1_spec, v2beta1_status),
            hpa("autoscaling/v1", v1_spec.clone(), v1_status),
        ] {
            let s = see("horizontalpodautoscalers", obj);
            assert_eq!(s.cell("reference"), Some("Deployment/web"));
            assert_eq!(s.cell("targets"), Some("cpu: 40%/80%"));
            assert_eq!(
                [s.cell("minpods"), s.cell("maxpods"), s.cell("replicas")],
                [Some("2"), Some("10"), Some("3")]
            );
            assert_eq!((s.status(), s.p.health), (Some("Stable"), Health::Ok));
        }

        let fresh = hpa(
            "autoscaling/v2",
            v2_spec.clone(),
            json!({"currentReplicas": 2, "desiredReplicas": 2}),
        );
        assert_eq!(
            see("horizontalpodautoscalers", fresh).cell("targets"),
            Some("cpu: <unknown>/80%")
        );
        let fresh_v1 = hpa(
            "autoscaling/v1",
            v1_spec,
            json!({"currentReplicas": 2, "desiredReplicas": 2}),
        );
        assert_eq!(
            see("horizontalpodautoscalers", fresh_v1).cell("targets"),
            Some("cpu: <unknown>/80%")
        );

        let maxed = hpa(
            "autoscaling/v2",
            v2_spec,
            json!({"currentReplicas": 10, "desiredReplicas": 10}),
        );
        let s = see("horizontalpodautoscalers", maxed);
        assert_eq!((s.status(), s.p.health), (Some("At max"), Health::Warning));
    }

    #[test]
    fn hpa_targets_show_every_metric_type_and_how_many_more() {
        let spec = json!({"metrics": [
            {"type": "Pods", "pods": {"metric": {"name": "rps"}, "target": {"type": "AverageValue", "averageValue": "100"}}},
            {"type": "Resource", "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "500Mi"}}},
            {"type": "External", "external": {"metric": {"name": "queue"}, "target": {"type": "Value", "value": "30"}}}
        ]});
        let status = json!({"currentReplicas": 4, "desiredReplicas": 6, "currentMetrics": [
            {"type": "Pods", "pods": {"metric": {"name": "rps"}, "current": {"averageValue": "85"}}},
            {"type": "Resource", "resource": {"name": "memory", "current": {"averageValue": "320Mi"}}}
        ]});
        let s = see(
            "horizontalpodautoscalers",
            hpa("autoscaling/v2", spec, status),
        );
        assert_eq!(
            s.cell("targets"),
            Some("85/100, memory: 320Mi/500Mi + 1 more...")
        );
        assert_eq!(
            (s.status(), s.p.health),
            (Some("Scaling"), Health::Progressing)
        );

        let object = json!({"metrics": [
            {"type": "Object", "object": {"describedObject": {"kind": "Ingress", "name": "shop"}, "metric": {"name": "hits"},
                                          "target": {"type": "AverageValue", "averageValue": "2k"}}},
            {"type": "External", "external": {"metric": {"name": "queue"}, "target": {"type": "Value", "value": "30"}}}
        ]});
        let status = json!({"currentReplicas": 2, "desiredReplicas": 2,
            "conditions": [{"type": "ScalingActive", "status": "False", "reason": "FailedGetExternalMetric"}],
            "currentMetrics": [{"type": "Object", "object": {"current": {"averageValue": "1500"}}}]});
        let s = see(
            "horizontalpodautoscalers",
            hpa("autoscaling/v2beta2", object, status),
        );
        assert_eq!(s.cell("targets"), Some("1500/2k (avg), <unknown>/30"));
        assert_eq!(
            (s.status(), s.p.health),
            (Some("Unable to scale"), Health::Warning)
        );

        let s = see(
            "horizontalpodautoscalers",
            json!({"metadata": {"name": "new"}, "spec": {"maxReplicas": 3}}),
        );
        assert_eq!(
            (s.cell("targets"), s.cell("minpods"), s.status()),
            (None, None, None)
        );
    }

    #[test]
    fn pdbs_read_the_same_in_v1_and_v1beta1() {
        for api in ["policy/v1", "policy/v1beta1"] {
            let pdb = json!({
                "apiVersion": api, "kind": "PodDisruptionBudget",
                "metadata": {"name": "web", "namespace": "shop"},
                "spec": {"minAvailable": 2, "selector": {"matchLabels": {"app": "web"}}},
                "status": {"currentHealthy": 3, "desiredHealthy": 2, "disruptionsAllowed": 1, "expectedPods": 3}
            });
            let s = see("poddisruptionbudgets", pdb.clone());
            assert_eq!(s.cell("min_available"), Some("2"));
            assert_eq!(s.cell("max_unavailable"), Some("N/A"));
            assert_eq!(s.cell("allowed_disruptions"), Some("1"));
            assert_eq!((s.status(), s.p.health), (Some("Healthy"), Health::Ok));

            let mut blocking = pdb.clone();
            blocking["spec"] = json!({"maxUnavailable": "0%"});
            blocking["status"]["disruptionsAllowed"] = json!(0);
            let s = see("poddisruptionbudgets", blocking);
            assert_eq!(
                (s.cell("min_available"), s.cell("max_unavailable")),
                (Some("N/A"), Some("0%"))
            );
            assert_eq!(
                (s.status(), s.p.health),
                (Some("Blocking"), Health::Warning)
            );

            let mut short = pdb;
            short["status"] = json!({"currentHealthy": 1, "desiredHealthy": 2, "disruptionsAllowed": 0, "expectedPods": 3});
            assert_eq!(
                see("poddisruptionbudgets", short).status(),
                Some("Unhealthy")
            );
        }
    }

    #[test]
    fn resource_quotas_split_requests_and_limits_like_kubectl() {
        let q = json!({
            "apiVersion": "v1", "kind": "ResourceQuota",
            "metadata": {"name": "compute", "namespace": "shop"},
            "spec": {"hard": {"pods": "10", "requests.cpu": "2", "requests.memory": "4Gi", "limits.cpu": "4", "limits.memory": "8Gi"}},
            "status": {"hard": {"pods": "10", "requests.cpu": "2", "requests.memory": "4Gi", "limits.cpu": "4", "limits.memory": "8Gi"},
                       "used": {"pods": "3", "requests.cpu": "500m", "requests.memory": "1536Mi", "limits.cpu": "1", "limits.memory": "2Gi"}}
        });
        let s = see("resourcequotas", q.clone());
        assert_eq!(
            s.cell("request"),
            Some("pods: 3/10, requests.cpu: 500m/2, requests.memory: 1536Mi/4Gi")
        );
        assert_eq!(
            s.cell("limit"),
            Some("limits.cpu: 1/4, limits.memory: 2Gi/8Gi")
        );
        assert_eq!((s.status(), s.p.health), (None, Health::Neutral));

        let mut full = q;
        full["status"]["used"]["pods"] = json!("10");
        let s = see("resourcequotas", full);
        assert_eq!(
            (s.status(), s.p.health),
            (Some("Exhausted"), Health::Warning)
        );

        let s = see(
            "resourcequotas",
            json!({"metadata": {"name": "new"}, "spec": {"hard": {"services.loadbalancers": "0"}}}),
        );
        assert_eq!(
            (s.cell("request"), s.cell("limit"), s.status()),
            (Some("services.loadbalancers: 0/0"), None, None)
        );
    }

    #[test]
    fn limit_ranges_have_no_columns() {
        let s = see(
            "limitranges",
            json!({"apiVersion": "v1", "kind": "LimitRange", "metadata": {"name": "defaults", "namespace": "shop"},
                   "spec": {"limits": [{"type": "Container", "default": {"cpu": "500m"}, "defaultRequest": {"cpu": "100m"}}]}}),
        );
        assert!(s.p.cells.is_empty());
        assert_eq!((s.status(), s.p.health), (None, Health::Neutral));
    }
}
