//! The API's routes, one module per area, and the shape every list shares.

pub mod alerts;
pub mod audit_log;
pub mod auth;
pub mod channels;
pub mod cluster_metrics;
pub mod clusters;
pub mod config;
pub mod dns;
pub mod app_backups;
pub mod etcd;
pub mod events;
pub mod exec;
pub mod health;
pub mod insight;
pub mod log_stream;
pub mod maintenance;
pub mod node_metrics;
pub mod pod_metrics;
pub mod nodes;
pub mod pods;
pub mod prometheus;
pub mod namespaces;
pub mod network;
pub mod resources;
pub mod storage;
pub mod tasks;
pub mod upgrade;
pub mod certificates;
pub mod users;
pub mod websocket;
pub mod workloads;

use serde::Serialize;
use utoipa::ToSchema;

/// One page of a list: `items`, the `total` across pages, and the page asked for.
#[derive(Serialize, ToSchema)]
pub struct Page<T> {
    /// Rows of this page.
    pub items: Vec<T>,
    /// Rows across all pages.
    pub total: u64,
    /// 1-based page number.
    pub page: u64,
    /// Rows per page.
    pub page_size: u64,
}

impl<T> Page<T> {
    /// A page of `items` out of `total`.
    pub fn new(items: Vec<T>, total: u64, req: kubedeck_store::PageRequest) -> Self {
        Self {
            items,
            total,
            page: req.page,
            page_size: req.page_size,
        }
    }
}

/// The page of a list served from a synced store, and how fresh it is: shared by the pod, node and resource
/// lists (flattened into each, so their JSON keeps these members at the top level).
#[derive(Serialize, ToSchema)]
pub struct StorePage {
    /// Rows matching the filters.
    pub total: u64,
    /// 1-based page.
    pub page: u64,
    /// Page size.
    pub page_size: u64,
    /// True when the cluster is not in sync (the list is what was last seen).
    pub stale: bool,
    /// `live` (this server's watch-synced store) or `snapshot` (the database, when another replica syncs the
    /// cluster or it is not reachable).
    pub source: &'static str,
    /// Last sync with the cluster.
    pub last_sync_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// `sort=key` or `sort=-key` checked against the keys a list offers; `default` when absent.
pub fn parse_sort(
    sort: Option<&str>,
    allowed: &[&str],
    default: &str,
) -> Result<(bool, String), crate::error::ApiError> {
    let sort = sort.unwrap_or(default);
    let (desc, key) = match sort.strip_prefix('-') {
        Some(k) => (true, k),
        None => (false, sort),
    };
    if !allowed.contains(&key) {
        let mut e = crate::error::ApiError::not_one_of("sort", allowed, key);
        e.message = format!(
            "sort must be one of {} (prefix '-' for descending)",
            allowed.join(", ")
        );
        return Err(e);
    }
    Ok((desc, key.to_owned()))
}

/// One page of `items` in the order of `cmp`, with the total. Only the rows up to the end of the page are
/// sorted (a selection finds them first): the first page of 150,000 pods sorts 100 rows, not 150,000.
/// `cmp` must be a total order (end on a unique key) so pages neither repeat nor skip rows.
pub fn sorted_page<T>(
    mut items: Vec<T>,
    req: kubedeck_store::PageRequest,
    mut cmp: impl FnMut(&T, &T) -> std::cmp::Ordering,
) -> (Vec<T>, u64) {
    let total = items.len();
    let start = (((req.page - 1) * req.page_size) as usize).min(total);
    let end = start.saturating_add(req.page_size as usize).min(total);
    if end < total {
        items.select_nth_unstable_by(end, &mut cmp);
        items.truncate(end);
    }
    items.sort_unstable_by(&mut cmp);
    (items.into_iter().skip(start).collect(), total as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sorted_page_is_the_same_slice_a_full_sort_gives() {
        // A scrambled list with repeated sort keys; the second field makes the order total.
        let items: Vec<(u32, u32)> = (0..1000u32).map(|i| ((i * 7919) % 37, i)).collect();
        let mut full = items.clone();
        full.sort();
        for (page, page_size) in [
            (1, 100),
            (2, 100),
            (10, 100),
            (11, 100),
            (3, 333),
            (1, 5000),
            (7, 1),
        ] {
            let (rows, total) = sorted_page(
                items.clone(),
                kubedeck_store::PageRequest { page, page_size },
                |a, b| a.cmp(b),
            );
            let start = ((page - 1) * page_size) as usize;
            let want: Vec<_> = full
                .iter()
                .skip(start)
                .take(page_size as usize)
                .copied()
                .collect();
            assert_eq!(total, 1000);
            assert_eq!(rows, want, "page {page} of {page_size}");
        }
    }
}

/// `Content-Disposition: attachment` for a download named `name`, its characters other than letters, digits,
/// `-`, `_` and `.` replaced (a cluster's name must not break the header or reach a path).
pub fn attachment(name: &str) -> Option<axum::http::HeaderValue> {
    let safe: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' })
        .collect();
    axum::http::HeaderValue::from_str(&format!("attachment; filename=\"{safe}\"")).ok()
}
