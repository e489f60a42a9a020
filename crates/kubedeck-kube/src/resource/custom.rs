//! The view of a custom resource: the columns its CRD declares (`additionalPrinterColumns`), filled by
//! evaluating their JSONPaths on the object, and a status from its `Ready` condition or `status.phase`.
//!
//! The JSONPaths are the simple subset CRDs use: field access (`.spec.replicas`, `.metadata.labels.app`,
//! `['app.kubernetes.io/name']`, `app\.kubernetes\.io/name`), an index (`[0]`, `[-1]`), a slice (`[0:2]`), all
//! elements (`[*]`, `.*`) and a filter (`[?(@.type=="Ready")]`, `==`/`!=`, or `[?(@.field)]` for presence).
//! Several results are joined with `,`. A path outside the subset fills no cell.

use super::row::{Column, ColumnType, Health, Projection, controller_of};
use serde_json::Value;
use std::borrow::Cow;

/// The columns one version of a CRD declares (`spec.versions[]` of apiextensions v1; the same shape in v1beta1):
/// its `additionalPrinterColumns`, without the creation-time column (AGE is every row's own).
pub fn columns(crd_version: &Value) -> Vec<Column> {
    columns_and_paths(&crd_version["additionalPrinterColumns"]).0
}

/// The columns a CRD object (apiextensions v1 or v1beta1) declares for `version`, and their JSONPaths (one
/// per column). v1beta1 may declare them for all versions at once in `spec.additionalPrinterColumns`, with
/// `JSONPath` capitalised.
pub fn printer_columns(crd: &Value, version: &str) -> (Vec<Column>, Vec<String>) {
    let spec = &crd["spec"];
    let own = spec["versions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|v| v["name"] == version)
        .map(|v| &v["additionalPrinterColumns"])
        .filter(|c| c.is_array());
    columns_and_paths(own.unwrap_or(&spec["additionalPrinterColumns"]))
}

/// The columns of a list of `additionalPrinterColumns` and their JSONPaths.
fn columns_and_paths(defs: &Value) -> (Vec<Column>, Vec<String>) {
    let mut columns: Vec<Column> = Vec::new();
    let mut paths = Vec::new();
    for def in defs.as_array().into_iter().flatten() {
        let path = def["jsonPath"]
            .as_str()
            .or_else(|| def["JSONPath"].as_str())
            .unwrap_or_default();
        let name = def["name"].as_str().unwrap_or_default();
        if name.is_empty() || path.trim() == ".metadata.creationTimestamp" {
            continue;
        }
        let ty = match def["type"].as_str() {
            Some("integer" | "number") => ColumnType::Number,
            Some("date") => ColumnType::Date,
            _ => ColumnType::Text,
        };
        let mut key = snake_case(name);
        if columns.iter().any(|c| c.key == key) {
            key = format!("{key}_{}", columns.len() + 1);
        }
        columns.push(Column {
            key: Cow::Owned(key),
            header: Cow::Owned(name.to_uppercase()),
            ty,
            wide: def["priority"].as_i64().unwrap_or(0) > 0,
        });
        paths.push(path.to_owned());
    }
    (columns, paths)
}

/// A column key from a column's name: `Desired Replicas`, `UP-TO-DATE` and `readyReplicas` give
/// `desired_replicas`, `up_to_date` and `ready_replicas`.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    let mut prev: Option<char> = None;
    for c in name.chars() {
        if c.is_alphanumeric() {
            let boundary =
                c.is_uppercase() && prev.is_some_and(|p| p.is_lowercase() || p.is_ascii_digit());
            if boundary || (prev.is_none() && !out.is_empty()) {
                out.push('_');
            }
            out.extend(c.to_lowercase());
            prev = Some(c);
        } else if c != '(' && c != ')' {
            prev = None;
        }
    }
    out
}

