//! `GET .../{id}/kinds` and the lists of any kind: filtered, sorted and paged from the engine's watched store
//! (the `kube_object` snapshot when this replica does not sync the cluster).

use super::{GenericPath, Target, catalog, resolve};
use crate::auth::{Authorized, InCluster, perm};
use crate::connection::cluster;
use crate::error::{ApiError, ApiResult, ErrorCode};
use crate::extract::Pagination;
use crate::routes::sorted_page;
use crate::state::AppState;
use axum::Json;
use axum::extract::{Path, Query, State};
use kubedeck_kube::label_index::Scope;
use kubedeck_kube::resource::discovery::Served;
use kubedeck_kube::resource::kinds::{Category, Tier};
use kubedeck_kube::resource::row::{Column, ColumnType, Health, Row};
use kubedeck_kube::selector::Selector;
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use utoipa::ToSchema;

/// A kind as the cluster serves it.
#[derive(Serialize, ToSchema)]
pub struct KindInfo {
    /// URL name (`deployments`; `widgets.example.com` for a custom resource).
    pub name: String,
    /// Kind.
    pub kind: String,
    /// API group (empty for the core group).
    pub group: String,
    /// The version this cluster serves; null when it serves none Kubedeck understands.
    pub version: Option<String>,
    /// Lives in namespaces.
    pub namespaced: bool,
    /// Navigation group.
    pub category: Category,
    /// Which permission writes it.
    pub tier: Tier,
    /// List columns besides name, namespace, status and age.
    pub columns: Vec<Column>,
}

/// The kinds of a cluster.
#[derive(Serialize, ToSchema)]
pub struct KindList {
    /// The cluster's Kubernetes version.
    pub server_version: Option<String>,
    /// Known kinds (served or not) in menu order, then custom resources.
    pub items: Vec<KindInfo>,
}

fn info(s: &Served) -> KindInfo {
    KindInfo {
        name: s.name.clone(),
        kind: s.api.kind.clone(),
        group: s.api.group.clone(),
        version: Some(s.api.version.clone()),
        namespaced: s.namespaced,
        category: s.category,
        tier: s.tier,
        columns: s.columns().to_vec(),
    }
}

/// Every kind the cluster serves, at the version it serves, with its list columns.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/kinds", tag = "resources", params(("id" = i64, Path)),
    responses((status = 200, body = KindList), (status = 404)), extensions(("x-permission" = json!("resource.read"))))]
pub async fn kinds(
    State(state): State<AppState>,
    _auth: InCluster<perm::ResourceRead>,
    Path(id): Path<i64>,
) -> ApiResult<Json<KindList>> {
    let c = cluster(&state, id).await?;
    let cat = catalog(&state, &c).await?;
    let mut items: Vec<KindInfo> = Vec::new();
    for k in kubedeck_kube::resource::kinds::KINDS {
        match cat.served.iter().find(|s| s.known() == Some(k)) {
            Some(s) => items.push(info(s)),
            None => items.push(KindInfo {
                name: k.plural.into(),
                kind: k.kind.into(),
                group: k.group.into(),
                version: None,
                namespaced: k.namespaced,
                category: k.category,
                tier: k.tier,
                columns: kubedeck_kube::resource::views::columns(k).to_vec(),
            }),
        }
    }
    items.extend(cat.served.iter().filter(|s| s.known().is_none()).map(|s| info(s)));
    Ok(Json(KindList {
        server_version: cat.server_version.clone(),
        items,
    }))
}

/// A row of any kind's list.
#[derive(Serialize, ToSchema)]
pub struct ResourceRow {
    /// Namespace (null for cluster-scoped kinds).
    pub namespace: Option<String>,
    /// Name.
    pub name: String,
    /// Created at (RFC 3339).
    pub created_at: Option<String>,
    /// Labels.
    pub labels: BTreeMap<String, String>,
    /// One value per column of the kind (null: not set).
    pub cells: Vec<Option<String>>,
    /// A short status (`Available`, `Bound` ...).
    pub status: Option<String>,
    /// The status' colour.
    pub health: Health,
    /// The controlling owner.
    pub owner: Option<crate::routes::pods::OwnerRef>,
}


