//! Which kinds a cluster serves, at which version: the known kinds ([`super::kinds::KINDS`]) at the first of
//! their versions the cluster serves, and every kind a CustomResourceDefinition adds, with its printer columns.
//!
//! Each group version is asked on its own, so one broken aggregated API (a metrics server that is down) costs
//! only its own kinds, not the whole catalog (kube's `Discovery::run` fails as a whole).

use super::kinds::{Category, KINDS, KindSpec, Tier};
use super::row::Column;
use futures::future::join_all;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::APIResourceList;
use kube::api::{Api, DynamicObject, ListParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

/// How a served kind's rows are made.
#[derive(Debug, Clone)]
pub enum View {
    /// A kind Kubedeck knows: its view in [`super::views`].
    Known(&'static KindSpec),
    /// A custom resource: its CRD's printer columns and their JSONPaths.
    Custom {
        /// The columns.
        columns: Arc<[Column]>,
        /// One JSONPath per column.
        paths: Arc<[String]>,
    },
}

/// A kind as one cluster serves it.
#[derive(Debug, Clone)]
pub struct Served {
    /// Its URL name: the plural for known kinds, `plural.group` for custom resources (as kubectl names them).
    pub name: String,
    /// Group, version, kind and plural to call the API with.
    pub api: ApiResource,
    /// Lives in a namespace.
    pub namespaced: bool,
    /// Navigation group.
    pub category: Category,
    /// Which permission writes it.
    pub tier: Tier,
    /// How its rows are made.
    pub view: View,
}

impl Served {
    /// The columns of its rows.
    pub fn columns(&self) -> &[Column] {
        match &self.view {
            View::Known(k) => super::views::columns(k),
            View::Custom { columns, .. } => columns,
        }
    }

    /// The row of one object.
    pub fn row(&self, obj: &Value) -> super::row::Row {
        let p = match &self.view {
            View::Known(k) => super::views::project(k, obj),
            View::Custom { paths, .. } => super::custom::project(paths, obj),
        };
        super::row::Row::new(obj, p)
    }

    /// Served the same way (same group, version and columns): a store of one serves the other.
    pub fn same_as(&self, other: &Served) -> bool {
        self.name == other.name && self.api == other.api && self.columns() == other.columns()
    }

    /// The known kind, if it is one.
    pub fn known(&self) -> Option<&'static KindSpec> {
        match self.view {
            View::Known(k) => Some(k),
            View::Custom { .. } => None,
        }
    }

    /// Watched for as long as the cluster's handle runs (the others are watched on first use).
    pub fn always(&self) -> bool {
        self.known().is_some_and(|k| k.always)
    }
}

/// The kinds one cluster serves.
#[derive(Debug, Clone, Default)]
pub struct Catalog {
    /// The cluster's version (`v1.20.2`).
    pub server_version: Option<String>,
    /// Known kinds first (in [`KINDS`] order), then custom resources by name.
    pub served: Vec<Arc<Served>>,
    /// The CRDs the custom kinds came from (name and [`crd_fingerprint`] of their row), to tell when to look again.
    pub crds: BTreeSet<(String, String)>,
}

/// Why a kind cannot be served.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unserved {
    /// No kind of that name exists anywhere.
    Unknown,
    /// A known kind this cluster does not serve at a version we understand.
    NotServed(&'static KindSpec),
}

impl Catalog {
    /// The served kind a URL names (`deployments`, `deployments.apps`, `widgets.example.com`).
    pub fn find(&self, name: &str) -> Result<Arc<Served>, Unserved> {
        let by_name = self.served.iter().find(|s| {
            s.name == name
                || (s.known().is_some() && {
                    let k = s.known().expect("known");
                    super::kinds::known(name) == Some(k)
                })
        });
        if let Some(s) = by_name {
            return Ok(s.clone());
        }
        match super::kinds::known(name) {
            Some(k) => Err(Unserved::NotServed(k)),
            None => Err(Unserved::Unknown),
        }
    }

    /// The served kind of an object's `apiVersion` and `kind` (for apply), at exactly that version.
    pub fn by_api_version(&self, api_version: &str, kind: &str) -> Option<Arc<Served>> {
        self.served
            .iter()
            .find(|s| s.api.kind == kind && s.api.api_version == api_version)
            .cloned()
    }
}

/// What of a CRD's row says which kind it adds and how it lists: its cells (group, kind, scope, served versions,
/// printer columns). The CRD store's rows are compared with the catalog's by it, so a CRD whose versions or
/// printer columns change is discovered again (its status and heartbeat-free fields are not in it).
pub fn crd_fingerprint(row: &super::row::Row) -> String {
    row.cells
        .iter()
        .map(|c| c.as_deref().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\u{1f}")
}

/// Asks the cluster which of our kinds it serves, and which kinds its CRDs add.
pub async fn discover(client: &kube::Client) -> Result<Catalog, kube::Error> {
    let server_version = client
        .apiserver_version()
        .await
        .ok()
        .map(|v| v.git_version);
    // group → versions it serves, preferred first
    let mut groups: HashMap<String, Vec<String>> = HashMap::new();
    groups.insert(String::new(), vec!["v1".into()]);
    for g in client.list_api_groups().await?.groups {
        let mut versions: Vec<String> = Vec::new();
        if let Some(p) = &g.preferred_version {
            versions.push(p.version.clone());
        }
        for v in g.versions {
            if !versions.contains(&v.version) {
                versions.push(v.version);
            }
        }
        groups.insert(g.name, versions);
    }
    // The group versions our known kinds could come from, each asked once, all at once.
    let mut wanted: BTreeSet<(String, String)> = BTreeSet::new();
    for k in KINDS {
        if let Some(served) = groups.get(k.group) {
            for v in k.versions.iter().filter(|v| served.iter().any(|s| s == *v)) {
                wanted.insert((k.group.to_owned(), (*v).to_owned()));
            }
        }
    }
    let lists = join_all(wanted.iter().map(|(g, v)| async move {
        let r = if g.is_empty() {
            client.list_core_api_resources(v).await
        } else {
            client.list_api_group_resources(&format!("{g}/{v}")).await
        };
        if let Err(e) = &r {
            tracing::debug!(group = %g, version = %v, "discovery: {e}");
        }
        ((g.clone(), v.clone()), r.ok())
    }))
    .await;
    let resources: HashMap<(String, String), APIResourceList> = lists
        .into_iter()
        .filter_map(|(k, l)| l.map(|l| (k, l)))
        .collect();
    let mut served = Vec::new();
    for k in KINDS {
        let found = k.versions.iter().find_map(|v| {
            let list = resources.get(&(k.group.to_owned(), (*v).to_owned()))?;
            list.resources
                .iter()
                .find(|r| r.name == k.plural && r.verbs.iter().any(|v| v == "watch"))
                .map(|_| *v)
        });
        // a known kind without a version here is not served (the kinds route lists it from KINDS, unserved)
        if let Some(v) = found {
            served.push(Arc::new(Served {
                name: k.plural.to_owned(),
                api: ApiResource::from_gvk_with_plural(
                    &GroupVersionKind::gvk(k.group, v, k.kind),
                    k.plural,
                ),
                namespaced: k.namespaced,
                category: k.category,
                tier: k.tier,
                view: View::Known(k),
            }));
        }
    }
    let (custom, crds) = custom_kinds(client, &served, &groups).await;
    served.extend(custom);
    Ok(Catalog {
        server_version,
        served,
        crds,
    })
}

/// The kinds CRDs add, at their group's preferred version, with that version's printer columns.
async fn custom_kinds(
    client: &kube::Client,
    served: &[Arc<Served>],
    groups: &HashMap<String, Vec<String>>,
) -> (Vec<Arc<Served>>, BTreeSet<(String, String)>) {
    let Some(crd_kind) = served
        .iter()
        .find(|s| s.name == "customresourcedefinitions")
    else {
        return Default::default();
    };
    let api: Api<DynamicObject> = Api::all_with(client.clone(), &crd_kind.api);
    let list = match api.list(&ListParams::default()).await {
        Ok(l) => l,
        Err(e) => {
            tracing::debug!("discovery: listing CRDs: {e}");
            return Default::default();
        }
    };
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    for crd in list.items {
        let crd = serde_json::to_value(&crd).unwrap_or_default();
        let meta = &crd["metadata"];
        seen.insert((
            meta["name"].as_str().unwrap_or_default().to_owned(),
            crd_fingerprint(&crd_kind.row(&crd)),
        ));
        let spec = &crd["spec"];
        let (Some(group), Some(kind), Some(plural)) = (
            spec["group"].as_str(),
            spec["names"]["kind"].as_str(),
            spec["names"]["plural"].as_str(),
        ) else {
            continue;
        };
        // the first version of the group's (discovery lists the preferred one first, and only served ones) that
        // this CRD serves: another CRD of the group may serve versions this one does not
        let serves = |v: &str| match spec["versions"].as_array() {
            Some(vs) if !vs.is_empty() => vs.iter().any(|x| x["name"] == v && x["served"] != false),
            _ => spec["version"] == v,
        };
        let Some(version) = groups
            .get(group)
            .and_then(|vs| vs.iter().find(|v| serves(v)))
        else {
            continue;
        };
        let (columns, paths) = super::custom::printer_columns(&crd, version);
        let namespaced = spec["scope"].as_str() != Some("Cluster");
        out.push(Arc::new(Served {
            name: format!("{plural}.{group}"),
            api: ApiResource::from_gvk_with_plural(
                &GroupVersionKind::gvk(group, version, kind),
                plural,
            ),
            namespaced,
            category: Category::CustomResources,
            tier: Tier::of_custom(namespaced),
            view: View::Custom {
                columns: columns.into(),
                paths: paths.into(),
            },
        }));
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    (out, seen)
}