/// What a custom resource's view makes of an object: one cell per JSONPath; its status.
pub fn project(columns_json_paths: &[String], obj: &Value) -> Projection {
    let (status, health) = status_of(obj).unzip();
    Projection {
        cells: columns_json_paths.iter().map(|p| cell(p, obj)).collect(),
        status,
        health: health.unwrap_or_default(),
        owner: controller_of(obj),
    }
}

/// The status most custom resources publish: their `Ready` condition (True `Ready` Ok, False its reason or
/// `NotReady` Warning, Unknown its reason or `Unknown` Progressing), else `status.phase` coloured by the usual
/// words (Running, Ready, Succeeded … Ok; Pending, Creating … Progressing; Failed, Error … Error; others
/// Neutral). None without either.
fn status_of(obj: &Value) -> Option<(String, Health)> {
    let ready = obj["status"]["conditions"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["type"] == "Ready");
    if let Some(c) = ready {
        let reason = c["reason"].as_str().filter(|r| !r.is_empty());
        return Some(match c["status"].as_str() {
            Some("True") => ("Ready".into(), Health::Ok),
            Some("False") => (reason.unwrap_or("NotReady").into(), Health::Warning),
            _ => (reason.unwrap_or("Unknown").into(), Health::Progressing),
        });
    }
    let phase = obj["status"]["phase"].as_str().filter(|p| !p.is_empty())?;
    let health = match phase.to_ascii_lowercase().as_str() {
        "running" | "ready" | "active" | "available" | "bound" | "healthy" | "succeeded"
        | "complete" | "completed" | "established" | "deployed" => Health::Ok,
        "pending" | "creating" | "provisioning" | "progressing" | "updating" | "deploying"
        | "initializing" | "reconciling" | "starting" => Health::Progressing,
        "failed" | "error" | "degraded" | "unhealthy" | "crashloopbackoff" => Health::Error,
        _ => Health::Neutral,
    };
    Some((phase.to_owned(), health))
}

/// One cell: the path's results, joined with `,`; `None` for no result (or a path outside the subset).
fn cell(path: &str, obj: &Value) -> Option<String> {
    let steps = parse(path)?;
    let texts: Vec<String> = eval(&steps, obj).into_iter().filter_map(show).collect();
    Some(texts.join(",")).filter(|s| !s.is_empty())
}

/// A result as text: strings as they are, other scalars printed, lists and maps as compact JSON.
fn show(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Number(_) | Value::Bool(_) => Some(v.to_string()),
        _ => serde_json::to_string(v).ok(),
    }
}

/// One step of a path.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// `.name`, `['name']`.
    Field(String),
    /// `.*`, `[*]`: every element or value.
    All,
    /// `[n]`; negative counts from the end.
    Index(i64),
    /// `[a:b]`.
    Slice(Option<i64>, Option<i64>),
    /// `[?(@.path)]`, `[?(@.path=="value")]`, `[?(@.path!="value")]`.
    Filter(Filter),
}

#[derive(Debug, Clone, PartialEq)]
struct Filter {
    path: Vec<Step>,
    test: Test,
}

#[derive(Debug, Clone, PartialEq)]
enum Test {
    Exists,
    Eq(String),
    Ne(String),
}

/// The steps of a path (`.spec.replicas`, also `{.spec.replicas}`, `$.spec.replicas`); `None` outside the
/// subset.
fn parse(path: &str) -> Option<Vec<Step>> {
    let p = path.trim();
    let p = p
        .strip_prefix('{')
        .and_then(|p| p.strip_suffix('}'))
        .unwrap_or(p);
    let p = p.strip_prefix('$').unwrap_or(p);
    parse_steps(p.trim()).filter(|steps| !steps.is_empty())
}

