//! Session statuses as the server reports them (irmago `irma/messages.go` `ServerStatus`).

use serde::{Deserialize, Serialize};

/// The status of a session on the server.
///
/// `INITIALIZED → PAIRING → CONNECTED → DONE`, or `CANCELLED` / `TIMEOUT` from any
/// unfinished state. DONE does not mean the proofs were valid: check `proofStatus`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum ServerStatus {
    /// Started; waiting for the app.
    Initialized,
    /// The app connected and waits for the frontend to confirm the pairing code.
    Pairing,
    /// The app has the request; waiting for its answer.
    Connected,
    /// The app's answer was handled.
    Done,
    /// Cancelled by the requestor, the app, the frontend, or an error.
    Cancelled,
    /// Nobody finished the session in time.
    Timeout,
}

impl ServerStatus {
    /// Every status, in the order a session goes through them.
    pub const ALL: [Self; 6] = [
        Self::Initialized,
        Self::Pairing,
        Self::Connected,
        Self::Done,
        Self::Cancelled,
        Self::Timeout,
    ];

    /// Whether a session may go from this status to `next` in one step: the one table of
    /// the session state machine.
    pub fn can_become(self, next: Self) -> bool {
        use ServerStatus::*;
        matches!(
            (self, next),
            (Initialized, Pairing | Connected)
                | (Pairing, Connected)
                | (Connected, Done)
                | (Initialized | Pairing | Connected, Cancelled | Timeout)
        )
    }

    /// Whether `later` comes after this status in some run of the state machine (one or
    /// more steps): a watcher that missed steps still moves only forward.
    pub fn precedes(self, later: Self) -> bool {
        Self::ALL
            .iter()
            .any(|&step| self.can_become(step) && (step == later || step.precedes(later)))
    }

    /// Whether the session has ended (DONE, CANCELLED or TIMEOUT).
    pub fn is_finished(self) -> bool {
        matches!(self, Self::Done | Self::Cancelled | Self::Timeout)
    }

    /// The status name on the wire, e.g. `CONNECTED`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Initialized => "INITIALIZED",
            Self::Pairing => "PAIRING",
            Self::Connected => "CONNECTED",
            Self::Done => "DONE",
            Self::Cancelled => "CANCELLED",
            Self::Timeout => "TIMEOUT",
        }
    }
}

impl std::fmt::Display for ServerStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names() {
        assert_eq!(
            serde_json::to_string(&ServerStatus::Connected).unwrap(),
            "\"CONNECTED\""
        );
        assert_eq!(
            serde_json::from_str::<ServerStatus>("\"TIMEOUT\"").unwrap(),
            ServerStatus::Timeout
        );
        assert!(serde_json::from_str::<ServerStatus>("\"done\"").is_err());
        assert!(ServerStatus::Cancelled.is_finished() && !ServerStatus::Pairing.is_finished());
    }

    #[test]
    fn transitions() {
        use ServerStatus::*;
        assert!(Initialized.can_become(Pairing) && Pairing.can_become(Connected));
        assert!(!Pairing.can_become(Done) && !Initialized.can_become(Done));
        assert!(Pairing.precedes(Done) && Initialized.precedes(Timeout));
        for s in ServerStatus::ALL {
            assert!(!s.precedes(s), "{s}");
            // Finished statuses are final; unfinished ones can always be cancelled.
            assert_eq!(
                ServerStatus::ALL.iter().any(|&n| s.can_become(n)),
                !s.is_finished()
            );
            assert_eq!(s.can_become(Cancelled), !s.is_finished());
        }
    }
}
