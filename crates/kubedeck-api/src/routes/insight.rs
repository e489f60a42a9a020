//! `GET .../namespaces/{ns}/{kind}/{name}/insight`: what an object's page shows beyond its YAML, one function
//! per kind ([`network`](super::network): Services, Ingresses, NetworkPolicies; [`config`](super::config): Secrets,
//! ConfigMaps), dispatched here; other kinds are `404 verb_not_supported`. A read (`resource.read`): it never
//! carries a Secret's value.

use crate::auth::{Authorized, perm};
use crate::connection::client_for;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::routes::resources::{GenericPath, resolve};
use crate::state::AppState;
use axum::Json;
use axum::extract::State;
use kubedeck_kube::resource::insight::config::{ConfigMapInsight, SecretInsight, Usage};
use kubedeck_kube::resource::insight::network::{IngressInsight, NetworkPolicyInsight, ServiceInsight};
use serde::Serialize;
use utoipa::ToSchema;

/// The kinds with an insight, by URL name.
pub const KINDS: &[&str] = &["services", "ingresses", "networkpolicies", "secrets", "configmaps"];

/// One object's per-kind view: exactly one of the kind sections is set.
#[derive(Serialize, ToSchema, Default)]
pub struct Insight {
    /// Services: ports, selected pods, endpoints, warnings.
    pub service: Option<ServiceInsight>,
    /// Ingresses: routes, TLS certificates, warnings.
    pub ingress: Option<IngressInsight>,
    /// NetworkPolicies: the pods selected, who may reach them and where they may go.
    pub network_policy: Option<NetworkPolicyInsight>,
    /// Secrets: keys with sizes, the TLS certificate, registries (never a value).
    pub secret: Option<SecretInsight>,
    /// ConfigMaps: keys and binary sizes.
    pub config_map: Option<ConfigMapInsight>,
    /// Secrets and ConfigMaps: the workloads and pods of the namespace that use it.
    pub used_by: Option<Vec<Usage>>,
}

/// A Service's, Ingress', NetworkPolicy's, Secret's or ConfigMap's page beyond its YAML.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}/{name}/insight", tag = "resources",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path, description = "services, ingresses, networkpolicies, secrets or configmaps"), ("name" = String, Path)),
    responses((status = 200, body = Insight), (status = 403), (status = 404, description = "`verb_not_supported`, `object_not_found`")),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn insight(State(state): State<AppState>, _auth: Authorized<perm::ResourceRead>, GenericPath(t): GenericPath) -> ApiResult<Json<Insight>> {
    let (c, served, cat) = resolve(&state, &t).await?;
    let plural = served.known().map(|k| k.plural).filter(|p| KINDS.contains(p)).ok_or_else(|| {
        ApiError::not_found(ErrorCode::VerbNotSupported, format!("'insight' does not apply to {}; it applies to {}", served.name, KINDS.join(", ")))
            .param("kind", &served.name)
            .param("verb", "insight")
            .param("kinds", KINDS.join(", "))
    })?;
    let client = client_for(&state, &c).await?;
    let o = super::network::Object::new(client, cat, t)?;
    Ok(Json(match plural {
        "services" => Insight { service: Some(super::network::service(&state, &o).await?), ..Insight::default() },
        "ingresses" => Insight { ingress: Some(super::network::ingress(&o).await?), ..Insight::default() },
        "networkpolicies" => Insight { network_policy: Some(super::network::network_policy(&state, &o).await?), ..Insight::default() },
        "secrets" => {
            let (secret, used_by) = super::config::secret(&o).await?;
            Insight { secret: Some(secret), used_by: Some(used_by), ..Insight::default() }
        }
        _ => {
            let (cm, used_by) = super::config::config_map(&o).await?;
            Insight { config_map: Some(cm), used_by: Some(used_by), ..Insight::default() }
        }
    }))
}
