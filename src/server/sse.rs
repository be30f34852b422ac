//! Server-sent status events, as the reference: an `open` event right after connecting
//! (an event without data, which browsers do not dispatch as a message), then one message
//! per status change; the stream ends after a final status. The status at subscription
//! time is not sent: clients start from the status they already know (INITIALIZED), and
//! several treat an unexpected INITIALIZED message as an unknown state
//! (irmago `irma/server/irmaserver/api.go` `subscribeServerSentEvents`,
//! `helpers.go` `serverSentEventsHandler`).

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, StreamExt};
use tokio::sync::watch;

use crate::protocol::status::ServerStatus;

/// An SSE response following `rx` from its next change; `render` makes each message's data
/// (it may read the store, hence a future).
pub fn status_stream<F, Fut>(mut rx: watch::Receiver<ServerStatus>, render: F) -> Response
where
    F: Fn(ServerStatus) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<String, serde_json::Error>> + Send,
{
    // Only changes after this point are sent.
    rx.mark_unchanged();
    let render = Arc::new(render);
    let open = stream::once(async { Ok::<Event, Infallible>(Event::default().event("open")) });
    // State: the receiver and whether a final status was sent.
    let changes = stream::unfold((rx, false), move |(mut rx, done)| {
        let render = Arc::clone(&render);
        async move {
            if done || rx.changed().await.is_err() {
                return None;
            }
            let status = *rx.borrow_and_update();
            let data = render(status).await.ok()?;
            let event: Result<Event, Infallible> = Ok(Event::default().data(data));
            Some((event, (rx, status.is_finished())))
        }
    });
    Sse::new(open.chain(changes))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
