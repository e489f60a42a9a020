//! The authorization matrix: every documented route × every role. A route's `x-permission` says what it
//! needs; a role without it gets 403, a role with it gets past authorization, nobody gets a 5xx.

use crate::helpers::*;
use kubedeck_core::rbac::{Binding, Permission, Role};
use reqwest::StatusCode;
use serde_json::json;

fn permission(name: &str) -> Option<Permission> {
    Permission::ALL.into_iter().find(|p| p.as_str() == name)
}

async fn every_route_allows_exactly_the_roles_that_hold_its_permission() {
    let app = spawn_app().await;
    let doc = app
        .request("GET", "/api/openapi.json", None, None)
        .await
        .body;
    let mut tokens = Vec::new();
    for role in Role::ALL {
        let name = format!("matrix-{}", role.as_str());
        tokens.push((
            Some(role),
            app.user_token(&name, &[Binding::global(role)]).await,
        ));
    }
    tokens.push((None, app.user_token("matrix-nobody", &[]).await));

    let mut checked = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let needs = op["x-permission"]
                .as_str()
                .unwrap_or_else(|| panic!("{method} {path} has no x-permission"));
            if needs == "public" {
                continue;
            }
            // Placeholders name objects that do not exist: allowed callers get 404/400/422, never 403.
            let concrete = path
                .replace("{id}", "999999")
                .replace("{uid}", "999999")
                .replace("{tid}", "999999")
                .replace("{cid}", "999999")
                .replace("{aid}", "999999")
                .replace("{ns}", "default")
                .replace("{sid}", "999999")
                .replace("{kid}", "999999")
                .replace("{mid}", "999999")
                .replace("{wid}", "999999")
                .replace("{qid}", "999999")
                .replace("{rule}", "Nothing")
                .replace("{name}", "nothing")
                .replace("{container}", "c");
            let body = match method.as_str() {
                "post" | "put" => Some(if path.ends_with("/bindings") {
                    json!([])
                } else {
                    json!({})
                }),
                _ => None,
            };
            let anon = app
                .request(&method.to_uppercase(), &concrete, None, body.clone())
                .await;
            assert_eq!(
                anon.status,
                StatusCode::UNAUTHORIZED,
                "{method} {path} without a token"
            );
            for (role, token) in &tokens {
                let r = app
                    .request(&method.to_uppercase(), &concrete, Some(token), body.clone())
                    .await;
                assert!(
                    !r.status.is_server_error(),
                    "{method} {path} as {role:?}: {} {}",
                    r.status,
                    r.body
                );
                let allowed = match needs {
                    "authenticated" => true,
                    p => {
                        let perm = permission(p)
                            .unwrap_or_else(|| panic!("{method} {path}: unknown permission {p}"));
                        role.is_some_and(|r| r.permissions().contains(&perm))
                    }
                };
                past_authorization_exactly_when(&r, allowed, needs, &[needs], &format!("{method} {path} as {role:?}"));
                checked += 1;
            }
        }
    }
    assert!(
        checked >= 5 * 15,
        "only {checked} route/role combinations checked"
    );
    app.stop().await;
}
on_every_backend!(every_route_allows_exactly_the_roles_that_hold_its_permission);

/// A caller that holds `needs` gets past authorization (any answer but 403); one that does not gets 403
/// `forbidden` naming one of `lacks`, the permissions the operation takes that the caller does not hold.
#[track_caller]
fn past_authorization_exactly_when(r: &Resp, allowed: bool, needs: &str, lacks: &[&str], what: &str) {
    if allowed {
        assert_ne!(r.status, StatusCode::FORBIDDEN, "{what} (holds {needs}) should be allowed: {}", r.body);
    } else {
        assert_eq!(
            (r.status, r.body["code"].as_str()),
            (StatusCode::FORBIDDEN, Some("forbidden")),
            "{what} (lacks {needs}) should be forbidden: {}",
            r.body
        );
        assert!(
            lacks.iter().any(|p| r.body["params"]["permission"] == *p && r.body["message"].as_str().unwrap().contains(p)),
            "the refusal names one of {lacks:?}: {}",
            r.body
        );
    }
}

