//! The ClusterHub: one live [`ClusterHandle`] per cluster this replica syncs.
//!
//! A handle owns the cluster's client and its watchers (list-then-watch, relist on 410 Gone, managedFields
//! stripped). Watchers feed synced stores that list APIs read instead of asking the cluster on every request.
//! Changes the rest of Kubedeck must persist (node counts ...) leave the hub as [`HubEvent`]s.

use crate::error::ClusterError;
use crate::intern::Sym;
use crate::kubeconfig::SafeKubeconfig;
use crate::label_index::{IndexTerms, LabelIndex, Scope};
use crate::pods::PodLite;
use crate::selector::Selector;
use futures::StreamExt;
use k8s_openapi::api::core::v1::{Node, Pod};
use kube::ResourceExt;
use kube::api::Api;
use kube::runtime::reflector::{self, Store};
use kube::runtime::{WatchStreamExt, watcher};
use kubedeck_core::cluster::NodeCounts;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Something a cluster's watchers learned that the database should know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HubEvent {
    /// The node store changed; these are the counts now.
    NodeCounts {
        /// Which cluster.
        cluster_id: i64,
        /// Counts from the synced node store.
        counts: NodeCounts,
    },
}

/// A live connection to one cluster.
pub struct ClusterHandle {
    /// The cluster's id in the database.
    pub cluster_id: i64,
    /// A client for the cluster.
    pub client: kube::Client,
    /// Synced nodes (read only after `nodes_synced()`).
    pub nodes: Store<Node>,
    /// Synced pods, projected to what the node and pod views need, with what each node's active pods commit.
    pub pods: Projected<PodLite, (Sym, Sym), crate::nodes::NodeLoad>,
    /// Every other kind: the cluster's catalog and a watched store per kind in use.
    pub resources: Arc<crate::resource::store::Resources>,
    /// The cluster's events waiting for the archive (see [`crate::events`]).
    pub events: Arc<crate::events::EventFeed>,
    /// What its nodes and pods use now, from the metrics collector's last pass (lease holder only).
    pub usage: crate::usage::LatestUsage,
    nodes_ready: Arc<AtomicBool>,
    /// Which credential the handle was built from (re-import restarts it).
    fingerprint: String,
    cancel: CancellationToken,
}

impl ClusterHandle {
    /// True once the first node list has arrived.
    pub fn nodes_synced(&self) -> bool {
        self.nodes_ready.load(Ordering::Acquire)
    }

    /// Node counts from the synced store, when synced.
    pub fn node_counts(&self) -> Option<NodeCounts> {
        self.nodes_synced()
            .then(|| crate::nodes::count(self.nodes.state().iter().map(|n| n.as_ref())))
    }
}

impl Drop for ClusterHandle {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

/// All handles of this replica.
pub struct ClusterHub {
    handles: RwLock<HashMap<i64, Arc<ClusterHandle>>>,
    events: mpsc::UnboundedSender<HubEvent>,
}

impl ClusterHub {
    /// A hub and the receiving end of its events.
    pub fn new() -> (Self, mpsc::UnboundedReceiver<HubEvent>) {
        let (tx, rx) = mpsc::unbounded_channel();
        (
            Self {
                handles: RwLock::new(HashMap::new()),
                events: tx,
            },
            rx,
        )
    }

    /// The handle of a cluster, if this replica runs one.
    pub fn get(&self, cluster_id: i64) -> Option<Arc<ClusterHandle>> {
        self.handles
            .read()
            .expect("hub lock")
            .get(&cluster_id)
            .cloned()
    }

    /// Ids of the clusters with a running handle.
    pub fn running(&self) -> Vec<i64> {
        self.handles
            .read()
            .expect("hub lock")
            .keys()
            .copied()
            .collect()
    }

    /// Starts the handle of a cluster, or keeps the running one if it was built from the same credential.
    pub async fn ensure(
        &self,
        cluster_id: i64,
        kubeconfig: &SafeKubeconfig,
        fingerprint: &str,
    ) -> Result<Arc<ClusterHandle>, ClusterError> {
        if let Some(h) = self
            .get(cluster_id)
            .filter(|h| h.fingerprint == fingerprint)
        {
            return Ok(h);
        }
        let client = kubeconfig.client().await?;
        let handle = Arc::new(start(
            cluster_id,
            client,
            fingerprint.to_owned(),
            self.events.clone(),
        ));
        let old = self
            .handles
            .write()
            .expect("hub lock")
            .insert(cluster_id, handle.clone());
        if let Some(old) = old {
            old.cancel.cancel();
        }
        tracing::info!(cluster_id, "cluster handle started");
        Ok(handle)
    }

