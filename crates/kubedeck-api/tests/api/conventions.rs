//! API conventions: the error shape for every kind of bad input, request ids, page caps, the OpenAPI document.

use crate::helpers::*;
use reqwest::StatusCode;
use serde_json::json;

/// POSTs a JSON body of `size` bytes, reading the answer while the body is still being written.
async fn oversized_post(
    base: &str,
    path: &str,
    token: &str,
    size: usize,
) -> (u16, serde_json::Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = base.trim_start_matches("http://").to_owned();
    let stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
    );
    let writer = tokio::spawn(async move {
        if wr.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = vec![b' '; 64 * 1024];
        let mut sent = 0;
        while sent < size {
            let n = chunk.len().min(size - sent);
            // The server may stop reading and close once it has answered: that ends the writing, not the test.
            if wr.write_all(&chunk[..n]).await.is_err() {
                return;
            }
            sent += n;
        }
    });
    let mut answer = Vec::new();
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match rd.read(&mut buf).await {
            Ok(0) => break,
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            // A reset after the whole answer arrived is the server closing on an unread body.
            Err(_) if !answer.is_empty() => break,
            Err(e) => panic!("no answer to an oversized body: {e}"),
        }
        if let Some(end) = answer.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&answer[..end]).to_lowercase();
            let len = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok());
            if len.is_some_and(|l| answer.len() >= end + 4 + l) {
                break;
            }
        }
    }
    writer.abort();
    let text = String::from_utf8_lossy(&answer).into_owned();
    let status: u16 = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP answer: {text:.200}"));
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
    let json = serde_json::from_str(body).unwrap_or_else(|_| panic!("not JSON: {body:.200}"));
    (status, json)
}

async fn bad_input_gets_a_stable_json_error() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let url = format!("{}/api/v1/users", app.base);

    let malformed = app
        .http
        .post(&url)
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let id = malformed.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    let body: serde_json::Value = malformed.json().await.unwrap();
    assert_eq!(body["code"], "malformed_json");
    assert_eq!(
        body["request_id"],
        id.as_str(),
        "request id echoed in header and body"
    );

    let unknown = app
        .post(
            "/api/v1/users",
            &admin,
            json!({"username": "x", "password": "long-enough-pass", "is_root": true}),
        )
        .await;
    assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(unknown.body["field"], "is_root");

    let missing = app
        .post("/api/v1/users", &admin, json!({"username": "x"}))
        .await;
    assert_eq!(missing.body["field"], "password");

    let not_json = app
        .http
        .post(&url)
        .bearer_auth(&admin)
        .header("content-type", "text/plain")
        .body("hi")
        .send()
        .await
        .unwrap();
    assert_eq!(not_json.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // Larger than the server's limit (12 MiB). Sent over a raw socket that reads the answer while it writes:
    // the server answers 413 before the body is all sent and then closes, so a client that only reads after
    // writing everything (reqwest) sometimes sees the close (broken pipe) instead of the answer.
    let (status, body) = oversized_post(&app.base, "/api/v1/users", &admin, 16 * 1024 * 1024).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["code"], "body_too_large", "{body}");

    let bad_name = app
        .post(
            "/api/v1/users",
            &admin,
            json!({"username": "no spaces allowed", "password": "long-enough-pass"}),
        )
        .await;
    assert_eq!(bad_name.status, StatusCode::BAD_REQUEST);
    assert_eq!(bad_name.body["field"], "username");

    let page = app.get("/api/v1/users?page_size=100000", &admin).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(page.body["field"], "page_size");
    let page = app.get("/api/v1/audit?page=abc", &admin).await;
    assert_eq!(page.status, StatusCode::BAD_REQUEST);
    assert_eq!(page.body["field"], "page");

    let nothing = app.get("/api/v1/no-such-thing", &admin).await;
    assert_eq!(nothing.status, StatusCode::NOT_FOUND);
    assert_eq!(nothing.body["code"], "route_not_found");
    assert_eq!(nothing.body["params"]["path"], "/api/v1/no-such-thing");
    let wrong_method = app
        .request("PATCH", "/api/v1/users", Some(&admin), None)
        .await;
    assert_eq!(wrong_method.status, StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(wrong_method.body["code"], "method_not_allowed");

    // None of that changed anything but the audit log.
    assert_eq!(app.state.store.count_users().await.unwrap(), 1);
    app.stop().await;
}
on_every_backend!(bad_input_gets_a_stable_json_error);