/// The generic routes of every kind a cluster serves × every role, on the testbed: a role is refused (403 naming
/// the permission) exactly when it lacks what the OpenAPI document's `x-permission-by-kind` names for that kind
/// and operation, and gets past authorization otherwise (its request names nothing that exists, so nothing
/// changes: kubectl confirms). Pods and nodes are left out: their list, detail and delete paths are their own
/// routes, checked by route above.
async fn every_kind_allows_exactly_the_roles_that_hold_its_permission() {
    let tb = kubedeck_testbed::Testbed::from_env();
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let id = import_testbed(&app, &admin, &tb).await;
    let ns = kubedeck_testbed::Namespace::create_in(&tb, "authz-kinds");
    let ns = ns.name();
    let base = format!("/api/v1/k8s/cluster/{id}");
    let doc = app
        .request("GET", "/api/openapi.json", None, None)
        .await
        .body;
    let mut tokens = Vec::new();
    for role in Role::ALL {
        let name = format!("kinds-{}", role.as_str());
        tokens.push((role, app.user_token(&name, &[Binding::global(role)]).await));
    }
    let kinds = app.get(&format!("{base}/kinds"), &admin).await;
    assert_eq!(kinds.status, StatusCode::OK, "{}", kinds.body);
    let before = tb.kubectl_ok(&["get", "all,cm,secret,sa,role,rolebinding", "-n", ns, "-o", "name"]);

    let mut checked = std::collections::BTreeSet::new();
    for kind in kinds.body["items"].as_array().unwrap() {
        let plural = kind["name"].as_str().unwrap();
        if kind["version"].is_null() || plural == "pods" || plural == "nodes" {
            continue;
        }
        let namespaced = kind["namespaced"].as_bool().unwrap();
        let (template, list) = if namespaced {
            (
                "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}",
                format!("{base}/namespaces/{ns}/{plural}"),
            )
        } else {
            ("/api/v1/k8s/cluster/{id}/{kind}", format!("{base}/{plural}"))
        };
        let object = format!("{list}/kd-authz-nothing-here");
        let object_template = format!("{template}/{{name}}");
        let cases = [
            ("get", template.to_owned(), list.clone(), None),
            ("post", template.to_owned(), list.clone(), Some(json!({}))),
            ("get", object_template.clone(), object.clone(), None),
            ("put", object_template.clone(), object.clone(), Some(json!({}))),
            ("delete", object_template, object.clone(), None),
        ];
        for (method, template, url, body) in cases {
            let documented = &doc["paths"][&template][method]["x-permission-by-kind"];
            let custom = if namespaced { "<custom, namespaced>" } else { "<custom, cluster-scoped>" };
            let needs = documented[plural]
                .as_str()
                .or_else(|| plural.contains('.').then(|| documented[custom].as_str()).flatten())
                .unwrap_or_else(|| panic!("{method} {template}: no x-permission-by-kind for {plural}: {documented}"));
            let perm = permission(needs).unwrap_or_else(|| panic!("unknown permission {needs}"));
            let route_needs = doc["paths"][&template][method]["x-permission"].as_str().unwrap();
            for (role, token) in &tokens {
                let r = app
                    .request(&method.to_uppercase(), &url, Some(token), body.clone())
                    .await;
                assert!(
                    !r.status.is_server_error(),
                    "{method} {url} as {role:?}: {} {}",
                    r.status,
                    r.body
                );
                let allowed = role.permissions().contains(&perm);
                // the route's own permission (`x-permission`) is checked first: a caller lacking it hears of that one
                let lacks: Vec<&str> = [needs, route_needs]
                    .into_iter()
                    .filter(|p| !role.permissions().contains(&permission(p).unwrap()))
                    .collect();
                past_authorization_exactly_when(&r, allowed, needs, &lacks, &format!("{method} {url} as {role:?}"));
                // nothing by that name exists and an empty manifest is no object: an allowed write is a 4xx too
                assert!(!allowed || r.status.is_client_error() || method == "get", "{method} {url}: {}", r.body);
            }
            checked.insert((plural.to_owned(), needs.to_owned()));
        }
    }
    // The testbed serves every known kind but pods and nodes (27), each written by one of two permissions.
    let kinds_checked: std::collections::BTreeSet<_> = checked.iter().map(|(k, _)| k.clone()).collect();
    assert!(kinds_checked.len() >= 27, "only {} kinds checked: {kinds_checked:?}", kinds_checked.len());
    for (kind, tier) in [("namespaces", "platform.write"), ("clusterroles", "platform.write"), ("configmaps", "resource.write"), ("deployments", "resource.delete")] {
        assert!(checked.contains(&(kind.to_owned(), tier.to_owned())), "{kind} checked with {tier}: {checked:?}");
    }
    assert_eq!(
        tb.kubectl_ok(&["get", "all,cm,secret,sa,role,rolebinding", "-n", ns, "-o", "name"]),
        before,
        "no role changed anything"
    );
    app.stop().await;
}
on_one_backend!(every_kind_allows_exactly_the_roles_that_hold_its_permission);