    /// Stops a cluster's watchers (cluster deleted, or this replica lost its lease).
    pub fn stop(&self, cluster_id: i64) {
        if let Some(h) = self.handles.write().expect("hub lock").remove(&cluster_id) {
            h.cancel.cancel();
            tracing::info!(cluster_id, "cluster handle stopped");
        }
    }

    /// Stops everything (shutdown).
    pub fn stop_all(&self) {
        for (_, h) in self.handles.write().expect("hub lock").drain() {
            h.cancel.cancel();
        }
    }
}

fn start(
    cluster_id: i64,
    client: kube::Client,
    fingerprint: String,
    events: mpsc::UnboundedSender<HubEvent>,
) -> ClusterHandle {
    let cancel = CancellationToken::new();
    let (reader, writer) = reflector::store::<Node>();
    let ready = Arc::new(AtomicBool::new(false));
    let stream = watcher(
        Api::<Node>::all(client.clone()),
        watcher::Config::default().any_semantic(),
    )
    .default_backoff()
    .modify(|n| n.managed_fields_mut().clear())
    .reflect(writer);
    let task_cancel = cancel.clone();
    let task_reader = reader.clone();
    let task_ready = ready.clone();
    tokio::spawn(async move {
        let mut stream = std::pin::pin!(stream);
        // Node heartbeats update every node every few seconds: recount at most once a second.
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut dirty = false;
        let mut last: Option<NodeCounts> = None;
        loop {
            tokio::select! {
                _ = task_cancel.cancelled() => break,
                ev = stream.next() => match ev {
                    Some(Ok(watcher::Event::InitDone)) => { task_ready.store(true, Ordering::Release); dirty = true; }
                    Some(Ok(watcher::Event::Apply(_) | watcher::Event::Delete(_))) => dirty = true,
                    Some(Ok(_)) => {}
                    Some(Err(e)) => tracing::debug!(cluster_id, "node watch: {e}"),
                    None => break,
                },
                _ = tick.tick() => {
                    if dirty && task_ready.load(Ordering::Acquire) {
                        dirty = false;
                        let counts = crate::nodes::count(task_reader.state().iter().map(|n| n.as_ref()));
                        if last != Some(counts) {
                            last = Some(counts);
                            let _ = events.send(HubEvent::NodeCounts { cluster_id, counts });
                        }
                    }
                }
            }
        }
    });
    let pods = watch_projected(
        Api::<Pod>::all(client.clone()),
        crate::pods::project,
        PodLite::store_key,
        Keeping { terms_of: PodLite::index_terms, tally_of: PodLite::node_load },
        cancel.clone(),
    );
    let resources = crate::resource::store::Resources::new(client.clone(), cancel.clone());
    let events = crate::events::watch(client.clone(), cancel.clone());
    ClusterHandle {
        cluster_id,
        client,
        nodes: reader,
        pods,
        resources,
        events,
        usage: Default::default(),
        nodes_ready: ready,
        fingerprint,
        cancel,
    }
}

/// A synced map of compact projections of one kind keyed by `Q`, fed by a watcher (list-then-watch, relist
/// on 410), with an index of the items' namespaces, nodes and labels, and per-group totals `G` (see [`Tally`]).
pub struct Projected<T, Q, G = ()> {
    contents: Arc<RwLock<Contents<T, Q, G>>>,
    dirty: Arc<std::sync::Mutex<Dirty<Q>>>,
    ready: Arc<AtomicBool>,
    /// Counts changes (each add, change, delete and relist): what live pages poll to know when to refetch.
    generation: Arc<std::sync::atomic::AtomicU64>,
}

/// The key of a synced store: (namespace, name). Kept in order twice, so an unfiltered page sorted by namespace
/// or by name is read off an ordered set instead of sorting every item (150,000 pods: a walk of one page).
pub trait StoreKey: std::hash::Hash + Eq + Clone + Ord {
    /// (name, namespace): the order of "sorted by name".
    fn name_first(&self) -> (Sym, Sym);
    /// The key of a (name, namespace) pair.
    fn from_name_first(name: &Sym, namespace: &Sym) -> Self;
}

impl StoreKey for (Sym, Sym) {
    fn name_first(&self) -> (Sym, Sym) {
        (self.1.clone(), self.0.clone())
    }
    fn from_name_first(name: &Sym, namespace: &Sym) -> Self {
        (namespace.clone(), name.clone())
    }
}

/// The order an unfiltered page is read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyOrder {
    /// Namespace, then name.
    Namespace,
    /// Name, then namespace.
    Name,
}