impl From<&Row> for ResourceRow {
    fn from(r: &Row) -> Self {
        ResourceRow {
            namespace: (!r.namespace.is_empty()).then(|| r.namespace.to_string()),
            name: r.name.to_string(),
            created_at: r
                .created_at
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            labels: r.labels.to_map(),
            cells: r.cells.iter().map(|c| c.as_ref().map(ToString::to_string)).collect(),
            status: r.status.as_ref().map(ToString::to_string),
            health: r.health,
            owner: r.owner.as_ref().map(|(k, n)| crate::routes::pods::OwnerRef {
                kind: k.to_string(),
                name: n.to_string(),
            }),
        }
    }
}

/// A page of objects of one kind.
#[derive(Serialize, ToSchema)]
pub struct ResourceList {
    /// Kind.
    pub kind: String,
    /// The `apiVersion` the cluster serves it at.
    pub api_version: String,
    /// Lives in namespaces.
    pub namespaced: bool,
    /// The columns `cells` follow.
    pub columns: Vec<Column>,
    /// This page.
    pub items: Vec<ResourceRow>,
    /// The page and its freshness (`source: snapshot` is the `kube_object` table).
    #[serde(flatten)]
    pub page: crate::routes::StorePage,
}

/// The parameters every kind's list takes; besides these, any column key of the kind filters by exact value
/// (`type=ClusterIP`).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ResourceQuery {
    /// Namespaces, comma-separated (all-namespaces list only).
    namespace: Option<String>,
    /// Label selector in Kubernetes syntax.
    label_selector: Option<String>,
    /// Substring of the name.
    name: Option<String>,
    /// Exact status (`Available`, `Bound` ...).
    status: Option<String>,
    /// Controlling owner: `Kind/name` or `name`.
    owner: Option<String>,
    /// `name`, `namespace`, `age`, `status` or a column key; `-` prefix for descending.
    sort: Option<String>,
    /// 1-based page.
    page: Option<u64>,
    /// Page size (max 500).
    page_size: Option<u64>,
}

const FIXED: &[&str] = &["namespace", "label_selector", "name", "status", "owner", "sort", "page", "page_size"];

/// The list filters, read from the query string against the kind's columns.
struct Filters {
    namespaces: Option<Vec<String>>,
    selector: Selector,
    name: Option<String>,
    status: Option<String>,
    owner: (Option<String>, Option<String>),
    /// (column index, value)
    cells: Vec<(usize, String)>,
    sort: Sort,
    desc: bool,
    page: kubedeck_store::PageRequest,
}

#[derive(Clone, Copy)]
enum Sort {
    Name,
    Namespace,
    Age,
    Status,
    Column(usize, ColumnType),
}

