//! Server-sent status events, as the reference: an `open` event right after connecting
//! (an event without data, which browsers do not dispatch as a message), then one message
//! per status change; the stream ends after a final status. The status at subscription
//! time is not sent: clients start from the status they already know (INITIALIZED), and
//! several treat an unexpected INITIALIZED message as an unknown state
//! (irmago `irma/server/irmaserver/api.go` `subscribeServerSentEvents`,
//! `helpers.go` `serverSentEventsHandler`).
//!
//! When the server stops ([`super::shutdown`]) an open stream gets a last `shutdown` event
//! (again without data: the reference has no such event, and clients that do not know it
//! ignore it) and ends; clients then reconnect to another instance or fall back to
//! polling, as after any broken stream.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, StreamExt};
use tokio::sync::watch;

use super::ServerState;
use super::error::ApiError;
use crate::protocol::errors::ErrorKind;
use crate::protocol::status::ServerStatus;

/// An extractor that refuses status events (`SSE_DISABLED`) unless the server enables them;
/// put first, so that it answers before the session is looked at.
#[derive(Debug, Clone, Copy)]
pub struct Enabled;

impl axum::extract::FromRequestParts<ServerState> for Enabled {
    type Rejection = ApiError;

    async fn from_request_parts(
        _: &mut axum::http::request::Parts,
        state: &ServerState,
    ) -> Result<Self, ApiError> {
        if state.sse {
            Ok(Self)
        } else {
            Err(ApiError::kind(ErrorKind::SseDisabled))
        }
    }
}

/// An SSE response with each status as its JSON string (the requestor's and the app's
/// `statusevents`).
pub fn statuses(state: &ServerState, rx: watch::Receiver<ServerStatus>) -> Response {
    status_stream(state, rx, |s| async move { serde_json::to_string(&s) })
}

/// An SSE response following `rx` from its next change until a final status or until the
/// server stops; `render` makes each message's data (it may read the store, hence a
/// future).
pub fn status_stream<F, Fut>(
    state: &ServerState,
    mut rx: watch::Receiver<ServerStatus>,
    render: F,
) -> Response
where
    F: Fn(ServerStatus) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<String, serde_json::Error>> + Send,
{
    // Only changes after this point are sent.
    rx.mark_unchanged();
    let render = Arc::new(render);
    let open = stream::once(async { Ok::<Event, Infallible>(Event::default().event("open")) });
    let follow = Follow {
        rx,
        closing: state.lifecycle.closing(),
        done: false,
        _watcher: state.metrics.sse_watcher(),
    };
    let changes = stream::unfold(follow, move |mut follow| {
        let render = Arc::clone(&render);
        async move {
            if follow.done {
                return None;
            }
            tokio::select! {
                changed = follow.rx.changed() => {
                    changed.ok()?;
                    let status = *follow.rx.borrow_and_update();
                    let data = render(status).await.ok()?;
                    follow.done = status.is_finished();
                    Some((Ok(Event::default().data(data)), follow))
                }
                () = closed(&mut follow.closing) => {
                    follow.done = true;
                    Some((Ok(Event::default().event("shutdown")), follow))
                }
            }
        }
    });
    Sse::new(open.chain(changes))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}

/// Resolves when `closing` becomes true (or its server is gone).
pub(super) async fn closed(closing: &mut watch::Receiver<bool>) {
    // The guard `wait_for` returns is not `Send`: drop it here, not across an await.
    let _ = closing.wait_for(|closing| *closing).await.is_ok();
}

/// The state of one stream.
struct Follow {
    rx: watch::Receiver<ServerStatus>,
    /// Becomes true when the server stops.
    closing: watch::Receiver<bool>,
    /// A final status or the `shutdown` event was sent.
    done: bool,
    /// Counts the stream in the metrics while it lives.
    _watcher: crate::metrics::SseWatcher,
}