/// Totals kept per group of items as items come and go (a node's committed requests, summed from its pods), so a
/// view of every group reads the totals instead of walking every item. `()` keeps none.
pub trait Tally: Default + Send + Sync + 'static {
    /// Adds one item's part.
    fn add(&mut self, part: &Self);
    /// Takes one item's part away.
    fn sub(&mut self, part: &Self);
    /// True when no item is left in the group (its entry is dropped).
    fn is_empty(&self) -> bool;
}

impl Tally for () {
    fn add(&mut self, _: &Self) {}
    fn sub(&mut self, _: &Self) {}
    fn is_empty(&self) -> bool {
        true
    }
}

/// What a store keeps of each item besides the item: its index terms and its part of a group's totals.
pub struct Keeping<T, G> {
    /// What the index keeps of an item.
    pub terms_of: fn(&T) -> IndexTerms<'_>,
    /// The group an item counts in and its part of the group's totals (`None`: it counts nowhere).
    pub tally_of: fn(&T) -> Option<(Sym, G)>,
}

impl<T, G> Clone for Keeping<T, G> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T, G> Copy for Keeping<T, G> {}

impl<T> Keeping<T, ()> {
    /// Index terms only, no totals.
    pub fn index(terms_of: fn(&T) -> IndexTerms<'_>) -> Self {
        Keeping { terms_of, tally_of: |_| None }
    }
}

/// The items and their indexes (namespaces, nodes, labels; the two key orders; the groups' totals), changed
/// together under one lock.
struct Contents<T, Q, G> {
    items: HashMap<Q, Arc<T>>,
    index: LabelIndex<Q>,
    by_key: std::collections::BTreeSet<Q>,
    by_name: std::collections::BTreeSet<(Sym, Sym)>,
    totals: HashMap<Sym, G>,
    keeping: Keeping<T, G>,
}

impl<T, Q: StoreKey, G: Tally> Contents<T, Q, G> {
    fn new(items: HashMap<Q, Arc<T>>, keeping: Keeping<T, G>) -> Self {
        let mut index = LabelIndex::default();
        let mut totals: HashMap<Sym, G> = HashMap::new();
        for (k, t) in &items {
            index.add((keeping.terms_of)(t), k);
            if let Some((group, part)) = (keeping.tally_of)(t) {
                totals.entry(group).or_default().add(&part);
            }
        }
        Contents {
            by_key: items.keys().cloned().collect(),
            by_name: items.keys().map(StoreKey::name_first).collect(),
            items,
            index,
            totals,
            keeping,
        }
    }

    fn count(&mut self, t: &T, add: bool) {
        let Some((group, part)) = (self.keeping.tally_of)(t) else {
            return;
        };
        if add {
            self.totals.entry(group).or_default().add(&part);
        } else if let Some(total) = self.totals.get_mut(&group) {
            total.sub(&part);
            if total.is_empty() {
                self.totals.remove(&group);
            }
        }
    }

    fn insert(&mut self, k: Q, t: Arc<T>) {
        let terms_of = self.keeping.terms_of;
        match self.items.get(&k) {
            // Most changes (status, restarts) leave the labels alone, and so does the index.
            Some(old) if terms_of(old) == terms_of(&t) => {}
            old => {
                if let Some(old) = old {
                    self.index.remove(terms_of(old), &k);
                }
                self.index.add(terms_of(&t), &k);
            }
        }
        self.count(&t, true);
        match self.items.insert(k.clone(), t) {
            Some(old) => self.count(&old, false),
            None => {
                self.by_name.insert(k.name_first());
                self.by_key.insert(k);
            }
        }
    }

    fn remove(&mut self, k: &Q) {
        if let Some(old) = self.items.remove(k) {
            self.index.remove((self.keeping.terms_of)(&old), k);
            self.count(&old, false);
            self.by_key.remove(k);
            self.by_name.remove(&k.name_first());
        }
    }
}

