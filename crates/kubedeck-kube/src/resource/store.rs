//! The engine's side of a cluster handle: the cluster's [`Catalog`] of served kinds and one watched, indexed
//! store of [`Row`]s per kind in use. The spec's kinds are watched from the start; the others (custom resources
//! included) from their first use until they have been quiet for [`QUIET`].

use super::discovery::{Catalog, Served, discover};
use super::row::Row;
use crate::hub::{Projected, watch_projected};
use crate::intern::Sym;
use kube::api::{Api, DynamicObject};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How long a kind watched on first use stays watched without a request.
pub const QUIET: Duration = Duration::from_secs(600);

/// One kind's watched rows.
pub struct KindStore {
    /// The kind, as this cluster serves it.
    pub served: Arc<Served>,
    /// Its rows, keyed by (namespace, name).
    pub rows: Projected<Row, (Sym, Sym)>,
    last_used: AtomicI64,
    cancel: CancellationToken,
}

impl KindStore {
    fn touch(&self) {
        self.last_used
            .store(chrono::Utc::now().timestamp(), Ordering::Relaxed);
    }
}

impl Drop for KindStore {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// A cluster's catalog and kind stores.
pub struct Resources {
    client: kube::Client,
    cancel: CancellationToken,
    catalog: RwLock<Option<Arc<Catalog>>>,
    discovering: tokio::sync::Mutex<()>,
    stores: RwLock<HashMap<String, Arc<KindStore>>>,
}

/// Kinds with stores of their own elsewhere in the hub (pods, nodes): the engine does not watch them twice.
const OWN_STORES: &[&str] = &["pods", "nodes"];

impl Resources {
    /// The engine of one handle; `cancel` is the handle's.
    pub fn new(client: kube::Client, cancel: CancellationToken) -> Arc<Self> {
        let r = Arc::new(Resources {
            client,
            cancel,
            catalog: RwLock::new(None),
            discovering: tokio::sync::Mutex::new(()),
            stores: RwLock::new(HashMap::new()),
        });
        tokio::spawn(upkeep(Arc::downgrade(&r), r.cancel.clone()));
        r
    }

    /// The kinds the cluster serves (discovered once, again after [`Self::rediscover`]).
    pub async fn catalog(&self) -> Result<Arc<Catalog>, kube::Error> {
        if let Some(c) = self.catalog.read().expect("catalog lock").clone() {
            return Ok(c);
        }
        let _one = self.discovering.lock().await;
        if let Some(c) = self.catalog.read().expect("catalog lock").clone() {
            return Ok(c);
        }
        let c = Arc::new(discover(&self.client).await?);
        *self.catalog.write().expect("catalog lock") = Some(c.clone());
        Ok(c)
    }

    /// The catalog if it was discovered (no call to the cluster).
    pub fn cached_catalog(&self) -> Option<Arc<Catalog>> {
        self.catalog.read().expect("catalog lock").clone()
    }

    /// Forgets the catalog: the next request discovers again (a CRD came or went, `POST .../sync`).
    pub fn rediscover(&self) {
        *self.catalog.write().expect("catalog lock") = None;
    }

    /// The store of a kind, started on first use (and marked used).
    pub fn store(&self, served: &Arc<Served>) -> Arc<KindStore> {
        if let Some(s) = self.stores.read().expect("stores lock").get(&served.name)
            && s.served.same_as(served)
        {
            s.touch();
            return s.clone();
        }
        let mut stores = self.stores.write().expect("stores lock");
        if let Some(s) = stores.get(&served.name)
            && s.served.same_as(served)
        {
            s.touch();
            return s.clone();
        }
        let cancel = self.cancel.child_token();
        let api: Api<DynamicObject> = Api::all_with(self.client.clone(), &served.api);
        let view = served.clone();
        let rows = watch_projected(
            api,
            move |o: &DynamicObject| view.row(&serde_json::to_value(o).unwrap_or_default()),
            Row::store_key,
            crate::hub::Keeping::index(Row::index_terms),
            cancel.clone(),
        );
        let s = Arc::new(KindStore {
            served: served.clone(),
            rows,
            last_used: AtomicI64::new(chrono::Utc::now().timestamp()),
            cancel,
        });
        // a store of the kind's previous version (the catalog changed) stops when dropped here
        stores.insert(served.name.clone(), s.clone());
        tracing::debug!(kind = %served.name, version = %served.api.version, "watching");
        s
    }

