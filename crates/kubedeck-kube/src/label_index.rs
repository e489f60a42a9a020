//! Which items carry which label: `key → value → item keys`. A selector with `key=value` or `key in (...)` then
//! visits only the pods that carry one of those values, not all 150,000 of a big cluster; the selector itself is
//! still checked on every pod visited.

use crate::intern::{Labels, Sym};
use crate::selector::{Requirement, Selector};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::hash::Hash;

/// The label index of one synced store (kept beside its items, under the same lock).
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
    /// Records that the item `item` carries `labels`.
    pub fn add(&mut self, labels: &Labels, item: &Q) {
        for (k, v) in labels.pairs() {
            self.by_key
                .entry(k.clone())
                .or_default()
                .entry(v.clone())
                .or_default()
                .insert(item.clone());
        }
    }

    /// Forgets that `item` carries `labels` (the labels it was added with). Empty sets go, so label values that
    /// come and go (a `pod-template-hash` per rollout) do not pile up.
    pub fn remove(&mut self, labels: &Labels, item: &Q) {
        for (k, v) in labels.pairs() {
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

    /// The items that can match `selector`, when one of its requirements narrows them down: for the `key=value`
    /// or `key in (...)` requirement that the fewest items satisfy, the items carrying one of its values. `None`
    /// when no requirement narrows (every item is a candidate).
    pub fn candidates<'a>(&'a self, selector: &'a Selector) -> Option<Vec<&'a Q>> {
        let (_, sets) = selector
            .0
            .iter()
            .filter_map(|r| match r {
                Requirement::In(key, values) => {
                    // `in (a, a)` names a value twice; each item must come once.
                    let values: BTreeSet<&str> = values.iter().map(String::as_str).collect();
                    let sets: Vec<&HashSet<Q>> = values
                        .iter()
                        .filter_map(|v| self.carrying(key, v))
                        .collect();
                    Some((sets.iter().map(|s| s.len()).sum::<usize>(), sets))
                }
                _ => None,
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
            idx.add(l, k);
        }
        let sel = |s: &str| Selector::parse(s).unwrap();
        let s = sel("app=web,tier=front");
        assert_eq!(
            sorted(idx.candidates(&s)),
            Some(vec![1]),
            "tier=front is carried by fewer pods than app=web"
        );
        let s = sel("app in (db, web, db)");
        assert_eq!(
            sorted(idx.candidates(&s)),
            Some(vec![1, 2, 3, 4]),
            "each pod once"
        );
        let s = sel("app=cache");
        assert_eq!(sorted(idx.candidates(&s)), Some(vec![]));
        // Only `=`/`in` narrow: `!=`, `notin`, exists and !exists leave every pod a candidate.
        for s in ["", "app!=web", "tier", "!tier", "tier notin (back)"] {
            assert_eq!(idx.candidates(&sel(s)), None, "{s}");
        }
        // A candidate is not a match: the caller still checks the whole selector.
        let s = sel("app=web,tier!=front");
        let c = sorted(idx.candidates(&s)).unwrap();
        assert_eq!(c, vec![1, 2, 4]);
        let matching: Vec<u32> = c
            .into_iter()
            .filter(|k| s.matches(&pods[*k as usize - 1].1))
            .collect();
        assert_eq!(matching, vec![2, 4]);
    }

    #[test]
    fn removing_an_item_forgets_it_and_empty_values_go() {
        let mut idx = LabelIndex::default();
        let old = labels(&[("app", "web"), ("pod-template-hash", "abc")]);
        let new = labels(&[("app", "web"), ("pod-template-hash", "def")]);
        idx.add(&old, &7u32);
        idx.remove(&old, &7);
        idx.add(&new, &7);
        let sel = |s: &str| Selector::parse(s).unwrap();
        assert_eq!(
            sorted(idx.candidates(&sel("pod-template-hash=abc"))),
            Some(vec![])
        );
        assert_eq!(
            sorted(idx.candidates(&sel("pod-template-hash=def"))),
            Some(vec![7])
        );
        assert!(
            !idx.by_key["pod-template-hash"].contains_key("abc"),
            "the old hash's set is gone"
        );
        idx.remove(&new, &7);
        assert!(idx.by_key.is_empty());
    }
}