impl<T, Q, G> Clone for Projected<T, Q, G> {
    fn clone(&self) -> Self {
        Self {
            contents: self.contents.clone(),
            dirty: self.dirty.clone(),
            ready: self.ready.clone(),
            generation: self.generation.clone(),
        }
    }
}

impl<T, Q: StoreKey, G> Projected<T, Q, G> {
    /// True once the first full list has arrived.
    pub fn synced(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// A number that changes whenever the items do.
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Runs `f` over the current items under a read lock (keep it short).
    pub fn read<R>(&self, f: impl FnOnce(&HashMap<Q, Arc<T>>) -> R) -> R {
        f(&self.contents.read().expect("projection lock").items)
    }

    /// Runs `f` over the groups' totals under a read lock (a group with no item counted in it is absent).
    pub fn totals<R>(&self, f: impl FnOnce(&HashMap<Sym, G>) -> R) -> R {
        f(&self.contents.read().expect("projection lock").totals)
    }

    /// Runs `f` under the read lock over the items that can match `selector` in `scope`: with a namespace or
    /// node filter or a `key=value` / `key in (...)` requirement, only the items the index finds for the narrowest
    /// of them; otherwise all. `f` must still check the namespaces, the node and the whole selector.
    pub fn read_candidates<R>(
        &self,
        selector: &Selector,
        scope: Scope<'_>,
        f: impl FnOnce(&mut dyn Iterator<Item = &T>) -> R,
    ) -> R {
        let c = self.contents.read().expect("projection lock");
        match c.index.candidates(selector, scope) {
            Some(keys) => f(&mut keys
                .into_iter()
                .filter_map(|k| c.items.get(k))
                .map(|t| t.as_ref())),
            None => f(&mut c.items.values().map(|t| t.as_ref())),
        }
    }

    /// One page of every item in `order` (`desc`: reversed), and the number of items: for lists without
    /// filters, read off the ordered keys (the page's rows only, however many items there are).
    pub fn page_in_order<R>(&self, order: KeyOrder, desc: bool, skip: usize, take: usize, mut f: impl FnMut(&T) -> R) -> (Vec<R>, usize) {
        let c = self.contents.read().expect("projection lock");
        let rows = match order {
            KeyOrder::Namespace => {
                let keys: Box<dyn Iterator<Item = &Q>> = if desc { Box::new(c.by_key.iter().rev()) } else { Box::new(c.by_key.iter()) };
                keys.skip(skip).take(take).filter_map(|k| c.items.get(k)).map(|t| f(t)).collect()
            }
            KeyOrder::Name => {
                let keys: Box<dyn Iterator<Item = &(Sym, Sym)>> = if desc { Box::new(c.by_name.iter().rev()) } else { Box::new(c.by_name.iter()) };
                keys.skip(skip)
                    .take(take)
                    .filter_map(|(name, ns)| c.items.get(&Q::from_name_first(name, ns)))
                    .map(|t| f(t))
                    .collect()
            }
        };
        (rows, c.items.len())
    }

    /// What changed since the last call (for writers that persist the store, such as the KubePod snapshot;
    /// one writer per store). Starts as [`Changes::All`], and is `All` again after every relist.
    pub fn take_changes(&self) -> Changes<Q> {
        let mut d = self.dirty.lock().expect("projection changes");
        if std::mem::take(&mut d.all) {
            d.keys.clear();
            Changes::All
        } else if d.keys.is_empty() {
            Changes::None
        } else {
            Changes::Keys(d.keys.drain().collect())
        }
    }

    /// Forgets what was taken: the next [`Self::take_changes`] says `All` (a writer whose write failed).
    pub fn mark_all_changed(&self) {
        self.dirty.lock().expect("projection changes").all = true;
    }
}

/// What changed in a [`Projected`] store since it was last asked.
#[derive(Debug, PartialEq, Eq)]
pub enum Changes<Q> {
    /// Nothing.
    None,
    /// Possibly everything (never written, or relisted): compare the whole store.
    All,
    /// The keys of items added, changed or removed.
    Keys(Vec<Q>),
}

struct Dirty<Q> {
    all: bool,
    keys: std::collections::HashSet<Q>,
}

impl<Q: std::hash::Hash + Eq> Dirty<Q> {
    fn touch(&mut self, key: &Q)
    where
        Q: Clone,
    {
        if !self.all {
            self.keys.insert(key.clone());
        }
    }
}

/// Starts a watcher that keeps a [`Projected`] store of `project(object)` keyed by `key(projection)`, its
/// namespace and labels indexed and its groups' totals kept (`keeping`).
pub fn watch_projected<K, T, Q, G>(
    api: Api<K>,
    project: impl Fn(&K) -> T + Send + 'static,
    key: fn(&T) -> Q,
    keeping: Keeping<T, G>,
    cancel: CancellationToken,
) -> Projected<T, Q, G>
where
    K: kube::Resource + Clone + serde::de::DeserializeOwned + std::fmt::Debug + Send + 'static,
    T: Send + Sync + 'static,
    Q: StoreKey + Send + Sync + 'static,
    G: Tally,
{
    let store = Projected {
        contents: Arc::new(RwLock::new(Contents::new(HashMap::new(), keeping))),
        dirty: Arc::new(std::sync::Mutex::new(Dirty {
            all: true,
            keys: Default::default(),
        })),
        ready: Arc::new(AtomicBool::new(false)),
        generation: Arc::new(std::sync::atomic::AtomicU64::new(0)),
    };
    let out = store.clone();
    let stream = watcher(api, watcher::Config::default().any_semantic()).default_backoff();
    tokio::spawn(async move {
        let mut stream = std::pin::pin!(stream);
        // A relist builds a fresh map and swaps it in whole, so readers never see half a list.
        let mut pending: Option<HashMap<Q, Arc<T>>> = None;
        loop {
            let ev = tokio::select! {
                _ = cancel.cancelled() => break,
                ev = stream.next() => ev,
            };
            match ev {
                Some(Ok(watcher::Event::Init)) => pending = Some(HashMap::new()),
                Some(Ok(watcher::Event::InitApply(o))) => {
                    let t = project(&o);
                    pending
                        .get_or_insert_with(HashMap::new)
                        .insert(key(&t), Arc::new(t));
                }
                Some(Ok(watcher::Event::InitDone)) => {
                    if let Some(fresh) = pending.take() {
                        // Indexed before the lock is taken: readers wait only for the swap.
                        let fresh = Contents::new(fresh, keeping);
                        *store.contents.write().expect("projection lock") = fresh;
                    }
                    store.mark_all_changed();
                    store.ready.store(true, Ordering::Release);
                    store.generation.fetch_add(1, Ordering::AcqRel);
                }
                Some(Ok(watcher::Event::Apply(o))) => {
                    let t = project(&o);
                    let k = key(&t);
                    // Store first, then mark: a writer that takes the mark always reads the new value.
                    store
                        .contents
                        .write()
                        .expect("projection lock")
                        .insert(k.clone(), Arc::new(t));
                    store.dirty.lock().expect("projection changes").touch(&k);
                    store.generation.fetch_add(1, Ordering::AcqRel);
                }
                Some(Ok(watcher::Event::Delete(o))) => {
                    let k = key(&project(&o));
                    store.contents.write().expect("projection lock").remove(&k);
                    store.dirty.lock().expect("projection changes").touch(&k);
                    store.generation.fetch_add(1, Ordering::AcqRel);
                }
                Some(Err(e)) => tracing::debug!("watch: {e}"),
                None => break,
            }
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::intern::Labels;

    fn terms(_: &(Sym, Sym)) -> IndexTerms<'_> {
        static NONE: std::sync::LazyLock<Labels> = std::sync::LazyLock::new(|| Labels::from_map(&Default::default()));
        IndexTerms { namespace: None, node: None, labels: &NONE }
    }

    fn store(keys: &[(&str, &str)]) -> Projected<(Sym, Sym), (Sym, Sym)> {
        let items = keys
            .iter()
            .map(|(ns, n)| ((Sym::intern(ns), Sym::unique(n)), Arc::new((Sym::intern(ns), Sym::unique(n)))))
            .collect();
        Projected {
            contents: Arc::new(RwLock::new(Contents::new(items, Keeping::index(terms)))),
            dirty: Arc::new(std::sync::Mutex::new(Dirty { all: true, keys: Default::default() })),
            ready: Arc::new(AtomicBool::new(true)),
            generation: Default::default(),
        }
    }

    #[test]
    fn an_unfiltered_page_in_key_order_is_the_slice_a_full_sort_gives() {
        let s = store(&[("b", "web-2"), ("a", "web-9"), ("b", "api"), ("a", "api"), ("c", "db")]);
        let name = |t: &(Sym, Sym)| format!("{}/{}", t.0, t.1);
        assert_eq!(s.page_in_order(KeyOrder::Namespace, false, 0, 3, name), (vec!["a/api".into(), "a/web-9".into(), "b/api".into()], 5));
        assert_eq!(s.page_in_order(KeyOrder::Namespace, true, 0, 2, name).0, vec!["c/db".to_owned(), "b/web-2".to_owned()]);
        assert_eq!(s.page_in_order(KeyOrder::Name, false, 1, 3, name).0, vec!["b/api".to_owned(), "c/db".to_owned(), "b/web-2".to_owned()]);
        assert_eq!(s.page_in_order(KeyOrder::Name, true, 4, 10, name).0, vec!["a/api".to_owned()]);
        // a removed item leaves both orders; a changed one is not listed twice
        {
            let mut c = s.contents.write().unwrap();
            c.remove(&(Sym::intern("a"), Sym::unique("api")));
            c.insert((Sym::intern("b"), Sym::unique("api")), Arc::new((Sym::intern("b"), Sym::unique("api"))));
        }
        assert_eq!(s.page_in_order(KeyOrder::Name, false, 0, 10, name).0, vec!["b/api".to_owned(), "c/db".to_owned(), "b/web-2".to_owned(), "a/web-9".to_owned()]);
        assert_eq!(s.page_in_order(KeyOrder::Namespace, false, 0, 10, name).1, 4);
        assert_eq!(s.page_in_order(KeyOrder::Name, false, 0, 1, name).0, vec!["b/api".to_owned()]);
        assert_eq!(s.page_in_order(KeyOrder::Namespace, false, 0, 1, name).0, vec!["a/web-9".to_owned()]);
    }

    fn pod(ns: &str, name: &str, node: Option<&str>, phase: &str, cpu: i64) -> Arc<PodLite> {
        let p = crate::pods::test_pod(ns, name, node, phase, cpu);
        Arc::new(PodLite { memory_request: cpu << 20, cpu_limit_m: 2 * cpu, ..p })
    }

    #[test]
    fn each_nodes_load_follows_its_pods_as_they_come_change_and_go() {
        use crate::nodes::NodeLoad;
        let keeping = Keeping { terms_of: PodLite::index_terms, tally_of: PodLite::node_load };
        let start = [
            pod("a", "web-1", Some("w1"), "Running", 100),
            pod("a", "web-2", Some("w1"), "Pending", 200),
            pod("b", "db", Some("w2"), "Running", 400),
            pod("b", "done", Some("w2"), "Succeeded", 9000),
            pod("b", "unbound", None, "Pending", 50),
        ];
        let mut c = Contents::new(start.iter().map(|p| (p.store_key(), p.clone())).collect(), keeping);
        // The kept totals must always equal a count from scratch over the items.
        let check = |c: &Contents<PodLite, (Sym, Sym), NodeLoad>| {
            assert_eq!(c.totals, NodeLoad::by_node(c.items.values().map(|p| p.as_ref())));
        };
        check(&c);
        assert_eq!(c.totals.get("w1").map(|l| (l.pods, l.committed.cpu_requests_millis, l.committed.cpu_limits_millis)), Some((2, 300, 600)));
        assert_eq!(c.totals.get("w2").map(|l| l.pods), Some(1), "a finished pod holds nothing");
        // a pod that finishes, one that is bound, one that changes its requests, one that goes
        for p in [
            pod("a", "web-1", Some("w1"), "Succeeded", 100),
            pod("b", "unbound", Some("w2"), "Running", 50),
            pod("b", "db", Some("w2"), "Running", 800),
        ] {
            c.insert(p.store_key(), p);
            check(&c);
        }
        c.remove(&(Sym::intern("a"), Sym::unique("web-2")));
        check(&c);
        assert!(!c.totals.contains_key("w1"), "a node whose pods are all gone or finished has no entry");
        assert_eq!(c.totals.get("w2").map(|l| (l.pods, l.committed.cpu_requests_millis)), Some((2, 850)));
        // a finished pod that goes away changes nothing; the last active one empties the node
        c.remove(&(Sym::intern("b"), Sym::unique("done")));
        c.remove(&(Sym::intern("b"), Sym::unique("db")));
        c.remove(&(Sym::intern("b"), Sym::unique("unbound")));
        check(&c);
        assert!(c.totals.is_empty());
    }
}
