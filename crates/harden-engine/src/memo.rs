//! What a run remembers about the tree (directories seen canonical,
//! repository tops, configs per folder): a map shared by the threads that
//! starts over when full, so memory does not grow with the tree.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Mutex, OnceLock};

pub(crate) struct Memo<K, V> {
    cap: usize,
    map: OnceLock<Mutex<HashMap<K, V>>>,
}

impl<K: Eq + Hash, V: Clone> Memo<K, V> {
    /// A memo of at most `cap` entries, for a `static`.
    pub(crate) const fn new(cap: usize) -> Self {
        Memo {
            cap,
            map: OnceLock::new(),
        }
    }

    fn map(&self) -> &Mutex<HashMap<K, V>> {
        self.map.get_or_init(Default::default)
    }

    pub(crate) fn get<Q>(&self, key: &Q) -> Option<V>
    where
        K: std::borrow::Borrow<Q>,
        Q: Eq + Hash + ?Sized,
    {
        self.map().lock().ok()?.get(key).cloned()
    }

    pub(crate) fn insert(&self, key: K, value: V) {
        if let Ok(mut map) = self.map().lock() {
            if map.len() >= self.cap {
                map.clear();
            }
            map.insert(key, value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn starts_over_when_full() {
        static M: Memo<u32, u32> = Memo::new(2);
        M.insert(1, 10);
        M.insert(2, 20);
        assert_eq!((M.get(&1), M.get(&2)), (Some(10), Some(20)));
        M.insert(3, 30);
        assert_eq!((M.get(&1), M.get(&2), M.get(&3)), (None, None, Some(30)));
    }
}
