//! Scheme updates while the server runs (`schemes_update` minutes; irmago
//! `AutoUpdateSchemes`). Each scheme folder is updated on disk by
//! [`crate::scheme::download::update`] (new files built aside, verified, then renamed into
//! place); when any scheme changed, the whole folder is loaded and verified again and only
//! then swapped into the engine as one `Arc`. A failed download or load keeps the schemes in
//! use, so sessions never see a half-updated scheme.
//!
//! As the reference, the first update runs right after startup, then one every period; the
//! default schemes installed from the binary are ordinary folders and are updated too.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::scheme::Configuration;
use crate::scheme::download::{DownloadOptions, update_all};
use crate::session::Sessions;

/// What one round of updates did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Round {
    /// Every scheme was up to date (or could not be reached).
    Unchanged,
    /// At least one scheme changed and the new schemes are in use.
    Swapped,
    /// A scheme changed on disk but the folder did not load; the old schemes stay in use.
    Kept(String),
}

/// Updates every scheme of the engine's current schemes once, and swaps in the reloaded
/// folder `path` when something changed.
pub async fn update_once(sessions: &Sessions, path: &Path, opts: &DownloadOptions) -> Round {
    let mut changed = false;
    for (dir, result) in update_all(&sessions.schemes(), opts).await {
        match result {
            Ok(outcome) => {
                tracing::debug!(%outcome, "scheme update");
                changed |= outcome.action == "updated";
            }
            Err(e) => tracing::warn!(scheme = %dir.display(), "scheme update failed: {e}"),
        }
    }
    if !changed {
        return Round::Unchanged;
    }
    match Configuration::load(path) {
        Ok(conf) => {
            sessions.replace_schemes(Arc::new(conf));
            tracing::info!(path = %path.display(), "schemes updated");
            Round::Swapped
        }
        Err(e) => {
            tracing::error!(path = %path.display(), "updated schemes do not load, keeping the old ones: {e}");
            Round::Kept(e.to_string())
        }
    }
}

/// Updates the schemes at `path` every `period`, forever (spawn it; abort to stop).
pub async fn run(sessions: Arc<Sessions>, path: PathBuf, period: Duration) {
    let opts = DownloadOptions::default();
    let mut interval = tokio::time::interval(period);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        update_once(&sessions, &path, &opts).await;
    }
}
