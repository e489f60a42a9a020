//! What the engine keeps per object of any kind: a compact [`Row`] with the columns `kubectl get -o wide`
//! shows, built by the kind's view ([`super::views`]) from the object as JSON.

use crate::intern::{Labels, Sym};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::borrow::Cow;
use utoipa::ToSchema;

/// How a column's values read and sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ColumnType {
    /// Text, sorted as text.
    Text,
    /// A number (sorted numerically; `x/y` ratios sort by `x`).
    Number,
    /// An RFC 3339 time the console shows as an age.
    Date,
}

/// One column of a kind's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Column {
    /// Key used in `sort=` and as a filter (`ready`, `type`, `cluster_ip`).
    #[schema(value_type = String)]
    pub key: Cow<'static, str>,
    /// kubectl's header (`READY`, `CLUSTER-IP`).
    #[schema(value_type = String)]
    pub header: Cow<'static, str>,
    /// How values read and sort.
    #[serde(rename = "type")]
    pub ty: ColumnType,
    /// Shown by `kubectl get -o wide` only.
    pub wide: bool,
}

impl Column {
    /// A column known at compile time.
    pub const fn new(key: &'static str, header: &'static str, ty: ColumnType, wide: bool) -> Self {
        Column {
            key: Cow::Borrowed(key),
            header: Cow::Borrowed(header),
            ty,
            wide,
        }
    }
}

/// The colour of a row's status: what an operator reads at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Health {
    /// Nothing to say (a ConfigMap).
    #[default]
    Neutral,
    /// As desired (all replicas ready, Bound, Complete).
    Ok,
    /// Moving towards the desired state (rolling out, Pending, Active job).
    Progressing,
    /// Needs a look (some replicas unavailable, Released).
    Warning,
    /// Broken (Failed, Lost, no replicas available).
    Error,
}

/// What a kind's view makes of one object: its cells (in the order of the kind's columns), a short status and
/// its colour, and its controlling owner.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Projection {
    /// One value per column (`None`: `<none>` / not set).
    pub cells: Vec<Option<String>>,
    /// A word or two (`Available`, `2/3 ready`, `Bound`); `None` for kinds without a status.
    pub status: Option<String>,
    /// The status' colour.
    pub health: Health,
    /// The controlling owner (`kind`, `name`), from `metadata.ownerReferences`.
    pub owner: Option<(String, String)>,
}

/// What the engine keeps in memory per object (≤ 1 KiB: pooled strings, labels as a slice, no JSON).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    /// Namespace (empty for cluster-scoped kinds).
    pub namespace: Sym,
    /// Name.
    pub name: Sym,
    /// Creation time.
    pub created_at: Option<DateTime<Utc>>,
    /// Labels.
    pub labels: Labels,
    /// The kind's columns.
    pub cells: Box<[Option<Sym>]>,
    /// Short status.
    pub status: Option<Sym>,
    /// Its colour.
    pub health: Health,
    /// Controlling owner kind and name.
    pub owner: Option<(Sym, Sym)>,
}

impl Row {
    /// A row from an object (`metadata` read here, the rest by `projection`).
    pub fn new(obj: &Value, p: Projection) -> Row {
        let meta = &obj["metadata"];
        let labels = meta["labels"]
            .as_object()
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Row {
            namespace: Sym::intern(meta["namespace"].as_str().unwrap_or_default()),
            name: Sym::unique(meta["name"].as_str().unwrap_or_default()),
            created_at: meta["creationTimestamp"]
                .as_str()
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc)),
            labels: Labels::from_map(&labels),
            cells: p
                .cells
                .iter()
                .map(|c| c.as_deref().map(Sym::intern))
                .collect(),
            status: p.status.as_deref().map(Sym::intern),
            health: p.health,
            owner: p
                .owner
                .as_ref()
                .map(|(k, n)| (Sym::intern(k), Sym::intern(n))),
        }
    }

    /// `(namespace, name)`: the key of the synced store.
    pub fn store_key(&self) -> (Sym, Sym) {
        (self.namespace.clone(), self.name.clone())
    }

    /// What the synced store indexes: the namespace and the labels.
    pub fn index_terms(&self) -> crate::label_index::IndexTerms<'_> {
        crate::label_index::IndexTerms {
            namespace: (!self.namespace.is_empty()).then_some(&self.namespace),
            node: None,
            labels: &self.labels,
        }
    }
}

/// The controlling owner in `metadata.ownerReferences` (`controller: true`), as (`kind`, `name`).
pub fn controller_of(obj: &Value) -> Option<(String, String)> {
    obj["metadata"]["ownerReferences"]
        .as_array()?
        .iter()
        .find(|o| o["controller"].as_bool() == Some(true))
        .map(|o| {
            (
                o["kind"].as_str().unwrap_or_default().to_owned(),
                o["name"].as_str().unwrap_or_default().to_owned(),
            )
        })
}
