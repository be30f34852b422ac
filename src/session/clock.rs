//! The engine's clock. Servers read the system's wall clock; tests read tokio's clock from
//! a chosen moment, so that a paused runtime (`tokio::time::pause`, `advance`) moves session
//! lifetimes deterministically, and recorded messages are judged at their recording time.

use std::time::{SystemTime, UNIX_EPOCH};

/// Where the session engine reads the time.
#[derive(Debug, Clone, Copy, Default)]
pub enum Clock {
    /// The system's wall clock: what every server uses (and what a Redis store shared by
    /// several instances must use, since deadlines are compared across them).
    #[default]
    System,
    /// Tokio's clock, reading `at_ms` (Unix milliseconds) at `start`: it moves only as
    /// tokio's time moves (for one instance with the in-memory store, in tests).
    Tokio {
        /// Tokio's instant at which the clock reads `at_ms`.
        start: tokio::time::Instant,
        /// Unix milliseconds at `start`.
        at_ms: u64,
    },
}

impl Clock {
    /// Tokio's clock, reading `at_ms` (Unix milliseconds) now.
    pub fn tokio_at(at_ms: u64) -> Self {
        Self::Tokio {
            start: tokio::time::Instant::now(),
            at_ms,
        }
    }

    /// Unix time in milliseconds.
    pub fn now_ms(&self) -> u64 {
        match self {
            Self::System => system_now_ms(),
            Self::Tokio { start, at_ms } => {
                let elapsed = u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
                at_ms.saturating_add(elapsed)
            }
        }
    }

    /// Unix time in seconds.
    pub fn now_secs(&self) -> i64 {
        i64::try_from(self.now_ms() / 1000).unwrap_or(i64::MAX)
    }
}

/// The system's Unix time in milliseconds (0 before 1970).
pub fn system_now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn tokio_clock_moves_with_tokio_time_only() {
        let clock = Clock::tokio_at(1_000_000);
        assert_eq!(clock.now_ms(), 1_000_000);
        tokio::time::advance(std::time::Duration::from_millis(1500)).await;
        assert_eq!(clock.now_ms(), 1_001_500);
        assert_eq!(clock.now_secs(), 1001);
        let system = Clock::System.now_secs();
        assert!(system > 1_700_000_000, "{system}");
    }
}
