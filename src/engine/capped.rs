//! A map that keeps at most a fixed number of keys, and the window of time a phone was seen
//! in: shared by the Android and the iPhone checks, so a hostile snapshot or backup (a
//! million apps, a thousand phones) cannot grow memory, and what was forgotten is counted.

use std::borrow::Borrow;
use std::collections::BTreeMap;
use std::collections::btree_map;

use crate::observation::Timestamp;

/// An ordered map of at most `cap` keys. A value for a key already kept replaces the old
/// one; a new key once the map is full is not kept, and is counted in [`CappedMap::dropped`].
#[derive(Debug)]
pub struct CappedMap<K, V> {
    map: BTreeMap<K, V>,
    cap: usize,
    dropped: u64,
}

impl<K: Ord, V> CappedMap<K, V> {
    pub fn new(cap: usize) -> Self {
        Self {
            map: BTreeMap::new(),
            cap,
            dropped: 0,
        }
    }

    /// Keep `value` under `key` (replacing the value of a key already kept); `false` when
    /// the key is new and the map is full (the value is dropped and counted).
    pub fn insert(&mut self, key: K, value: V) -> bool {
        if self.map.len() >= self.cap && !self.map.contains_key(&key) {
            self.dropped += 1;
            return false;
        }
        self.map.insert(key, value);
        true
    }

    /// The value kept under `key`, a default one when the key is new; `None` when the key
    /// is new and the map is full (counted as dropped).
    pub fn get_or_default<Q>(&mut self, key: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
        Q: Ord + ToOwned<Owned = K> + ?Sized,
        V: Default,
    {
        if !self.map.contains_key(key) {
            if self.map.len() >= self.cap {
                self.dropped += 1;
                return None;
            }
            self.map.insert(key.to_owned(), V::default());
        }
        self.map.get_mut(key)
    }

    /// How many keys were not kept because the map was full.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    pub fn contains_key<Q>(&self, key: &Q) -> bool
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.map.contains_key(key)
    }

    pub fn get<Q>(&self, key: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
        Q: Ord + ?Sized,
    {
        self.map.get(key)
    }

    /// Keys and values, in key order.
    pub fn iter(&self) -> btree_map::Iter<'_, K, V> {
        self.map.iter()
    }

    /// Values, in key order.
    pub fn values(&self) -> btree_map::Values<'_, K, V> {
        self.map.values()
    }
}

impl<'a, K, V> IntoIterator for &'a CappedMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = btree_map::Iter<'a, K, V>;

    fn into_iter(self) -> Self::IntoIter {
        self.map.iter()
    }
}

/// The first and the last time something was seen.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Seen {
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
}

impl Seen {
    /// Widen the window to take in `t` (records may come out of order).
    pub fn saw(&mut self, t: Timestamp) {
        self.first = Some(self.first.map_or(t, |f| f.min(t)));
        self.last = Some(self.last.map_or(t, |l| l.max(t)));
    }
}

/// The phones of one check: at most `cap` of them, each with the window it was seen in.
pub type Phones<P> = CappedMap<String, P>;

/// A phone's record that carries the window it was seen in.
pub trait SeenIn {
    fn seen_mut(&mut self) -> &mut Seen;
}

impl<P: Default + SeenIn> Phones<P> {
    /// The phone named `id` (a serial or a UDID), kept from now on, its window widened to
    /// `t`; `None` when it is new and the cap of phones is reached (counted as dropped).
    pub fn phone(&mut self, id: &str, t: Timestamp) -> Option<&mut P> {
        let p = self.get_or_default(id)?;
        p.seen_mut().saw(t);
        Some(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> Timestamp {
        s.parse().expect("time")
    }

    #[test]
    fn a_full_map_replaces_kept_keys_and_counts_new_ones() {
        let mut m = CappedMap::new(2);
        assert!(m.insert("a", 1));
        assert!(m.insert("b", 2));
        assert!(!m.insert("c", 3));
        assert!(m.insert("a", 4));
        assert_eq!(m.iter().collect::<Vec<_>>(), [(&"a", &4), (&"b", &2)]);
        assert_eq!(m.dropped(), 1);
    }

    #[derive(Default)]
    struct P {
        seen: Seen,
    }
    impl SeenIn for P {
        fn seen_mut(&mut self) -> &mut Seen {
            &mut self.seen
        }
    }

    #[test]
    fn phones_widen_their_window_and_stop_at_the_cap() {
        let mut phones: Phones<P> = Phones::new(1);
        assert!(phones.phone("x", at("2026-01-02T00:00:00Z")).is_some());
        assert!(phones.phone("x", at("2026-01-01T00:00:00Z")).is_some());
        assert!(phones.phone("y", at("2026-01-03T00:00:00Z")).is_none());
        let seen = phones.get("x").map(|p| p.seen).unwrap_or_default();
        assert_eq!(seen.first, Some(at("2026-01-01T00:00:00Z")));
        assert_eq!(seen.last, Some(at("2026-01-02T00:00:00Z")));
        assert_eq!(phones.dropped(), 1);
        assert_eq!(phones.len(), 1);
    }
}