fn parse_steps(p: &str) -> Option<Vec<Step>> {
    let chars: Vec<char> = p.chars().collect();
    let mut steps = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '.' if chars.get(i + 1) == Some(&'.') => return None, // recursive descent
            '.' if chars.get(i + 1) == Some(&'*') => {
                steps.push(Step::All);
                i += 2;
            }
            '.' if chars.get(i + 1) == Some(&'[') => i += 1,
            '.' => {
                let (name, next) = field_name(&chars, i + 1);
                if name.is_empty() {
                    return None;
                }
                steps.push(Step::Field(name));
                i = next;
            }
            '[' => {
                let end = closing_bracket(&chars, i)?;
                let inner: String = chars[i + 1..end].iter().collect();
                steps.push(bracket(inner.trim())?);
                i = end + 1;
            }
            // a path without its leading dot (`spec.replicas`)
            _ if steps.is_empty() && i == 0 => {
                let (name, next) = field_name(&chars, 0);
                steps.push(Step::Field(name));
                i = next;
            }
            _ => return None,
        }
    }
    Some(steps)
}

/// A field name from `start` up to the next unescaped `.` or `[` (`\.` is a dot in the name).
fn field_name(chars: &[char], start: usize) -> (String, usize) {
    let mut name = String::new();
    let mut i = start;
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() => {
                name.push(chars[i + 1]);
                i += 2;
            }
            '.' | '[' => break,
            c => {
                name.push(c);
                i += 1;
            }
        }
    }
    (name, i)
}

/// The `]` closing the `[` at `open`, skipping quoted text and nested brackets.
fn closing_bracket(chars: &[char], open: usize) -> Option<usize> {
    let (mut depth, mut quote) = (0, None);
    for (i, &c) in chars.iter().enumerate().skip(open) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// What is between `[` and `]`.
fn bracket(inner: &str) -> Option<Step> {
    if inner == "*" {
        return Some(Step::All);
    }
    if let Some(name) = unquote(inner) {
        return Some(Step::Field(name.to_owned()));
    }
    if let Some(f) = inner.strip_prefix("?(").and_then(|f| f.strip_suffix(')')) {
        return filter(f.trim()).map(Step::Filter);
    }
    if let Some((a, b)) = inner.split_once(':') {
        let bound = |s: &str| -> Option<Option<i64>> {
            let s = s.trim();
            if s.is_empty() {
                Some(None)
            } else {
                s.parse().ok().map(Some)
            }
        };
        // a step (`[::2]`) is outside the subset
        return Some(Step::Slice(bound(a)?, bound(b)?));
    }
    inner.parse().ok().map(Step::Index)
}

/// `'text'` or `"text"` without its quotes.
fn unquote(s: &str) -> Option<&str> {
    ['"', '\'']
        .iter()
        .find_map(|q| s.strip_prefix(*q)?.strip_suffix(*q))
}

/// A filter's body: `@.path`, `@.path=="value"`, `@.path!=value`.
fn filter(body: &str) -> Option<Filter> {
    // the first operator, so that one inside the quoted value does not count
    let op = ["==", "!="]
        .iter()
        .filter_map(|op| body.find(op).map(|at| (at, *op)))
        .min();
    let (left, test) = match op {
        Some((at, op)) => {
            let right = literal(&body[at + 2..]);
            (
                &body[..at],
                if op == "==" {
                    Test::Eq(right)
                } else {
                    Test::Ne(right)
                },
            )
        }
        None => (body, Test::Exists),
    };
    let path = parse_steps(left.trim().strip_prefix('@')?)?;
    Some(Filter { path, test })
}

/// A filter's right-hand side as the text it is compared with (`"Ready"`, `'True'`, `3`, `true`).
fn literal(s: &str) -> String {
    let s = s.trim();
    unquote(s).unwrap_or(s).to_owned()
}

/// The values `steps` lead to from `root` (nulls dropped).
fn eval<'a>(steps: &[Step], root: &'a Value) -> Vec<&'a Value> {
    let mut current = vec![root];
    for step in steps {
        let mut next = Vec::new();
        for v in current {
            match (step, v) {
                (Step::Field(name), Value::Object(m)) => next.extend(m.get(name)),
                (Step::All, Value::Object(m)) => next.extend(m.values()),
                (Step::All, Value::Array(a)) => next.extend(a),
                (Step::Index(n), Value::Array(a)) => {
                    next.extend(position(*n, a.len()).map(|i| &a[i]))
                }
                (Step::Slice(from, to), Value::Array(a)) => {
                    let start = from.map_or(0, |n| clamp(n, a.len()));
                    let end = to.map_or(a.len(), |n| clamp(n, a.len()));
                    next.extend(a.iter().take(end).skip(start));
                }
                (Step::Filter(f), Value::Array(a)) => next.extend(a.iter().filter(|e| f.keeps(e))),
                _ => {}
            }
        }
        current = next;
    }
    current.retain(|v| !v.is_null());
    current
}