    /// Restarts a kind's watch (a fresh list): `POST .../{kind}/sync`.
    pub fn relist(&self, served: &Arc<Served>) -> Arc<KindStore> {
        self.stores
            .write()
            .expect("stores lock")
            .remove(&served.name);
        self.store(served)
    }

    /// Every store now (for the snapshot writer).
    pub fn stores(&self) -> Vec<Arc<KindStore>> {
        self.stores
            .read()
            .expect("stores lock")
            .values()
            .cloned()
            .collect()
    }

    /// The stores of the kinds watched continuously are started (after discovery).
    async fn start_always(&self) -> Result<(), kube::Error> {
        let catalog = self.catalog().await?;
        for s in catalog
            .served
            .iter()
            .filter(|s| s.always() && !OWN_STORES.contains(&s.name.as_str()))
        {
            self.store(s);
        }
        Ok(())
    }

    /// Releases quiet on-use stores; notices CRDs that came, went or changed (then discovers again).
    fn tidy(&self) {
        let now = chrono::Utc::now().timestamp();
        self.stores.write().expect("stores lock").retain(|_, s| {
            s.served.always() || now - s.last_used.load(Ordering::Relaxed) < QUIET.as_secs() as i64
        });
        let Some(catalog) = self.cached_catalog() else {
            return;
        };
        // kinds the cluster stopped serving (a deleted CRD)
        self.stores
            .write()
            .expect("stores lock")
            .retain(|name, _| catalog.served.iter().any(|s| &s.name == name));
        let crd_store = self
            .stores
            .read()
            .expect("stores lock")
            .get("customresourcedefinitions")
            .cloned();
        if let Some(crds) = crd_store.filter(|s| s.rows.synced()) {
            // a CRD came, went, or changed its versions or printer columns
            let names: std::collections::BTreeSet<(String, String)> = crds.rows.read(|m| {
                m.values()
                    .map(|r| (r.name.to_string(), super::discovery::crd_fingerprint(r)))
                    .collect()
            });
            let known = &catalog.crds;
            // A CRD seen before it was served (discovery ran before it was established, or none of its
            // versions was served yet) has its name in the catalog but no kind: look again once its row says
            // it is established with a served version. (A CRD's name is its kind's `plural.group`.)
            let versions = crds.served.columns().iter().position(|c| c.key == "versions");
            let missing = crds.rows.read(|m| {
                m.values().any(|r| {
                    r.status.as_deref() == Some("Established")
                        && versions.is_some_and(|i| r.cells.get(i).is_some_and(Option::is_some))
                        && !catalog.served.iter().any(|s| s.name == r.name.as_str())
                })
            });
            if names != *known || missing {
                tracing::debug!("CRDs changed: discovering again");
                self.rediscover();
            }
        }
    }
}

/// Discovers, starts the continuous stores (retrying while the cluster cannot be reached), then tidies every
/// few seconds until the handle stops.
async fn upkeep(me: std::sync::Weak<Resources>, cancel: CancellationToken) {
    let mut backoff = Duration::from_secs(1);
    loop {
        let Some(r) = me.upgrade() else { return };
        match r.start_always().await {
            Ok(()) => break,
            Err(e) => tracing::debug!("resource discovery: {e}"),
        }
        drop(r);
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(backoff) => {}
        }
        backoff = (backoff * 2).min(Duration::from_secs(60));
    }
    let mut tick = tokio::time::interval(Duration::from_secs(2));
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tick.tick() => {}
        }
        let Some(r) = me.upgrade() else { return };
        r.tidy();
        // a rediscovered catalog: restart the continuous stores whose version changed
        if r.cached_catalog().is_none() {
            let _ = r.start_always().await;
        }
    }
}
