//! [`Workers`]: the bounded pool that runs the CPU-heavy part of the app's messages
//! (parsing and verifying proofs, signing credentials) off the async runtime.
//!
//! One message runs per core at a time; a bounded number more wait for a core. A message
//! that finds the queue full is refused at once ([`Busy`]: the app may try again) rather
//! than queued without limit, so a flood of expensive proofs costs the server a fixed
//! share of its cores and a fixed amount of memory. The work itself runs on tokio's
//! blocking threads, of which at most one per core is busy with it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How many messages may wait per core (beyond the one running on it). A disclosure takes
/// about half a millisecond, so a full queue of ordinary messages waits some 16 ms; one of
/// the largest proofs the system parameters allow, a few seconds.
const QUEUE_PER_CORE: usize = 32;

/// The pool; shared by every session of an engine.
#[derive(Debug)]
pub struct Workers {
    /// Places for messages, running or waiting: a message without one is refused.
    places: Arc<Semaphore>,
    /// One per core: the messages running.
    cores: Arc<Semaphore>,
    /// How many messages started running, for the log (and the tests that read it).
    started: AtomicU64,
}

/// The pool is full: the reference's "server busy" answer, `TOO_MANY_REQUESTS`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the server is busy verifying other proofs; try again")]
pub struct Busy;

/// The work panicked (it is reported as an internal error).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the work panicked")]
pub struct Panicked;

/// A place in the pool, taken before the session is touched.
#[derive(Debug)]
pub struct Place<'a> {
    workers: &'a Workers,
    place: OwnedSemaphorePermit,
}

/// A core to run one message on, once its turn came ([`Place::core`]).
#[derive(Debug)]
pub struct Core<'a> {
    workers: &'a Workers,
    place: OwnedSemaphorePermit,
    core: OwnedSemaphorePermit,
}

impl Workers {
    /// A pool of `cores` running and `cores * QUEUE_PER_CORE` waiting messages.
    pub fn new(cores: usize) -> Self {
        let cores = cores.max(1);
        Self {
            places: Arc::new(Semaphore::new(cores.saturating_mul(QUEUE_PER_CORE + 1))),
            cores: Arc::new(Semaphore::new(cores)),
            started: AtomicU64::new(0),
        }
    }

    /// A pool sized to the cores this process may use.
    pub fn sized_to_cores() -> Self {
        Self::new(std::thread::available_parallelism().map_or(1, |n| n.get()))
    }

    /// A place for one message, if the pool has one.
    pub fn place(&self) -> Result<Place<'_>, Busy> {
        let place = Arc::clone(&self.places)
            .try_acquire_owned()
            .map_err(|_| Busy)?;
        Ok(Place {
            workers: self,
            place,
        })
    }

    /// How many messages started running so far.
    pub fn started(&self) -> u64 {
        self.started.load(Ordering::Relaxed)
    }
}

impl<'a> Place<'a> {
    /// Waits for a core.
    pub async fn core(self) -> Core<'a> {
        let Self { workers, place } = self;
        let core = loop {
            // The semaphore is never closed; were it, waiting again is all one can do.
            if let Ok(core) = Arc::clone(&workers.cores).acquire_owned().await {
                break core;
            }
        };
        Core {
            workers,
            place,
            core,
        }
    }
}

impl Core<'_> {
    /// Runs `work` on a blocking thread; the core and the place are freed when it is done.
    pub async fn run<T: Send + 'static>(
        self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Panicked> {
        let Self {
            workers,
            place,
            core,
        } = self;
        let started = workers.started.fetch_add(1, Ordering::Relaxed) + 1;
        tracing::debug!(started, "proof verification started");
        // Both are held by the work itself, which runs to the end even if nobody waits.
        let done = tokio::task::spawn_blocking(move || {
            let out = work();
            drop((core, place));
            out
        })
        .await;
        done.map_err(|_| Panicked)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One core and its queue: the places after those are refused at once, and free again
    /// once the work is done; a panic is reported, not propagated.
    #[tokio::test]
    async fn full_pools_refuse_at_once() {
        let workers = Workers::new(1);
        let held: Vec<_> = (0..=QUEUE_PER_CORE)
            .map(|_| workers.place().unwrap())
            .collect();
        assert_eq!(workers.place().unwrap_err(), Busy);
        drop(held);
        let core = workers.place().unwrap().core().await;
        assert_eq!(core.run(|| 6 * 7).await, Ok(42));
        let core = workers.place().unwrap().core().await;
        assert_eq!(
            core.run(|| panic!("in the work")).await,
            Err::<(), _>(Panicked)
        );
        assert_eq!(workers.started(), 2);
        assert!(workers.place().is_ok());
    }
}