fn filters(served: &Served, q: &[(String, String)], namespaces: Option<Vec<String>>) -> ApiResult<Filters> {
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let columns = served.columns();
    let mut cells = Vec::new();
    for (k, v) in q {
        if FIXED.contains(&k.as_str()) {
            continue;
        }
        match columns.iter().position(|c| c.key == *k) {
            Some(i) => cells.push((i, v.clone())),
            None => {
                let mut allowed: Vec<&str> = FIXED.to_vec();
                allowed.extend(columns.iter().map(|c| c.key.as_ref()));
                return Err(ApiError::invalid(
                    k,
                    ErrorCode::InvalidQuery,
                    format!("unknown parameter '{k}' for {}: use one of {}", served.name, allowed.join(", ")),
                )
                .param("detail", format!("unknown parameter '{k}'"))
                .param("allowed", allowed.join(", ")));
            }
        }
    }
    let page = Pagination {
        page: get("page").map(|p| p.parse().map_err(|_| ApiError::out_of_range("page", Some(1), None))).transpose()?,
        page_size: get("page_size")
            .map(|p| p.parse().map_err(|_| ApiError::out_of_range("page_size", Some(1), Some(crate::extract::MAX_PAGE_SIZE as i64))))
            .transpose()?,
    }
    .request()?;
    let selector = Selector::parse(get("label_selector").as_deref().unwrap_or(""))
        .map_err(|e| ApiError::selector("label_selector", e))?;
    let sort_text = get("sort").unwrap_or_else(|| if served.namespaced { "namespace".into() } else { "name".into() });
    let (desc, key) = match sort_text.strip_prefix('-') {
        Some(k) => (true, k.to_owned()),
        None => (false, sort_text.clone()),
    };
    let sort = match key.as_str() {
        "name" => Sort::Name,
        "namespace" => Sort::Namespace,
        "age" => Sort::Age,
        "status" => Sort::Status,
        k => match columns.iter().position(|c| c.key == k) {
            Some(i) => Sort::Column(i, columns[i].ty),
            None => {
                let mut allowed = vec!["name", "namespace", "age", "status"];
                allowed.extend(columns.iter().map(|c| c.key.as_ref()));
                return Err(ApiError::not_one_of("sort", &allowed, k));
            }
        },
    };
    let owner = match get("owner") {
        Some(o) => match o.split_once('/') {
            Some((k, n)) => (Some(k.to_owned()), Some(n.to_owned())),
            None => (None, Some(o)),
        },
        None => (None, None),
    };
    Ok(Filters {
        namespaces,
        selector,
        name: get("name").filter(|n| !n.is_empty()),
        status: get("status").filter(|s| !s.is_empty()),
        owner,
        cells,
        sort,
        desc,
        page,
    })
}

impl Filters {
    /// No filter at all: every object is on some page.
    fn unfiltered(&self) -> bool {
        self.namespaces.is_none()
            && self.selector.0.is_empty()
            && self.name.is_none()
            && self.status.is_none()
            && self.owner == (None, None)
            && self.cells.is_empty()
    }

    fn keep(&self, r: &Row) -> bool {
        self.namespaces
            .as_ref()
            .is_none_or(|ns| ns.iter().any(|n| r.namespace == n.as_str()))
            && self.name.as_deref().is_none_or(|n| r.name.contains(n))
            && self.status.as_deref().is_none_or(|s| r.status.as_deref() == Some(s))
            && self.owner.0.as_deref().is_none_or(|k| r.owner.as_ref().is_some_and(|o| o.0 == k))
            && self.owner.1.as_deref().is_none_or(|n| r.owner.as_ref().is_some_and(|o| o.1 == n))
            && self.cells.iter().all(|(i, v)| r.cells.get(*i).and_then(|c| c.as_deref()) == Some(v.as_str()))
            && self.selector.matches(&r.labels)
    }

