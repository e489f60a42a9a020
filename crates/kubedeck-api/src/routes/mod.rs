//! The API's routes, one module per area, and the shape every list shares.

pub mod audit_log;
pub mod auth;
pub mod clusters;
pub mod health;
pub mod nodes;
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
