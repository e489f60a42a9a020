//! The web console, embedded in the binary from `web/dist` at build time.
//!
//! Hashed assets are cached forever; every other path that is not a file is a client-side route and gets
//! `index.html`.

use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
// Relative to this crate's directory.
#[folder = "../../web/dist"]
#[allow_missing = true]
struct Console;

const NOT_BUILT: &str = "<!doctype html><meta charset=utf-8><title>Kubedeck</title>\
<h1>Kubedeck</h1><p>The console was not built into this binary. Build it with <code>make run</code> \
(or <code>cd web && npm ci && npm run build</code>, then rebuild). The API is at <a href=/api/docs>/api/docs</a>.</p>";

/// Serves a console file, or `index.html` for client-side routes.
pub async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    if let Some(file) = Console::get(path).filter(|_| !path.is_empty()) {
        let cache = if path.starts_with("assets/") {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        return (
            [
                (header::CONTENT_TYPE, file.metadata.mimetype().to_owned()),
                (header::CACHE_CONTROL, cache.to_owned()),
            ],
            file.data,
        )
            .into_response();
    }
    if path.starts_with("assets/") {
        return (StatusCode::NOT_FOUND, "no such asset").into_response();
    }
    match Console::get("index.html") {
        Some(index) => (
            [
                (header::CONTENT_TYPE, "text/html; charset=utf-8"),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            index.data,
        )
            .into_response(),
        None => (
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            NOT_BUILT,
        )
            .into_response(),
    }
}