    fn order(&self, a: &Row, b: &Row) -> Ordering {
        let o = match self.sort {
            Sort::Name => a.name.cmp(&b.name),
            Sort::Namespace => a.namespace.cmp(&b.namespace),
            // newest first, as "age" ascending reads
            Sort::Age => b.created_at.cmp(&a.created_at),
            Sort::Status => a.status.cmp(&b.status),
            Sort::Column(i, ty) => cell_order(a.cells.get(i), b.cells.get(i), ty),
        }
        .then_with(|| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        if self.desc { o.reverse() } else { o }
    }
}

/// Numbers sort as numbers (`x/y` by `x`, `10Gi` by its digits), missing values last.
fn cell_order<S: AsRef<str>>(a: Option<&Option<S>>, b: Option<&Option<S>>, ty: ColumnType) -> Ordering {
    let a = a.and_then(|c| c.as_ref()).map(|s| s.as_ref());
    let b = b.and_then(|c| c.as_ref()).map(|s| s.as_ref());
    match (a, b) {
        (None, None) => Ordering::Equal,
        (None, Some(_)) => Ordering::Greater,
        (Some(_), None) => Ordering::Less,
        (Some(a), Some(b)) if ty == ColumnType::Number => leading_number(a)
            .partial_cmp(&leading_number(b))
            .unwrap_or(Ordering::Equal)
            .then_with(|| a.cmp(b)),
        (Some(a), Some(b)) => a.cmp(b),
    }
}

fn leading_number(s: &str) -> f64 {
    let end = s
        .char_indices()
        .find(|(i, c)| !(c.is_ascii_digit() || (*c == '.' && *i > 0) || (*c == '-' && *i == 0)))
        .map_or(s.len(), |(i, _)| i);
    s[..end].parse().unwrap_or(f64::MAX)
}

/// How long a list waits for a kind watched on first use to finish its first list.
const FIRST_LIST: Duration = Duration::from_secs(10);

async fn list(state: &AppState, t: &Target, q: Vec<(String, String)>, namespaces: Option<Vec<String>>) -> ApiResult<ResourceList> {
    let (c, served, _) = resolve(state, t).await?;
    if t.ns.is_none() && !served.namespaced && q.iter().any(|(k, _)| k == "namespace") {
        return Err(ApiError::invalid(
            "namespace",
            ErrorCode::InvalidQuery,
            format!("{} are not namespaced: drop the namespace filter", served.name),
        ));
    }
    let f = filters(&served, &q, namespaces)?;
    let scope_ns = f.namespaces.clone();
    let mut live = None;
    if let Some(h) = state.hub.get(t.id) {
        let store = h.resources.store(&served);
        let deadline = tokio::time::Instant::now() + FIRST_LIST;
        while !store.rows.synced() && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        if store.rows.synced() {
            live = Some(store);
        }
    }
    let key_order = match f.sort {
        Sort::Name => Some(kubedeck_kube::hub::KeyOrder::Name),
        Sort::Namespace => Some(kubedeck_kube::hub::KeyOrder::Namespace),
        _ => None,
    };
    let (items, total, source, last_sync_at) = match live {
        // every object, sorted by name or namespace: read off the store's ordered keys
        Some(store) if f.unfiltered() && key_order.is_some() => {
            let skip = ((f.page.page - 1) * f.page.page_size) as usize;
            let order = key_order.expect("checked");
            let (items, total) = store.rows.page_in_order(order, f.desc, skip, f.page.page_size as usize, |r| ResourceRow::from(r));
            (items, total as u64, "live", c.last_sync_at)
        }
        Some(store) => {
            let (items, total) = store.rows.read_candidates(
                &f.selector,
                Scope { namespaces: scope_ns.as_deref(), node: None },
                |rows| {
                    let matching: Vec<&Row> = rows.filter(|r| f.keep(r)).collect();
                    let (page, total) = sorted_page(matching, f.page, |a, b| f.order(a, b));
                    (page.into_iter().map(ResourceRow::from).collect::<Vec<_>>(), total)
                },
            );
            (items, total, "live", c.last_sync_at)
        }
        None => {
            let (rows, last): (Vec<Row>, _) = crate::snapshots::rows(state, t.id, &served.name, scope_ns.as_deref()).await?;
            let matching: Vec<&Row> = rows.iter().filter(|r| f.keep(r)).collect();
            let (page, total) = sorted_page(matching, f.page, |a, b| f.order(a, b));
            // A kind with no objects has no row to date it: the cluster's last sync by the lease holder stands in
            // (it writes every synced kind's snapshot in the same pass) — for the kinds it watches continuously;
            // a kind watched only on first use may never have been watched there, so its emptiness is unknown.
            let last = if rows.is_empty() && served.always() { last.or(c.last_sync_at) } else { last };
            (page.into_iter().map(ResourceRow::from).collect(), total, "snapshot", last)
        }
    };
    Ok(ResourceList {
        kind: served.api.kind.clone(),
        api_version: served.api.api_version.clone(),
        namespaced: served.namespaced,
        columns: served.columns().to_vec(),
        items,
        page: crate::routes::StorePage {
            total,
            page: f.page.page,
            page_size: f.page.page_size,
            stale: c.status != kubedeck_store::clusters::status::RUNNING || (source == "snapshot" && last_sync_at.is_none()),
            source,
            last_sync_at,
        },
    })
}

/// Objects of a kind in every namespace (for a user bound to some namespaces only, of those).
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/{kind}", tag = "resources",
    params(("id" = i64, Path), ("kind" = String, Path, description = "the kind's URL name: `deployments`, `deployments.apps`, `widgets.example.com`"), ResourceQuery),
    responses((status = 200, body = ResourceList), (status = 400), (status = 404, description = "no such cluster; `kind_unknown`; `kind_not_served`")),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn list_all(
    State(state): State<AppState>,
    auth: InCluster<perm::ResourceRead>,
    GenericPath(t): GenericPath,
    Query(q): Query<Vec<(String, String)>>,
) -> ApiResult<Json<ResourceList>> {
    let asked: Vec<String> = q
        .iter()
        .filter(|(k, _)| k == "namespace")
        .flat_map(|(_, v)| v.split(','))
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .collect();
    let namespaces = auth.narrow(&asked)?;
    Ok(Json(list(&state, &t, q, namespaces).await?))
}

/// Objects of a kind in one namespace.
#[utoipa::path(get, path = "/api/v1/k8s/cluster/{id}/namespaces/{ns}/{kind}", tag = "resources",
    params(("id" = i64, Path), ("ns" = String, Path), ("kind" = String, Path), ResourceQuery),
    responses((status = 200, body = ResourceList), (status = 400), (status = 404)),
    extensions(("x-permission" = json!("resource.read"))))]
