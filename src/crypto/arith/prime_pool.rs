//! Primes for the issuer's `e`, found ahead of time.
//!
//! The search for `e` is most of an issuance's work (gabi spends 60% of it there, we about as
//! much with 1024-bit keys) yet needs nothing of the request. One background thread keeps up
//! to [`READY`] primes per range ready, for at most [`MAX_RANGES`] ranges, so that an
//! issuance on the request path only takes one; each prime is handed out once. When none is
//! ready (a burst of issuances), or the range is not pooled, the caller searches itself, as
//! without the pool. The thread sleeps while every range is full.
//!
//! # Never in the way of requests
//! The memory is bounded (at most `MAX_RANGES · READY` primes) and so is the CPU: one
//! thread, which on Linux runs under the `SCHED_IDLE` policy (sched(7)): the kernel gives it
//! a core only when no ordinary thread wants one. On a busy server it therefore stops, and
//! issuances search inline at normal priority, exactly as without a pool; once the load
//! drops it refills. Elsewhere it runs at normal priority.

use std::collections::HashMap;
use std::sync::{Condvar, Mutex, MutexGuard, OnceLock, PoisonError};

use num_bigint::BigUint;

use super::ArithError;
use super::prime::{check_range, random_prime_in_range};

/// Primes kept ready per range.
pub const READY: usize = 8;

/// Ranges the pool keeps primes for (gabi's parameters have three: one per key size).
pub const MAX_RANGES: usize = 8;

/// A range `[2^start, 2^start + 2^length)`.
type Range = (u64, u64);

#[derive(Default)]
struct Pool {
    ready: Mutex<HashMap<Range, Vec<BigUint>>>,
    wanted: Condvar,
    /// The worker's kernel thread id, once it runs (for tests of its scheduling policy).
    #[cfg(target_os = "linux")]
    worker_tid: std::sync::atomic::AtomicI32,
}

impl Pool {
    fn lock(&self) -> MutexGuard<'_, HashMap<Range, Vec<BigUint>>> {
        // The map only holds finished primes; a panic elsewhere cannot leave it half-written.
        self.ready.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The worker: fills the emptiest range that is not full, or sleeps until asked.
    fn fill(&self) {
        #[cfg(target_os = "linux")]
        self.worker_tid
            .store(idle_priority(), std::sync::atomic::Ordering::Relaxed);
        loop {
            let range = {
                let mut ready = self.lock();
                loop {
                    let wanted = ready
                        .iter()
                        .filter(|(_, primes)| primes.len() < READY)
                        .min_by_key(|(_, primes)| primes.len())
                        .map(|(range, _)| *range);
                    match wanted {
                        Some(range) => break range,
                        None => {
                            ready = self
                                .wanted
                                .wait(ready)
                                .unwrap_or_else(PoisonError::into_inner)
                        }
                    }
                }
            };
            // Ranges are validated before they enter the map, so this only fails when the
            // random source does; then the callers' own searches report it.
            let Ok(prime) = random_prime_in_range(range.0, range.1) else {
                return;
            };
            if let Some(primes) = self.lock().get_mut(&range) {
                primes.push(prime);
            }
        }
    }
}

/// Puts the calling thread under `SCHED_IDLE` (best effort: if the kernel refuses, it stays
/// at normal priority); returns its thread id.
#[cfg(target_os = "linux")]
fn idle_priority() -> i32 {
    let param = libc::sched_param { sched_priority: 0 };
    // SAFETY: `sched_setscheduler` with pid 0 changes only the calling thread and reads
    // `param`, a valid `sched_param` that outlives the call; `gettid` has no preconditions.
    unsafe {
        libc::sched_setscheduler(0, libc::SCHED_IDLE, &param);
        libc::gettid()
    }
}