/// Index `n` of a list of `len` (negative from the end), if there is one.
fn position(n: i64, len: usize) -> Option<usize> {
    let i = if n < 0 { len as i64 + n } else { n };
    (0..len as i64).contains(&i).then_some(i as usize)
}

/// A slice bound within `0..=len` (negative from the end).
fn clamp(n: i64, len: usize) -> usize {
    let i = if n < 0 { len as i64 + n } else { n };
    i.clamp(0, len as i64) as usize
}

impl Filter {
    fn keeps(&self, element: &Value) -> bool {
        let found = eval(&self.path, element);
        let same = |want: &str| found.iter().any(|v| show(v).as_deref() == Some(want));
        match &self.test {
            Test::Exists => !found.is_empty(),
            Test::Eq(want) => same(want),
            Test::Ne(want) => !found.is_empty() && !same(want),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn certificate_crd() -> Value {
        json!({
            "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "certificates.cert-manager.io"},
            "spec": {"group": "cert-manager.io", "scope": "Namespaced",
                     "names": {"kind": "Certificate", "plural": "certificates"},
                     "versions": [
                        {"name": "v1", "served": true, "storage": true, "additionalPrinterColumns": [
                            {"name": "Ready", "type": "string", "jsonPath": ".status.conditions[?(@.type==\"Ready\")].status"},
                            {"name": "Secret", "type": "string", "jsonPath": ".spec.secretName"},
                            {"name": "Issuer", "type": "string", "priority": 1, "jsonPath": ".spec.issuerRef.name"},
                            {"name": "Status", "type": "string", "priority": 1, "jsonPath": ".status.conditions[?(@.type==\"Ready\")].message"},
                            {"name": "Renewals", "type": "integer", "jsonPath": ".status.renewals"},
                            {"name": "Not After", "type": "date", "jsonPath": ".status.notAfter"},
                            {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]},
                        {"name": "v1alpha2", "served": false, "storage": false}]}
        })
    }

    fn certificate() -> Value {
        json!({
            "apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": {"name": "shop-tls", "namespace": "shop", "labels": {"app": "shop", "app.kubernetes.io/name": "shop"},
                         "ownerReferences": [{"kind": "Ingress", "name": "shop", "controller": true}]},
            "spec": {"secretName": "shop-tls", "issuerRef": {"name": "letsencrypt", "kind": "ClusterIssuer"},
                     "dnsNames": ["shop.example.com", "www.shop.example.com"], "replicas": 2, "paused": false},
            "status": {"notAfter": "2024-08-01T00:00:00Z", "renewals": 3,
                       "conditions": [{"type": "Issuing", "status": "False"},
                                      {"type": "Ready", "status": "True", "reason": "Ready", "message": "Certificate is up to date"}]}
        })
    }

    #[test]
    fn columns_come_from_the_crd_version_without_age() {
        let (cols, paths) = printer_columns(&certificate_crd(), "v1");
        let keys: Vec<&str> = cols.iter().map(|c| c.key.as_ref()).collect();
        assert_eq!(
            keys,
            [
                "ready",
                "secret",
                "issuer",
                "status",
                "renewals",
                "not_after"
            ]
        );
        assert_eq!(cols[5].header, "NOT AFTER");
        assert_eq!(
            cols.iter().map(|c| c.ty).collect::<Vec<_>>(),
            [
                ColumnType::Text,
                ColumnType::Text,
                ColumnType::Text,
                ColumnType::Text,
                ColumnType::Number,
                ColumnType::Date
            ]
        );
        assert_eq!(
            cols.iter().map(|c| c.wide).collect::<Vec<_>>(),
            [false, false, true, true, false, false]
        );
        assert_eq!(paths.len(), cols.len());
        assert_eq!(paths[1], ".spec.secretName");
        assert_eq!(columns(&certificate_crd()["spec"]["versions"][0]), cols);
        assert!(printer_columns(&certificate_crd(), "v1alpha2").0.is_empty());
        assert!(printer_columns(&certificate_crd(), "v9").0.is_empty());
    }

    #[test]
    fn v1beta1_crds_may_declare_columns_for_all_versions_with_a_capital_jsonpath() {
        let crd = json!({
            "apiVersion": "apiextensions.k8s.io/v1beta1", "kind": "CustomResourceDefinition",
            "metadata": {"name": "widgets.example.com"},
            "spec": {"group": "example.com", "version": "v1", "versions": [{"name": "v1", "served": true, "storage": true}],
                     "names": {"kind": "Widget", "plural": "widgets"},
                     "additionalPrinterColumns": [
                        {"name": "Desired Replicas", "type": "integer", "JSONPath": ".spec.replicas"},
                        {"name": "Age", "type": "date", "JSONPath": ".metadata.creationTimestamp"}]}
        });
        let (cols, paths) = printer_columns(&crd, "v1");
        assert_eq!(
            cols,
            vec![Column {
                key: "desired_replicas".into(),
                header: "DESIRED REPLICAS".into(),
                ty: ColumnType::Number,
                wide: false,
            }]
        );
        assert_eq!(paths, [".spec.replicas"]);
        let p = project(&paths, &json!({"spec": {"replicas": 3}}));
        assert_eq!(p.cells, [Some("3".to_owned())]);
    }

    #[test]
    fn keys_are_snake_case_and_unique() {
        assert_eq!(snake_case("Desired Replicas"), "desired_replicas");
        assert_eq!(snake_case("UP-TO-DATE"), "up_to_date");
        assert_eq!(snake_case("readyReplicas"), "ready_replicas");
        assert_eq!(snake_case("PORT(S)"), "ports");
        assert_eq!(snake_case("  Last Seen  "), "last_seen");
        assert_eq!(snake_case("K8s Version"), "k8s_version");
        let (cols, _) = columns_and_paths(&json!([
            {"name": "Ready", "type": "string", "jsonPath": ".a"},
            {"name": "READY", "type": "string", "jsonPath": ".b"}
        ]));
        assert_eq!(cols[0].key, "ready");
        assert_ne!(cols[1].key, "ready");
    }

    #[test]
    fn a_custom_resource_fills_its_columns_and_reads_its_ready_condition() {
        let (_, paths) = printer_columns(&certificate_crd(), "v1");
        let p = project(&paths, &certificate());
        assert_eq!(
            p.cells,
            [
                Some("True"),
                Some("shop-tls"),
                Some("letsencrypt"),
                Some("Certificate is up to date"),
                Some("3"),
                Some("2024-08-01T00:00:00Z")
            ]
            .map(|c| c.map(str::to_owned))
        );
        assert_eq!((p.status.as_deref(), p.health), (Some("Ready"), Health::Ok));
        assert_eq!(p.owner, Some(("Ingress".into(), "shop".into())));

        let mut failing = certificate();
        failing["status"]["conditions"][1] =
            json!({"type": "Ready", "status": "False", "reason": "Expired"});
        let p = project(&paths, &failing);
        assert_eq!(
            (p.status.as_deref(), p.health),
            (Some("Expired"), Health::Warning)
        );
        assert_eq!(p.cells[3], None);

        let p = project(&paths, &json!({"metadata": {"name": "x"}}));
        assert_eq!(p.cells, vec![None; paths.len()]);
        assert_eq!((p.status, p.health), (None, Health::Neutral));

        let p = project(&[], &json!({"status": {"phase": "Running"}}));
        assert_eq!(
            (p.status.as_deref(), p.health),
            (Some("Running"), Health::Ok)
        );
        let p = project(&[], &json!({"status": {"phase": "Failed"}}));
        assert_eq!(p.health, Health::Error);
    }

    #[test]
    fn the_jsonpath_subset_crds_use() {
        let obj = json!({
            "metadata": {"labels": {"app": "shop", "app.kubernetes.io/name": "shop-web"}},
            "spec": {"replicas": 2, "paused": false, "ratio": 0.5, "nothing": null,
                     "items": [{"name": "a", "size": 1}, {"name": "b", "size": 2}, {"name": "c", "size": 2}],
                     "selector": {"matchLabels": {"app": "shop"}}},
            "status": {"conditions": [{"type": "Ready", "status": "True"}, {"type": "Synced", "status": "False"}]}
        });
        let at = |path: &str| cell(path, &obj);
        assert_eq!(at(".spec.replicas").as_deref(), Some("2"));
        assert_eq!(at("{.spec.replicas}").as_deref(), Some("2"));
        assert_eq!(at("$.spec.replicas").as_deref(), Some("2"));
        assert_eq!(at("spec.replicas").as_deref(), Some("2"));
        assert_eq!(at(".spec.paused").as_deref(), Some("false"));
        assert_eq!(at(".spec.ratio").as_deref(), Some("0.5"));
        assert_eq!(at(".spec.nothing"), None);
        assert_eq!(at(".spec.missing.deeper"), None);
        assert_eq!(at(".metadata.labels.app").as_deref(), Some("shop"));
        assert_eq!(
            at(".metadata.labels['app.kubernetes.io/name']").as_deref(),
            Some("shop-web")
        );
        assert_eq!(
            at(r".metadata.labels.app\.kubernetes\.io/name").as_deref(),
            Some("shop-web")
        );
        assert_eq!(at(".spec.items[0].name").as_deref(), Some("a"));
        assert_eq!(at(".spec.items[-1].name").as_deref(), Some("c"));
        assert_eq!(at(".spec.items[7].name"), None);
        assert_eq!(at(".spec.items[*].name").as_deref(), Some("a,b,c"));
        assert_eq!(at(".spec.items.*.name").as_deref(), Some("a,b,c"));
        assert_eq!(at(".spec.items[0:2].name").as_deref(), Some("a,b"));
        assert_eq!(at(".spec.items[1:].name").as_deref(), Some("b,c"));
        assert_eq!(at(".spec.items[?(@.size==2)].name").as_deref(), Some("b,c"));
        assert_eq!(
            at(".spec.items[?(@.name!='a')].size").as_deref(),
            Some("2,2")
        );
        assert_eq!(
            at(".status.conditions[?(@.type!=\"x==y\")].type").as_deref(),
            Some("Ready,Synced")
        );
        assert_eq!(at(".spec.items[?(@.missing)].name"), None);
        assert_eq!(at(".spec.items[?(@.name)].name").as_deref(), Some("a,b,c"));
        assert_eq!(
            at(r#".status.conditions[?(@.type=="Ready")].status"#).as_deref(),
            Some("True")
        );
        assert_eq!(
            at(".status.conditions[?(@.type=='Synced')].status").as_deref(),
            Some("False")
        );
        assert_eq!(at(r#".status.conditions[?(@.type=="Gone")].status"#), None);
        assert_eq!(
            at(".spec.selector.matchLabels").as_deref(),
            Some(r#"{"app":"shop"}"#)
        );
        assert_eq!(at(".spec.selector.*").as_deref(), Some(r#"{"app":"shop"}"#));
        // outside the subset: no cell, no panic
        for bad in [
            "..name",
            ".spec[",
            ".spec.items[?(@.size>1)].name",
            ".spec.items[x]",
            "",
            ".",
            ".spec.items[::2]",
        ] {
            let _ = at(bad);
        }
        assert_eq!(at("..name"), None);
        assert_eq!(at(""), None);
        assert_eq!(at("."), None);
        assert_eq!(at(".spec.items[x]"), None);
    }
}
