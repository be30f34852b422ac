//! The process's limit on open files (`RLIMIT_NOFILE`): every connection holds one. Most
//! systems start processes with a soft limit of 1024 and a much higher hard limit; like
//! Go's runtime (which irmago gets for free), the server raises the soft limit to the hard
//! one at start, and sizes its connection caps to what it got.

/// Descriptors kept for what is not a connection: files, Redis, outgoing callbacks.
const RESERVED: u64 = 256;

/// The default cap on connections per listener, when the limit allows it.
const DEFAULT_MAX_CONNECTIONS: usize = 4096;

/// Raises the soft limit on open files to the hard limit; returns the soft limit in force
/// afterwards (`None` when it cannot be read, or is unlimited).
pub fn raise_limit() -> Option<u64> {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
        let limit = getrlimit(Resource::Nofile);
        if limit.current != limit.maximum {
            let raised = Rlimit {
                current: limit.maximum,
                maximum: limit.maximum,
            };
            // Refused (say, a hard limit above the kernel's): keep the soft limit.
            if setrlimit(Resource::Nofile, raised).is_ok() {
                return limit.maximum;
            }
        }
        limit.current
    }
    #[cfg(not(unix))]
    None
}

/// The cap on connections of each of `listeners` listeners when none is configured:
/// `DEFAULT_MAX_CONNECTIONS`, or an equal share of what the open-file limit leaves when
/// that is less.
pub fn default_max_connections(limit: Option<u64>, listeners: usize) -> usize {
    let Some(limit) = limit else {
        return DEFAULT_MAX_CONNECTIONS;
    };
    let share = limit.saturating_sub(RESERVED) / u64::try_from(listeners.max(1)).unwrap_or(1);
    usize::try_from(share)
        .unwrap_or(usize::MAX)
        .clamp(1, DEFAULT_MAX_CONNECTIONS)
}

/// Whether caps of `max_connections` on `listeners` listeners may run out of descriptors
/// under `limit`.
pub fn exceeds_limit(max_connections: usize, listeners: usize, limit: Option<u64>) -> bool {
    let wanted = u64::try_from(max_connections.saturating_mul(listeners)).unwrap_or(u64::MAX);
    limit.is_some_and(|limit| wanted.saturating_add(RESERVED) > limit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_fit_the_limit() {
        assert_eq!(default_max_connections(None, 2), 4096);
        assert_eq!(default_max_connections(Some(1_048_576), 2), 4096);
        assert_eq!(default_max_connections(Some(1024), 1), 768);
        assert_eq!(default_max_connections(Some(1024), 2), 384);
        assert_eq!(default_max_connections(Some(100), 2), 1);
        assert!(!exceeds_limit(768, 1, Some(1024)));
        assert!(exceeds_limit(769, 1, Some(1024)));
        assert!(!exceeds_limit(usize::MAX, 2, None));
    }

    #[test]
    fn the_soft_limit_is_raised_to_the_hard_one() {
        let raised = raise_limit();
        #[cfg(unix)]
        {
            let limit = rustix::process::getrlimit(rustix::process::Resource::Nofile);
            assert_eq!(raised, limit.current);
            assert_eq!(limit.current, limit.maximum);
        }
        #[cfg(not(unix))]
        assert_eq!(raised, None);
    }
}
