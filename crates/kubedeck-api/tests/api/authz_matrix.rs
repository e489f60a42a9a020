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
                .replace("{ns}", "default")
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
                if allowed {
                    assert_ne!(
                        r.status,
                        StatusCode::FORBIDDEN,
                        "{method} {path} as {role:?} should be allowed: {}",
                        r.body
                    );
                } else {
                    assert_eq!(
                        r.status,
                        StatusCode::FORBIDDEN,
                        "{method} {path} as {role:?} should be forbidden: {}",
                        r.body
                    );
                    assert_eq!(r.body["code"], "forbidden");
                    assert!(
                        r.body["message"].as_str().unwrap().contains(needs),
                        "message names the permission: {}",
                        r.body
                    );
                }
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
