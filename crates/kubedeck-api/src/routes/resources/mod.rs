//! The generic resource API: every kind a cluster serves, under the spec's paths
//! (`/api/v1/k8s/cluster/{id}/{kind}`, `.../namespaces/{ns}/{kind}/{name}` ...). Lists come from the engine's
//! watched stores (or the `kube_object` snapshot on a replica that does not sync the cluster); single objects,
//! YAML and events are read live; writes ([`write`]) go to the cluster.
//!
//! Pods and nodes keep their own routes (static segments win over `{kind}`); their own verbs (logs, drain,
//! cordon, taints) stay there.

pub mod changes;
pub mod list;
pub mod object;
pub mod write;

use crate::auth::AuthUser;
use crate::connection::cluster;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::state::AppState;
use axum::http::StatusCode;
use kubedeck_core::rbac::{Permission, Scope};
use kubedeck_kube::resource::discovery::{Catalog, Served, Unserved};
use kubedeck_kube::resource::kinds::Tier;
use kubedeck_store::clusters::Cluster;
use std::collections::HashMap;
use std::sync::Arc;

/// What a generic route's path names: the cluster, the kind, and (depending on the route) a namespace and an
/// object. `/{id}/namespaces/{ns}` (a Namespace object) and `/{id}/namespaces/{ns}/yaml|events` are matched by
/// the namespace routes' own segments, so they are read back as the kind `namespaces` here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// Cluster id.
    pub id: i64,
    /// The kind's URL name as given.
    pub kind: String,
    /// The namespace in the path.
    pub ns: Option<String>,
    /// The object's name.
    pub name: Option<String>,
}

impl Target {
    /// Reads the path parameters of any generic route. `template` is the route's path: where it has no `{kind}`,
    /// the kind is its literal segment before `{name}` (`.../nodes/{name}/yaml`, `.../pods/{name}/events`), or
    /// `namespaces` for `.../namespaces/{ns}` itself.
    pub fn from_params(p: &HashMap<String, String>, template: &str) -> ApiResult<Target> {
        let id = p
            .get("id")
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| ApiError::invalid("id", ErrorCode::InvalidPath, "cluster id is not a number"))?;
        if let Some(kind) = p.get("kind") {
            return Ok(Target { id, kind: kind.clone(), ns: p.get("ns").cloned(), name: p.get("name").cloned() });
        }
        let segments: Vec<&str> = template.split('/').collect();
        let before = |param: &str| {
            segments
                .iter()
                .position(|s| *s == param)
                .and_then(|i| i.checked_sub(1))
                .map(|i| segments[i].to_owned())
        };
        Ok(match (p.get("name"), before("{name}")) {
            (Some(name), Some(kind)) => Target { id, kind, ns: p.get("ns").cloned(), name: Some(name.clone()) },
            // `.../namespaces/{ns}[/yaml|/events]`: the Namespace object; `.../namespaces/sync`: the kind
            _ => Target { id, kind: "namespaces".into(), ns: None, name: p.get("ns").cloned() },
        })
    }

    /// The object's `namespace/name` (or `name`) for messages.
    pub fn object(&self) -> String {
        match (&self.ns, &self.name) {
            (Some(ns), Some(n)) => format!("{ns}/{n}"),
            (None, Some(n)) => n.clone(),
            _ => String::new(),
        }
    }
}

/// The [`Target`] of a generic route, read from its path (a failed read is our JSON error).
pub struct GenericPath(pub Target);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for GenericPath {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(p) = axum::extract::Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::invalid("path", ErrorCode::InvalidPath, format!("bad path: {}", e.body_text())))?;
        let template = parts
            .extensions
            .get::<axum::extract::MatchedPath>()
            .map(|m| m.as_str().to_owned())
            .unwrap_or_default();
        Ok(GenericPath(Target::from_params(&p, &template)?))
    }
}

pub use crate::connection::catalog;

/// The cluster row and the served kind a path names, or `404 kind_unknown` / `404 kind_not_served`; a
/// namespaced kind under a cluster-scoped path with an object name (or the reverse) is `404` too.
pub async fn resolve(state: &AppState, t: &Target) -> ApiResult<(Cluster, Arc<Served>, Arc<Catalog>)> {
    let c = cluster(state, t.id).await?;
    let cat = catalog(state, &c).await?;
    let served = cat.find(&t.kind).map_err(|u| unserved(&cat, &t.kind, u))?;
    if t.ns.is_some() && !served.namespaced {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::RouteNotFound,
            format!("{} are not namespaced: use /api/v1/k8s/cluster/{}/{}", served.name, t.id, served.name),
        )
        .param("kind", &served.name));
    }
    if t.ns.is_none() && t.name.is_some() && served.namespaced {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::RouteNotFound,
            format!(
                "{} live in namespaces: use /api/v1/k8s/cluster/{}/namespaces/{{ns}}/{}/{{name}}",
                served.name, t.id, served.name
            ),
        )
        .param("kind", &served.name));
    }
    Ok((c, served, cat))
}

