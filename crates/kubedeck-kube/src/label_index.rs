//! Which items carry which label, which are in which namespace and which are bound to which node:
//! `key → value → item keys`. A selector with `key=value` or `key in (...)`, a namespace filter or a node filter
//! then visits only the pods that carry one of those values (or live in those namespaces, or on that node), not
//! all 150,000 of a big cluster; the filters themselves are still checked on every pod visited.

use crate::intern::{Labels, Sym};
use crate::selector::{Requirement, Selector};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::Hash;

/// The namespace is indexed as a label with the empty key, which no real label can have.
const NAMESPACE: &str = "";
/// The node is indexed as a label with a key no real label can have (parentheses are not allowed in keys).
const NODE: &str = "(node)";

/// What a store indexes of one item.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub struct IndexTerms<'a> {
    /// Its namespace (for namespaced kinds).
    pub namespace: Option<&'a Sym>,
    /// The node it is bound to (pods).
    pub node: Option<&'a Sym>,
    /// Its labels.
    pub labels: &'a Labels,
}

impl IndexTerms<'_> {
    fn pairs(&self) -> impl Iterator<Item = (&Sym, &Sym)> {
        let ns = self.namespace.map(|ns| (&*NAMESPACE_SYM, ns));
        let node = self.node.map(|n| (&*NODE_SYM, n));
        ns.into_iter()
            .chain(node)
            .chain(self.labels.pairs().iter().map(|(k, v)| (k, v)))
    }
}

static NAMESPACE_SYM: std::sync::LazyLock<Sym> =
    std::sync::LazyLock::new(|| Sym::intern(NAMESPACE));
static NODE_SYM: std::sync::LazyLock<Sym> = std::sync::LazyLock::new(|| Sym::intern(NODE));

/// What a list asks for besides its label selector, for the index to narrow by.
#[derive(Debug, Default, Clone, Copy)]
pub struct Scope<'a> {
    /// Only these namespaces (`None`: all).
    pub namespaces: Option<&'a [String]>,
    /// Only pods bound to this node (`None`: any).
    pub node: Option<&'a str>,
}

/// The index of one synced store (kept beside its items, under the same lock).
#[derive(Debug)]
pub struct LabelIndex<Q> {
    by_key: HashMap<Sym, HashMap<Sym, HashSet<Q>>>,
}

impl<Q> Default for LabelIndex<Q> {
    fn default() -> Self {
        LabelIndex {
            by_key: HashMap::new(),
        }
    }
}

impl<Q: Hash + Eq + Clone> LabelIndex<Q> {
    /// Records the item `item` under its terms.
    pub fn add(&mut self, terms: IndexTerms<'_>, item: &Q) {
        for (k, v) in terms.pairs() {
            self.by_key
                .entry(k.clone())
                .or_default()
                .entry(v.clone())
                .or_default()
                .insert(item.clone());
        }
    }

    /// Forgets `item` under `terms` (the terms it was added with). Empty sets go, so label values that come and
    /// go (a `pod-template-hash` per rollout) do not pile up.
    pub fn remove(&mut self, terms: IndexTerms<'_>, item: &Q) {
        for (k, v) in terms.pairs() {
            let Some(values) = self.by_key.get_mut(k.as_str()) else {
                continue;
            };
            if let Some(items) = values.get_mut(v.as_str()) {
                items.remove(item);
                if items.is_empty() {
                    values.remove(v.as_str());
                }
            }
            if values.is_empty() {
                self.by_key.remove(k.as_str());
            }
        }
    }

    fn carrying(&self, key: &str, value: &str) -> Option<&HashSet<Q>> {
        self.by_key.get(key)?.get(value)
    }