/// The ranges' entry in `ready`, unless the pool already keeps [`MAX_RANGES`] others.
fn pooled(ready: &mut HashMap<Range, Vec<BigUint>>, range: Range) -> Option<&mut Vec<BigUint>> {
    if ready.len() >= MAX_RANGES && !ready.contains_key(&range) {
        return None;
    }
    Some(ready.entry(range).or_default())
}

/// The pool, with its worker started on first use (without a worker, callers search inline).
fn pool() -> &'static Pool {
    static POOL: OnceLock<&'static Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let pool: &'static Pool = Box::leak(Box::default());
        let _ = std::thread::Builder::new()
            .name("irma-prime-pool".into())
            .spawn(|| pool.fill());
        pool
    })
}

/// Asks the pool to keep primes of this range ready (say, when an issuer key is loaded), so
/// that even the first issuance finds one.
pub fn prepare_primes(start: u64, length: u64) -> Result<(), ArithError> {
    check_range(start, length)?;
    let pool = pool();
    pooled(&mut pool.lock(), (start, length));
    pool.wanted.notify_one();
    Ok(())
}

/// A random probable prime in `[2^start, 2^start + 2^length)` as [`random_prime_in_range`]
/// draws it: one found ahead of time when ready, else searched now.
pub fn pooled_prime_in_range(start: u64, length: u64) -> Result<BigUint, ArithError> {
    check_range(start, length)?;
    let pool = pool();
    let taken = pooled(&mut pool.lock(), (start, length)).and_then(Vec::pop);
    pool.wanted.notify_one();
    match taken {
        Some(prime) => Ok(prime),
        None => random_prime_in_range(start, length),
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use num_traits::One;

    use super::*;
    use crate::crypto::arith::is_probable_prime;

    #[test]
    fn primes_come_from_the_pool_once_each_and_in_range() {
        let (start, length) = (200, 40);
        prepare_primes(start, length).unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while pool().lock()[&(start, length)].len() < READY {
            assert!(Instant::now() < deadline, "the pool did not fill");
            std::thread::sleep(Duration::from_millis(5));
        }
        let bottom = BigUint::one() << start;
        let top = &bottom + (BigUint::one() << length);
        let mut seen = Vec::new();
        for _ in 0..2 * READY {
            let p = pooled_prime_in_range(start, length).unwrap();
            assert!(p >= bottom && p < top && is_probable_prime(&p));
            assert!(!seen.contains(&p), "a prime was handed out twice");
            seen.push(p);
        }
    }

    #[test]
    fn bad_ranges_are_refused_before_entering_the_pool() {
        assert!(pooled_prime_in_range(100, 8).is_err());
        assert!(prepare_primes(2 << 20, 100).is_err());
        assert!(!pool().lock().contains_key(&(100, 8)));
    }

    #[test]
    fn the_pool_keeps_a_bounded_number_of_ranges() {
        let mut ready = HashMap::new();
        for start in 0..MAX_RANGES as u64 {
            assert!(pooled(&mut ready, (100 + start, 20)).is_some());
        }
        // A further range is not pooled (its callers search inline); known ones still are.
        assert!(pooled(&mut ready, (50, 20)).is_none());
        assert!(pooled(&mut ready, (100, 20)).is_some());
        assert_eq!(ready.len(), MAX_RANGES);
    }

    /// The worker only takes otherwise idle CPU time.
    #[cfg(target_os = "linux")]
    #[test]
    fn the_worker_runs_at_idle_priority() {
        let deadline = Instant::now() + Duration::from_secs(30);
        let tid = loop {
            let tid = pool().worker_tid.load(std::sync::atomic::Ordering::Relaxed);
            if tid != 0 {
                break tid;
            }
            assert!(Instant::now() < deadline, "the worker did not start");
            std::thread::sleep(Duration::from_millis(5));
        };
        // SAFETY: `sched_getscheduler` only reads the policy of thread `tid`.
        let policy = unsafe { libc::sched_getscheduler(tid) };
        assert_eq!(policy, libc::SCHED_IDLE);
    }
}