pub async fn list_in_namespace(
    State(state): State<AppState>,
    _auth: Authorized<perm::ResourceRead>,
    GenericPath(t): GenericPath,
    Query(q): Query<Vec<(String, String)>>,
) -> ApiResult<Json<ResourceList>> {
    if q.iter().any(|(k, _)| k == "namespace") {
        return Err(ApiError::invalid(
            "namespace",
            ErrorCode::InvalidQuery,
            "the namespace is in the path; drop the namespace filter",
        ));
    }
    let ns = t.ns.clone().map(|n| vec![n]);
    Ok(Json(list(&state, &t, q, ns).await?))
}

/// The served kinds' rows a detail page links to: used by [`super::object`].
pub fn rows_where(store: &kubedeck_kube::resource::store::KindStore, ns: &str, keep: impl Fn(&Row) -> bool, limit: usize) -> Vec<Arc<Row>> {
    let nss = [ns.to_owned()];
    store.rows.read_candidates(
        &Selector::default(),
        Scope { namespaces: (!ns.is_empty()).then_some(&nss[..]), node: None },
        |rows| rows.filter(|r| keep(r)).take(limit).map(|r| Arc::new(r.clone())).collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_sort_as_numbers_and_missing_values_last() {
        let c = |s: Option<&str>| s.map(str::to_owned);
        let o = |a, b| cell_order(Some(&c(a)), Some(&c(b)), ColumnType::Number);
        assert_eq!(o(Some("9/10"), Some("10/10")), Ordering::Less);
        assert_eq!(o(Some("2"), None), Ordering::Less);
        assert_eq!(o(Some("100Gi"), Some("20Gi")), Ordering::Greater);
        assert_eq!(o(Some("-1"), Some("0")), Ordering::Less);
        assert_eq!(cell_order(Some(&c(Some("b"))), Some(&c(Some("a"))), ColumnType::Text), Ordering::Greater);
    }
}
