//! Static files next to the API (`static_path`, `static_prefix`): the reference mounts a
//! file server for the folder under the prefix, inside the API prefix (irmago
//! `irma/server/requestorserver/server.go` `attachClientEndpoints`, `StaticFilesHandler`).

use axum::Router;
use axum::handler::HandlerWithoutStateExt;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use tower_http::services::ServeDir;

use crate::config::StaticFiles;

/// `router` with the files of `files` under their prefix. A prefix of `/` serves the
/// folder for every path no route matches; another prefix (which ends in `/`, as the
/// configuration guarantees) serves it below that prefix only. Missing files get the
/// router's plain-text 404.
pub fn mount<S>(router: Router<S>, files: &StaticFiles) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let dir = ServeDir::new(&files.path).not_found_service(super::not_found.into_service());
    let served = Router::new()
        .fallback_service(dir)
        .layer(axum::middleware::map_response(relative_redirect));
    if files.prefix == "/" {
        router.fallback_service(served)
    } else {
        router.nest_service(&files.prefix, served)
    }
}

/// The file server redirects a folder without its trailing slash to the path it saw, which
/// lacks the prefix; like Go's file server, redirect relative to the request instead
/// (`/demo/sub` → `sub/`), with its 301.
async fn relative_redirect(mut response: Response) -> Response {
    let Some(location) = response.headers().get(header::LOCATION) else {
        return response;
    };
    let Ok(location) = location.to_str() else {
        return response;
    };
    let (path, query) = match location.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (location, None),
    };
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    let relative = match query {
        Some(q) => format!("{last}/?{q}"),
        None => format!("{last}/"),
    };
    if let Ok(value) = HeaderValue::from_str(&relative) {
        response.headers_mut().insert(header::LOCATION, value);
        *response.status_mut() = StatusCode::MOVED_PERMANENTLY;
    }
    response
}