async fn every_route_is_in_the_openapi_document_with_its_permission() {
    let app = spawn_app().await;
    let doc = app
        .request("GET", "/api/openapi.json", None, None)
        .await
        .body;
    let paths = doc["paths"].as_object().unwrap();
    // The route tables are expanded from the same tokens as the router itself, so this walks every route.
    let table: Vec<&(&str, &[&str])> = kubedeck_api::API_ROUTES
        .iter()
        .chain(kubedeck_api::OPERATIONS_ROUTES)
        .collect();
    for (path, methods) in &table {
        let ops = paths
            .get(*path)
            .unwrap_or_else(|| panic!("route {path} is missing from the OpenAPI document"));
        for method in *methods {
            let op = ops
                .get(*method)
                .unwrap_or_else(|| panic!("{method} {path} is missing from the OpenAPI document"));
            assert!(
                op.get("x-permission").is_some(),
                "{method} {path} does not document its permission"
            );
        }
        // And the router really serves it: a method the table does not list is refused with 405.
        let other = ["get", "post", "put", "delete"]
            .into_iter()
            .find(|m| !methods.contains(m))
            .expect("some method is not routed");
        let url = format!("{}{}", app.base, path.replace('{', "x").replace('}', ""));
        let r = app
            .http
            .request(other.to_uppercase().parse().unwrap(), &url)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "{other} {path}: the router should know the path"
        );
    }
    // The other way round: nothing documented that the router does not serve.
    for (path, ops) in paths {
        for method in ops.as_object().unwrap().keys() {
            assert!(
                table
                    .iter()
                    .any(|(p, ms)| p == path && ms.contains(&method.as_str())),
                "{method} {path} is documented but not routed"
            );
        }
    }
    let routes = table.len();
    assert!(routes >= 15, "parsed only {routes} routes");
    let docs = app
        .http
        .get(format!("{}/api/docs/", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(docs.status(), StatusCode::OK);
    assert!(docs.text().await.unwrap().contains("swagger"));
    app.stop().await;
}
on_every_backend!(every_route_is_in_the_openapi_document_with_its_permission);

async fn health_readiness_and_metrics_answer_without_login() {
    let app = spawn_app().await;
    let alive = app.request("GET", "/healthz", None, None).await;
    assert_eq!(alive.status, StatusCode::OK);
    assert_eq!(alive.body, json!({"status": "ok"}));
    let ready = app.request("GET", "/readyz", None, None).await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    assert_eq!(
        ready.body,
        json!({"status": "ready", "database": "ok", "migrations": "applied"})
    );
    let metrics = app
        .http
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), StatusCode::OK, "metrics need no login");
    assert!(
        metrics.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain"),
        "Prometheus text format"
    );
    // Client-side routes get the built console itself (`make test` builds it first), never a "not built" page.
    let index = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../web/dist/index.html");
    let expected = std::fs::read_to_string(&index).unwrap_or_else(|e| {
        panic!(
            "{} is missing ({e}): build the console first (cd web && npm run build)",
            index.display()
        )
    });
    let page = app
        .http
        .get(format!("{}/clusters/3/nodes", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert_eq!(
        page.text().await.unwrap(),
        expected,
        "a client-side route serves the console's index.html"
    );
    app.stop().await;
}
on_every_backend!(health_readiness_and_metrics_answer_without_login);

#[test]
fn the_console_is_built_against_the_current_openapi_document() {
    use utoipa::OpenApi;
    let current = serde_json::to_value(kubedeck_api::openapi::ApiDoc::openapi()).unwrap();
    let committed: serde_json::Value =
        serde_json::from_str(include_str!("../../../../web/openapi.json"))
            .expect("web/openapi.json is JSON");
    assert!(
        current == committed,
        "web/openapi.json is stale: run `make openapi` and commit the result"
    );
}

async fn impossible_object_names_are_a_clear_404_not_a_cluster_error() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for (path, what, value) in [
        ("/api/v1/k8s/cluster/1/nodes/Bad%20Name", "node", "Bad Name"),
        (
            "/api/v1/k8s/cluster/1/namespaces/a%2Fb/pods/x",
            "namespace",
            "a/b",
        ),
        (
            "/api/v1/k8s/cluster/1/namespaces/default/pods/UPPER/logs",
            "pod",
            "UPPER",
        ),
    ] {
        let r = app.get(path, &admin).await;
        assert_eq!(r.status, StatusCode::NOT_FOUND, "{path}: {}", r.body);
        assert_eq!(r.body["code"], "invalid_name", "{path}: {}", r.body);
        assert_eq!(r.body["params"]["what"], what, "{path}: {}", r.body);
        assert_eq!(r.body["params"]["value"], value, "{path}: {}", r.body);
    }
    app.stop().await;
}
on_every_backend!(impossible_object_names_are_a_clear_404_not_a_cluster_error);

/// Every parameter documented `in: path` has its `{name}` in the path. A query parameter documented as a path
/// one is never sent by generated clients or the fuzzer (every `IntoParams` struct needs
/// `#[into_params(parameter_in = Query)]`).
#[test]
fn every_documented_path_parameter_is_in_its_path() {
    use utoipa::OpenApi;
    let doc = serde_json::to_value(kubedeck_api::openapi::ApiDoc::openapi()).unwrap();
    let mut query = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let name = p["name"].as_str().unwrap();
                match p["in"].as_str() {
                    Some("path") => assert!(
                        path.contains(&format!("{{{name}}}")),
                        "{method} {path}: '{name}' is documented in the path, which has no {{{name}}}"
                    ),
                    Some("query") => query += 1,
                    _ => {}
                }
            }
        }
    }
    assert!(query >= 40, "only {query} query parameters documented");
}