/// `404 kind_unknown` or `404 kind_not_served` naming the kind and the cluster's version.
pub fn unserved(cat: &Catalog, kind: &str, u: Unserved) -> ApiError {
    let version = cat.server_version.clone().unwrap_or_else(|| "unknown".into());
    match u {
        Unserved::Unknown => ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::KindUnknown,
            format!("no kind is called '{kind}' in this cluster (a known kind's plural, or plural.group of a custom resource)"),
        )
        .param("kind", kind),
        Unserved::NotServed(k) => ApiError::new(
            StatusCode::NOT_FOUND,
            ErrorCode::KindNotServed,
            format!(
                "this cluster (Kubernetes {version}) does not serve {} at any version Kubedeck understands ({})",
                k.kind,
                k.versions.iter().map(|v| if k.group.is_empty() { (*v).to_owned() } else { format!("{}/{v}", k.group) }).collect::<Vec<_>>().join(", ")
            ),
        )
        .param("kind", k.kind)
        .param("version", version)
        .param("versions", k.versions.join(", ")),
    }
}

/// What writing (or deleting) a kind takes: application kinds `resource.write` / `resource.delete`, the
/// platform's kinds `platform.write` besides (the routes' extractors ask for `resource.write` / `resource.delete`
/// before the kind is known; every role with `platform.write` has those too).
pub fn write_permission(served: &Served, delete: bool) -> Permission {
    tier_permission(served.tier, delete)
}

/// What writing (or deleting) objects of a tier takes: the one rule behind the run-time check and the OpenAPI
/// document's `x-permission-by-kind`.
pub fn tier_permission(tier: Tier, delete: bool) -> Permission {
    match (tier, delete) {
        (Tier::Platform, _) => Permission::PlatformWrite,
        (Tier::App, false) => Permission::ResourceWrite,
        (Tier::App, true) => Permission::ResourceDelete,
    }
}

/// Refuses with 403 unless `user` may write (or delete) objects of `served` in `ns` of cluster `id`.
pub fn require_write(user: &AuthUser, served: &Served, id: i64, ns: Option<&str>, delete: bool) -> ApiResult<()> {
    let scope = match ns {
        Some(ns) if served.namespaced => Scope::namespace(id, ns),
        _ => Scope::cluster(id),
    };
    user.require(write_permission(served, delete), scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(kv: &[(&str, &str)]) -> HashMap<String, String> {
        kv.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn every_generic_path_names_its_kind_namespace_and_object() {
        let t = |kv: &[(&str, &str)], template: &str| Target::from_params(&params(kv), template).unwrap();
        let c = "/api/v1/k8s/cluster/{id}";
        assert_eq!(
            t(&[("id", "1"), ("ns", "a"), ("kind", "configmaps"), ("name", "x")], &format!("{c}/namespaces/{{ns}}/{{kind}}/{{name}}")),
            Target { id: 1, kind: "configmaps".into(), ns: Some("a".into()), name: Some("x".into()) }
        );
        assert_eq!(
            t(&[("id", "1"), ("name", "w1")], &format!("{c}/nodes/{{name}}/yaml")),
            Target { id: 1, kind: "nodes".into(), ns: None, name: Some("w1".into()) }
        );
        assert_eq!(
            t(&[("id", "1"), ("ns", "a"), ("name", "p")], &format!("{c}/namespaces/{{ns}}/pods/{{name}}/events")),
            Target { id: 1, kind: "pods".into(), ns: Some("a".into()), name: Some("p".into()) }
        );
        assert_eq!(
            t(&[("id", "1"), ("ns", "team")], &format!("{c}/namespaces/{{ns}}")),
            Target { id: 1, kind: "namespaces".into(), ns: None, name: Some("team".into()) }
        );
        assert_eq!(t(&[("id", "1")], &format!("{c}/namespaces/sync")).name, None);
        assert!(Target::from_params(&params(&[("id", "x")]), "").is_err());
    }
}
