//! Server-sent status events: one event per status change, starting with the current
//! status; the stream ends after a final status.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use tokio::sync::watch;

use crate::protocol::status::ServerStatus;

/// An SSE response following `rx`; `render` makes each event's data.
pub fn status_stream<F>(rx: watch::Receiver<ServerStatus>, render: F) -> Response
where
    F: Fn(ServerStatus) -> Result<String, serde_json::Error> + Send + Sync + 'static,
{
    let render = Arc::new(render);
    // State: the receiver, whether the current value was sent, whether we are done.
    let events = stream::unfold((rx, false, false), move |(mut rx, sent, done)| {
        let render = Arc::clone(&render);
        async move {
            if done {
                return None;
            }
            if sent && rx.changed().await.is_err() {
                return None;
            }
            let status = *rx.borrow_and_update();
            let data = render(status).ok()?;
            let event: Result<Event, Infallible> = Ok(Event::default().data(data));
            Some((event, (rx, true, status.is_finished())))
        }
    });
    Sse::new(events)
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
        .into_response()
}
