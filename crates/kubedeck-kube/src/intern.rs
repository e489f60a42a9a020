//! Shared strings for the synced stores.
//!
//! A 150,000-pod cluster repeats the same few thousand strings (namespaces, node names, phases, owner names,
//! label keys and values) in every pod. Keeping one `String` per field per pod cost ≈ 3.6 KB of memory per
//! pod; holding one shared copy of each distinct string brings the projection under 1 KiB (BENCHMARKS.md).

use std::borrow::Borrow;
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::ops::Deref;
use std::sync::{Arc, LazyLock, Mutex};

/// An immutable shared string: cheap to clone, compares by content.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(Arc<str>);

struct Pool {
    strings: HashSet<Arc<str>>,
    /// Size at which unused strings are next dropped.
    next_sweep: usize,
}

static POOL: LazyLock<Mutex<Pool>> = LazyLock::new(|| {
    Mutex::new(Pool {
        strings: HashSet::new(),
        next_sweep: 4096,
    })
});

impl Sym {
    /// The pool's copy of `s` (added when new). Use for values many objects share.
    pub fn intern(s: &str) -> Sym {
        let mut pool = POOL.lock().expect("string pool");
        if let Some(a) = pool.strings.get(s) {
            return Sym(a.clone());
        }
        let a: Arc<str> = Arc::from(s);
        pool.strings.insert(a.clone());
        if pool.strings.len() >= pool.next_sweep {
            // Strings only the pool still holds (a deleted ReplicaSet's name, an old pod-template-hash) are
            // dropped once the pool has doubled, so churn cannot grow it without bound. A string whose count
            // is 1 cannot be cloned concurrently: the only way to it is through the pool, behind this lock.
            pool.strings.retain(|s| Arc::strong_count(s) > 1);
            pool.next_sweep = (pool.strings.len() * 2).max(4096);
        }
        Sym(a)
    }

    /// A string of its own, not pooled (for values no other object shares, such as pod names).
    pub fn unique(s: &str) -> Sym {
        Sym(Arc::from(s))
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Distinct strings held by the pool now (for tests and metrics).
pub fn pooled() -> usize {
    POOL.lock().expect("string pool").strings.len()
}

impl Deref for Sym {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl Borrow<str> for Sym {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for Sym {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl PartialEq<str> for Sym {
    fn eq(&self, other: &str) -> bool {
        &*self.0 == other
    }
}

impl PartialEq<&str> for Sym {
    fn eq(&self, other: &&str) -> bool {
        &*self.0 == *other
    }
}

impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&*self.0, f)
    }
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for Sym {
    fn from(s: &str) -> Sym {
        Sym::intern(s)
    }
}

impl serde::Serialize for Sym {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Sym {
    /// Read back (from the snapshot table) as a string of its own: those copies are short-lived.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Sym(Arc::from(s)))
    }
}

/// Labels as a sorted slice of pooled pairs: a `BTreeMap<String, String>` costs a 500-byte node per pod.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Labels(Box<[(Sym, Sym)]>);

impl Labels {
    /// Pooled labels from a map.
    pub fn from_map(map: &BTreeMap<String, String>) -> Labels {
        // A BTreeMap iterates in key order, which `get`'s binary search relies on.
        Labels(
            map.iter()
                .map(|(k, v)| (Sym::intern(k), Sym::intern(v)))
                .collect(),
        )
    }

    /// The value of a label.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|i| self.0[i].1.as_str())
    }

    /// The pooled pairs, in key order.
    pub fn pairs(&self) -> &[(Sym, Sym)] {
        &self.0
    }

    /// Pairs in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Number of labels.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// As an owned map (for API responses).
    pub fn to_map(&self) -> BTreeMap<String, String> {
        self.iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }
}

impl fmt::Debug for Labels {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl serde::Serialize for Labels {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(self.iter())
    }
}

impl<'de> serde::Deserialize<'de> for Labels {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = BTreeMap::<String, String>::deserialize(d)?;
        Ok(Labels(
            map.into_iter()
                .map(|(k, v)| (Sym(Arc::from(k)), Sym(Arc::from(v))))
                .collect(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interned_strings_are_shared_and_unused_ones_are_dropped() {
        let a = Sym::intern("kubedeck-test-shared");
        let b = Sym::intern("kubedeck-test-shared");
        assert!(
            Arc::ptr_eq(&a.0, &b.0),
            "the second intern returns the pool's copy"
        );
        assert_eq!(a, "kubedeck-test-shared");
        // Fill the pool past a sweep with strings nobody keeps: they go, the one still held stays.
        for i in 0..20_000 {
            Sym::intern(&format!("kubedeck-test-transient-{i}"));
        }
        assert!(
            pooled() < 20_000,
            "a sweep dropped unused strings (pool holds {})",
            pooled()
        );
        let c = Sym::intern("kubedeck-test-shared");
        assert!(
            Arc::ptr_eq(&a.0, &c.0),
            "a string still in use survives the sweep"
        );
    }

    #[test]
    fn labels_look_up_and_round_trip_like_a_map() {
        let map: BTreeMap<String, String> = [("app", "web"), ("tier", "front"), ("a", "1")]
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        let l = Labels::from_map(&map);
        assert_eq!(l.get("app"), Some("web"));
        assert_eq!(l.get("a"), Some("1"));
        assert_eq!(l.get("zzz"), None);
        assert_eq!(l.to_map(), map);
        let json = serde_json::to_string(&l).unwrap();
        assert_eq!(json, r#"{"a":"1","app":"web","tier":"front"}"#);
        assert_eq!(serde_json::from_str::<Labels>(&json).unwrap(), l);
    }
}
