//! A process-wide, thread-safe cache of [`FixedBaseTable`]s per (modulus, base), built lazily on
//! first use and evicted least-recently-used under a memory cap.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use num_bigint::BigUint;

use super::ArithError;
use super::fixed_base::{FixedBaseTable, TableParams};
use super::montgomery::Modulus;

/// Default memory cap of [`TableCache::global`]: 64 MiB, about fifty 2048-bit issuer keys.
pub const DEFAULT_CACHE_BYTES: usize = 64 << 20;

/// Fixed-base tables keyed by (modulus, base), sharing one memory cap.
///
/// Tables are built outside the lock, so two threads asking for the same new table at once may
/// both build it (the second result is kept); lookups never wait for a build.
#[derive(Debug)]
pub struct TableCache {
    capacity: AtomicUsize,
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    tables: HashMap<(Vec<u64>, Vec<u64>), Entry>,
    bytes: usize,
    clock: u64,
}

#[derive(Debug)]
struct Entry {
    table: Arc<FixedBaseTable>,
    last_used: u64,
}

impl TableCache {
    /// An empty cache holding at most `capacity_bytes` of tables.
    pub fn new(capacity_bytes: usize) -> Self {
        TableCache {
            capacity: AtomicUsize::new(capacity_bytes),
            state: Mutex::new(State::default()),
        }
    }

    /// The process-wide cache, created with [`DEFAULT_CACHE_BYTES`].
    pub fn global() -> &'static TableCache {
        static GLOBAL: OnceLock<TableCache> = OnceLock::new();
        GLOBAL.get_or_init(|| TableCache::new(DEFAULT_CACHE_BYTES))
    }

    /// Changes the memory cap, evicting least-recently-used tables until it holds.
    pub fn set_capacity(&self, capacity_bytes: usize) {
        self.capacity.store(capacity_bytes, Ordering::Relaxed);
        let mut state = self.lock();
        state.evict_to(capacity_bytes);
    }

    /// Bytes held by the cached tables.
    pub fn memory_bytes(&self) -> usize {
        self.lock().bytes
    }

    /// The table for `base` modulo `modulus`, built with `max_bits` and default
    /// [`TableParams`] when not cached. A table larger than the whole cap is returned without
    /// being kept.
    pub fn get(
        &self,
        modulus: &Modulus,
        base: &BigUint,
        max_bits: u64,
    ) -> Result<Arc<FixedBaseTable>, ArithError> {
        let key = (modulus.limbs.clone(), base.to_u64_digits());
        {
            let mut state = self.lock();
            state.clock += 1;
            let now = state.clock;
            if let Some(entry) = state.tables.get_mut(&key) {
                entry.last_used = now;
                return Ok(Arc::clone(&entry.table));
            }
        }
        let table = Arc::new(FixedBaseTable::new(
            modulus,
            base,
            max_bits,
            TableParams::default(),
        )?);
        let size = table.memory_bytes();
        let capacity = self.capacity.load(Ordering::Relaxed);
        if size <= capacity {
            let mut state = self.lock();
            state.evict_to(capacity - size);
            state.clock += 1;
            let last_used = state.clock;
            let entry = Entry {
                table: Arc::clone(&table),
                last_used,
            };
            if let Some(old) = state.tables.insert(key, entry) {
                state.bytes -= old.table.memory_bytes();
            }
            state.bytes += size;
        }
        Ok(table)
    }

    /// Locks the state; a panic in another thread cannot leave it inconsistent (every update
    /// completes before unlocking), so a poisoned lock is used as is.
    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl State {
    /// Evicts least-recently-used tables until at most `limit` bytes remain.
    fn evict_to(&mut self, limit: usize) {
        while self.bytes > limit {
            let Some(oldest) = self
                .tables
                .iter()
                .min_by_key(|(_, entry)| entry.last_used)
                .map(|(key, _)| key.clone())
            else {
                break;
            };
            if let Some(entry) = self.tables.remove(&oldest) {
                self.bytes -= entry.table.memory_bytes();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caches_evicts_lru_and_shares_across_threads() {
        let md = Modulus::new(&BigUint::from(1_000_003u32)).unwrap();
        let one_table = FixedBaseTable::new(&md, &BigUint::from(2u8), 256, TableParams::default())
            .unwrap()
            .memory_bytes();
        let cache = TableCache::new(2 * one_table);
        let (g2, g3, g5) = (BigUint::from(2u8), BigUint::from(3u8), BigUint::from(5u8));
        let t2 = cache.get(&md, &g2, 256).unwrap();
        assert!(Arc::ptr_eq(&t2, &cache.get(&md, &g2, 256).unwrap()));
        cache.get(&md, &g3, 256).unwrap();
        assert_eq!(cache.memory_bytes(), 2 * one_table);
        // Touch 2, then 5 evicts 3 (least recently used).
        cache.get(&md, &g2, 256).unwrap();
        cache.get(&md, &g5, 256).unwrap();
        assert_eq!(cache.memory_bytes(), 2 * one_table);
        assert!(Arc::ptr_eq(&t2, &cache.get(&md, &g2, 256).unwrap()));
        let t3 = cache.get(&md, &g3, 256).unwrap();
        let e = BigUint::from(77u8);
        assert_eq!(
            md.vartime_multi_pow_fixed(&[(&t3, &e)], &[]).unwrap(),
            g3.modpow(&e, md.value())
        );
        cache.set_capacity(0);
        assert_eq!(cache.memory_bytes(), 0);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    let t = TableCache::global().get(&md, &g5, 256).unwrap();
                    assert_eq!(
                        md.vartime_multi_pow_fixed(&[(&t, &e)], &[]).unwrap(),
                        g5.modpow(&e, md.value())
                    );
                });
            }
        });
    }
}