    /// The items that can match `selector` in `scope`, when something narrows them down: of the namespace
    /// filter, the node filter and the selector's `key=value` / `key in (...)` requirements, the one the fewest
    /// items satisfy gives the items to visit. `None` when nothing narrows (every item is a candidate).
    pub fn candidates<'a>(
        &'a self,
        selector: &'a Selector,
        scope: Scope<'a>,
    ) -> Option<Vec<&'a Q>> {
        let labels = selector.0.iter().filter_map(|r| match r {
            Requirement::In(key, values) => {
                Some((key.as_str(), values.iter().map(String::as_str).collect()))
            }
            _ => None,
        });
        let (_, sets) = scope
            .namespaces
            .map(|ns| (NAMESPACE, ns.iter().map(String::as_str).collect::<Vec<_>>()))
            .into_iter()
            .chain(scope.node.map(|n| (NODE, vec![n])))
            .chain(labels)
            .map(|(key, values)| {
                // `in (a, a)` names a value twice; each item must come once.
                let values: BTreeSet<&str> = values.into_iter().collect();
                let sets: Vec<&HashSet<Q>> = values
                    .iter()
                    .filter_map(|v| self.carrying(key, v))
                    .collect();
                (sets.iter().map(|s| s.len()).sum::<usize>(), sets)
            })
            .min_by_key(|(n, _)| *n)?;
        Some(sets.into_iter().flatten().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        Labels::from_map(
            &pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect::<BTreeMap<_, _>>(),
        )
    }

    fn ns(namespaces: &[String]) -> Scope<'_> {
        Scope {
            namespaces: Some(namespaces),
            node: None,
        }
    }

    fn sorted(v: Option<Vec<&u32>>) -> Option<Vec<u32>> {
        v.map(|v| {
            let mut v: Vec<u32> = v.into_iter().copied().collect();
            v.sort();
            v
        })
    }

    #[test]
    fn the_narrowest_equality_picks_the_candidates_and_the_rest_is_left_to_the_selector() {
        let mut idx = LabelIndex::default();
        let pods = [
            (1, labels(&[("app", "web"), ("tier", "front")])),
            (2, labels(&[("app", "web"), ("tier", "back")])),
            (3, labels(&[("app", "db"), ("tier", "back")])),
            (4, labels(&[("app", "web")])),
        ];
        for (k, l) in &pods {
            idx.add(
                IndexTerms {
                    namespace: None,
                    node: None,
                    labels: l,
                },
                k,
            );
        }
        let sel = |s: &str| Selector::parse(s).unwrap();
        let s = sel("app=web,tier=front");
        assert_eq!(
            sorted(idx.candidates(&s, Scope::default())),
            Some(vec![1]),
            "tier=front is carried by fewer pods than app=web"
        );
        let s = sel("app in (db, web, db)");
        assert_eq!(
            sorted(idx.candidates(&s, Scope::default())),
            Some(vec![1, 2, 3, 4]),
            "each pod once"
        );
        let s = sel("app=cache");
        assert_eq!(sorted(idx.candidates(&s, Scope::default())), Some(vec![]));
        // Only `=`/`in` narrow: `!=`, `notin`, exists and !exists leave every pod a candidate.
        for s in ["", "app!=web", "tier", "!tier", "tier notin (back)"] {
            assert_eq!(idx.candidates(&sel(s), Scope::default()), None, "{s}");
        }
        // A candidate is not a match: the caller still checks the whole selector.
        let s = sel("app=web,tier!=front");
        let c = sorted(idx.candidates(&s, Scope::default())).unwrap();
        assert_eq!(c, vec![1, 2, 4]);
        let matching: Vec<u32> = c
            .into_iter()
            .filter(|k| s.matches(&pods[*k as usize - 1].1))
            .collect();
        assert_eq!(matching, vec![2, 4]);
    }

    #[test]
    fn a_namespace_filter_narrows_like_a_label_and_the_narrower_wins() {
        let mut idx = LabelIndex::default();
        let (shop, ops) = (Sym::intern("shop"), Sym::intern("ops"));
        let web = labels(&[("app", "web")]);
        let db = labels(&[("app", "db")]);
        for (k, ns, l) in [
            (1u32, &shop, &web),
            (2, &shop, &web),
            (3, &shop, &db),
            (4, &ops, &web),
        ] {
            idx.add(
                IndexTerms {
                    namespace: Some(ns),
                    node: None,
                    labels: l,
                },
                &k,
            );
        }
        let sel = |s: &str| Selector::parse(s).unwrap();
        let only = |ns: &[&str]| ns.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let shop_only = only(&["shop"]);
        assert_eq!(
            sorted(idx.candidates(&sel(""), ns(&shop_only))),
            Some(vec![1, 2, 3])
        );
        // app=db (one pod) is narrower than the namespace (three).
        assert_eq!(
            sorted(idx.candidates(&sel("app=db"), ns(&shop_only))),
            Some(vec![3])
        );
        let both = only(&["ops", "shop", "ops"]);
        assert_eq!(
            sorted(idx.candidates(&sel(""), ns(&both))),
            Some(vec![1, 2, 3, 4]),
            "each pod once"
        );
        assert_eq!(
            sorted(idx.candidates(&sel(""), ns(&only(&["gone"])))),
            Some(vec![])
        );
        // No real label has the empty key, so a selector cannot reach the namespace entries.
        assert!(Selector::parse("=shop").is_err());
    }

    #[test]
    fn removing_an_item_forgets_it_and_empty_values_go() {
        let mut idx = LabelIndex::default();
        let old = labels(&[("app", "web"), ("pod-template-hash", "abc")]);
        let new = labels(&[("app", "web"), ("pod-template-hash", "def")]);
        let ns = Sym::intern("shop");
        let terms = |labels| IndexTerms {
            namespace: Some(&ns),
            node: None,
            labels,
        };
        idx.add(terms(&old), &7u32);
        idx.remove(terms(&old), &7);
        idx.add(terms(&new), &7);
        let sel = |s: &str| Selector::parse(s).unwrap();
        assert_eq!(
            sorted(idx.candidates(&sel("pod-template-hash=abc"), Scope::default())),
            Some(vec![])
        );
        assert_eq!(
            sorted(idx.candidates(&sel("pod-template-hash=def"), Scope::default())),
            Some(vec![7])
        );
        assert!(
            !idx.by_key["pod-template-hash"].contains_key("abc"),
            "the old hash's set is gone"
        );
        idx.remove(terms(&new), &7);
        assert!(idx.by_key.is_empty());
    }

    #[test]
    fn a_node_filter_visits_only_the_pods_on_that_node_and_follows_a_pod_that_gets_scheduled() {
        let mut idx = LabelIndex::default();
        let shop = Sym::intern("shop");
        let (busy, idle) = (Sym::intern("busy-node"), Sym::intern("idle-node"));
        let web = labels(&[("app", "web")]);
        let terms = |node| IndexTerms {
            namespace: Some(&shop),
            node,
            labels: &web,
        };
        for k in 0..1000u32 {
            idx.add(terms(Some(&busy)), &k);
        }
        idx.add(terms(Some(&idle)), &1000);
        idx.add(terms(None), &1001);
        let on = |node| Scope {
            namespaces: None,
            node: Some(node),
        };
        let sel = |s: &str| Selector::parse(s).unwrap();
        assert_eq!(
            sorted(idx.candidates(&sel(""), on("idle-node"))),
            Some(vec![1000])
        );
        assert_eq!(
            idx.candidates(&sel(""), on("busy-node")).unwrap().len(),
            1000
        );
        assert_eq!(sorted(idx.candidates(&sel(""), on("gone"))), Some(vec![]));
        // The narrowest wins: the idle node (one pod) over the namespace and the label (1,002 each).
        let shop_only = ["shop".to_string()];
        let both = Scope {
            namespaces: Some(&shop_only),
            node: Some("idle-node"),
        };
        assert_eq!(
            sorted(idx.candidates(&sel("app=web"), both)),
            Some(vec![1000])
        );
        // A Pending pod that gets scheduled moves from no node to its node.
        idx.remove(terms(None), &1001);
        idx.add(terms(Some(&idle)), &1001);
        assert_eq!(
            sorted(idx.candidates(&sel(""), on("idle-node"))),
            Some(vec![1000, 1001])
        );
        // No real label key has parentheses, so a selector cannot reach the node entries.
        assert!(Selector::parse("(node)=idle-node").is_err());
    }
}
