//! Static files next to the API (`static_path`, `static_prefix`): the reference mounts a
//! file server for the folder under the prefix, inside the API prefix (irmago
//! `irma/server/requestorserver/server.go` `attachClientEndpoints`, `StaticFilesHandler`).
//! Unlike Go's file server, a symbolic link that leads out of the folder is not followed
//! (`inside_folder`): `tower-http`'s file server has no such option, so the canonical
//! path of each request is checked first.

use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::handler::HandlerWithoutStateExt;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use percent_encoding::percent_decode_str;
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
    // A folder that cannot be resolved now serves nothing anyway.
    let root = Arc::new(std::fs::canonicalize(&files.path).unwrap_or_else(|_| files.path.clone()));
    let served = Router::new()
        .fallback_service(dir)
        .layer(axum::middleware::map_response(relative_redirect))
        .layer(axum::middleware::from_fn_with_state(root, inside_folder));
    if files.prefix == "/" {
        router.fallback_service(served)
    } else {
        router.nest_service(&files.prefix, served)
    }
}

/// Answers 404 for a path whose file (or a folder's `index.html`) resolves, through
/// symbolic links, to a place outside `root` (canonical); other requests go on to the file
/// server, which answers for paths that do not exist or climb out with `..`.
async fn inside_folder(State(root): State<Arc<PathBuf>>, request: Request, next: Next) -> Response {
    let decoded = percent_decode_str(request.uri().path()).decode_utf8_lossy();
    let mut path = root.to_path_buf();
    for part in decoded.split('/') {
        match part {
            "" | "." => {}
            // The file server refuses these itself.
            ".." => return next.run(request).await,
            part => path.push(part),
        }
    }
    for candidate in [path.join("index.html"), path] {
        if tokio::fs::symlink_metadata(&candidate).await.is_err() {
            continue;
        }
        match tokio::fs::canonicalize(&candidate).await {
            Ok(real) if real.starts_with(root.as_path()) => {}
            // A link outside, or a dangling one.
            _ => return super::not_found().await,
        }
    }
    next.run(request).await
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
