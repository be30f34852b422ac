//! The server's listeners (axum-server, TLS with rustls): one for everything, or the
//! requestor API and the app API on separate ports (`client_port`), as the reference's
//! `requestorserver.Start`. Every address is bound before any listener serves, so a busy
//! port fails the start; when one listener stops, the others stop too.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;

use super::{AppState, Routes, StaticFiles, router};

/// How long open connections may finish after a shutdown signal.
const GRACE: Duration = Duration::from_secs(1);

/// How long a client may take to send a request's headers (and an idle keep-alive
/// connection may wait for the next request). Bodies have their own deadline
/// ([`super::body::BODY_DEADLINE`]).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);

/// One listener: where, with which TLS, serving which APIs.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// Address to bind.
    pub addr: SocketAddr,
    /// TLS, when this listener speaks HTTPS.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// What it serves.
    pub routes: Routes,
}

/// Why serving failed.
#[derive(Debug, thiserror::Error)]
pub enum ListenError {
    /// An address could not be bound.
    #[error("listening at {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The OS error.
        source: std::io::Error,
    },
    /// A listener failed while serving.
    #[error("serving at {addr}: {source}")]
    Serve {
        /// The address.
        addr: SocketAddr,
        /// The error.
        source: std::io::Error,
    },
}

/// Bound listeners, not yet serving.
#[derive(Debug)]
pub struct Listeners(Vec<(Endpoint, std::net::TcpListener, SocketAddr)>);

impl Listeners {
    /// Binds every endpoint; a busy address fails here, before anything serves.
    pub fn bind(endpoints: Vec<Endpoint>) -> Result<Self, ListenError> {
        let mut bound = Vec::with_capacity(endpoints.len());
        for endpoint in endpoints {
            let addr = endpoint.addr;
            let listener = std::net::TcpListener::bind(addr)
                .and_then(|l| l.set_nonblocking(true).map(|()| l))
                .map_err(|source| ListenError::Bind { addr, source })?;
            let local = listener
                .local_addr()
                .map_err(|source| ListenError::Bind { addr, source })?;
            bound.push((endpoint, listener, local));
        }
        Ok(Self(bound))
    }

    /// The address of the listener that serves the app API.
    pub fn app_addr(&self) -> Option<SocketAddr> {
        self.0
            .iter()
            .find(|(endpoint, _, _)| endpoint.routes != Routes::Requestor)
            .map(|(_, _, local)| *local)
    }

    /// The bound addresses, in the order of the endpoints.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.0.iter().map(|(_, _, local)| *local).collect()
    }

    /// Serves every listener until `shutdown` resolves (or one of them fails); the static
    /// files go with the requestor API.
    pub async fn serve(
        self,
        state: AppState,
        api_prefix: &str,
        static_files: Option<&StaticFiles>,
        shutdown: impl Future<Output = ()>,
    ) -> Result<(), ListenError> {
        let handle: Handle<SocketAddr> = Handle::new();
        let mut tasks = tokio::task::JoinSet::new();
        for (endpoint, listener, local) in self.0 {
            let app = router(state.clone(), api_prefix, endpoint.routes, static_files);
            let make = app.into_make_service();
            let handle = handle.clone();
            let serve_err = move |source| ListenError::Serve {
                addr: local,
                source,
            };
            tracing::info!(address = %local, tls = endpoint.tls.is_some(), routes = ?endpoint.routes, "listening");
            match endpoint.tls {
                Some(tls) => {
                    let server = axum_server::tls_rustls::from_tcp_rustls(
                        listener,
                        RustlsConfig::from_config(tls),
                    )
                    .map_err(serve_err)?
                    .handle(handle);
                    let server = with_header_timeout(server);
                    tasks.spawn(async move { server.serve(make).await.map_err(serve_err) });
                }
                None => {
                    let server = axum_server::from_tcp(listener)
                        .map_err(serve_err)?
                        .handle(handle);
                    let server = with_header_timeout(server);
                    tasks.spawn(async move { server.serve(make).await.map_err(serve_err) });
                }
            }
        }
        let mut result = Ok(());
        tokio::select! {
            () = shutdown => {}
            finished = tasks.join_next() => {
                if let Some(Ok(Err(e))) = finished {
                    result = Err(e);
                }
            }
        }
        handle.graceful_shutdown(Some(GRACE));
        while let Some(finished) = tasks.join_next().await {
            if let (Ok(Err(e)), Ok(())) = (finished, &result) {
                result = Err(e);
            }
        }
        result
    }
}

/// Closes HTTP/1 connections whose request headers do not arrive within [`HEADER_TIMEOUT`].
fn with_header_timeout<A>(
    mut server: axum_server::Server<SocketAddr, A>,
) -> axum_server::Server<SocketAddr, A> {
    server
        .http_builder()
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    server
}
