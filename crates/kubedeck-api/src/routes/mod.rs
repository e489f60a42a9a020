//! The API's routes, one module per area, and the shape every list shares.

pub mod audit_log;
pub mod auth;
pub mod clusters;
pub mod health;
pub mod log_stream;
pub mod nodes;
pub mod pods;
pub mod node_metrics;
pub mod tasks;
pub mod users;

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
        Self { items, total, page: req.page, page_size: req.page_size }
    }
}

/// `sort=key` or `sort=-key` checked against the keys a list offers; `default` when absent.
pub fn parse_sort(sort: Option<&str>, allowed: &[&str], default: &str) -> Result<(bool, String), crate::error::ApiError> {
    let sort = sort.unwrap_or(default);
    let (desc, key) = match sort.strip_prefix('-') {
        Some(k) => (true, k),
        None => (false, sort),
    };
    if !allowed.contains(&key) {
        return Err(crate::error::ApiError::invalid(
            "sort",
            format!("sort must be one of {} (prefix '-' for descending)", allowed.join(", ")),
        ));
    }
    Ok((desc, key.to_owned()))
}

/// One page out of an in-memory list (lists served from the synced store), with the total.
pub fn page_of<T>(items: Vec<T>, req: kubedeck_store::PageRequest) -> (Vec<T>, u64) {
    let total = items.len() as u64;
    let start = ((req.page - 1) * req.page_size) as usize;
    (items.into_iter().skip(start).take(req.page_size as usize).collect(), total)
}
