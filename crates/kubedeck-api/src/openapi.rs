//! The OpenAPI document, generated from the handlers' annotations, and Swagger UI.

use crate::routes::{self, Page};
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_swagger_ui::SwaggerUi;

/// The API description served at `/api/openapi.json`.
#[derive(OpenApi)]
#[openapi(
    info(title = "Kubedeck API", description = "Multi-cluster Kubernetes management. Every route except login, refresh, logout and health needs `Authorization: Bearer <access_token>`. `x-permission` on an operation names the Kubedeck permission it needs. Errors are `{code, message, field, request_id}`."),
    paths(
        routes::health::healthz, routes::health::readyz, routes::health::metrics, routes::health::version,
        routes::auth::login, routes::auth::refresh, routes::auth::logout, routes::auth::me, routes::auth::change_password,
        routes::users::list, routes::users::create, routes::users::get, routes::users::update, routes::users::delete, routes::users::set_bindings,
        routes::audit_log::list,
        routes::tasks::get, routes::tasks::cancel, routes::tasks::events,
        routes::clusters::import, routes::clusters::list, routes::clusters::get, routes::clusters::update, routes::clusters::delete,
        routes::clusters::status, routes::clusters::sync,
        routes::pods::search, routes::pods::merged_logs, routes::pods::list_all, routes::pods::sync, routes::pods::list_in_namespace, routes::pods::get, routes::pods::delete,
        routes::pods::logs, routes::pods::container_logs, routes::log_stream::follow,
        routes::nodes::list, routes::nodes::get, routes::nodes::sync, routes::nodes::cordon, routes::nodes::uncordon,
        routes::nodes::labels, routes::nodes::taints, routes::nodes::delete, crate::drain::drain,
        routes::node_metrics::latest, routes::node_metrics::history,
    ),
    components(schemas(Page<routes::users::UserView>, Page<routes::audit_log::AuditView>, Page<routes::clusters::ClusterView>)),
    modifiers(&BearerAuth),
    tags((name = "auth"), (name = "users"), (name = "audit"), (name = "clusters"), (name = "nodes"), (name = "pods"), (name = "tasks"), (name = "health"))
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        openapi.security = Some(vec![utoipa::openapi::security::SecurityRequirement::new(
            "bearer",
            Vec::<String>::new(),
        )]);
    }
}

/// Swagger UI at `/api/docs`, the document at `/api/openapi.json`.
pub fn swagger() -> SwaggerUi {
    SwaggerUi::new("/api/docs").url("/api/openapi.json", ApiDoc::openapi())
}
