//! The server's listeners (axum-server, TLS with rustls): one for everything, or the
//! requestor API and the app API on separate ports (`client_port`), as the reference's
//! `requestorserver.Start`. Every address is bound before any listener serves, so a busy
//! port fails the start; when one listener stops, the others stop too.
//!
//! Each listener serves at most its `max_connections` at once: it accepts a connection
//! only when it has a free place ([`CappedListener`]), so the ones above the cap wait in
//! the kernel's accept backlog instead of taking descriptors, and a flood on one listener
//! (the public app API) never starves another (the requestor API with its `/health`).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum_server::tls_rustls::{RustlsAcceptor, RustlsConfig};
use axum_server::{AddrListener, Address, Handle};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::{Routes, ServerState, StaticFiles, router};

/// How long open connections may at least finish when the server stops.
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
    /// Most connections it serves at once.
    pub max_connections: usize,
}

/// How many connections may wait in the kernel's accept queue of a listener (the kernel
/// caps it at `net.core.somaxconn`, which Go asks for): enough that a flood of new
/// connections above the cap does not overflow it, which would drop connection attempts
/// (`/health` included) for a second until the client retries.
const BACKLOG: u32 = 4096;

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
            let listener = bind(addr).map_err(|source| ListenError::Bind { addr, source })?;
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
            .find(|(endpoint, _, _)| matches!(endpoint.routes, Routes::All | Routes::App))
            .map(|(_, _, local)| *local)
    }

    /// The bound addresses, in the order of the endpoints.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.0.iter().map(|(_, _, local)| *local).collect()
    }

    /// Serves every listener until `stop` resolves to the deadline of the requests in
    /// flight (or one of the listeners fails); then the event streams end, the listeners
    /// stop accepting and the open requests finish until the deadline (at least `GRACE`).
    /// The static files go with the requestor API.
    pub async fn serve(
        self,
        state: ServerState,
        api_prefix: &str,
        static_files: Option<&StaticFiles>,
        stop: impl Future<Output = Instant>,
    ) -> Result<(), ListenError> {
        let handle: Handle<Peer> = Handle::new();
        let mut tasks = tokio::task::JoinSet::new();
        let metrics_here = !self.0.iter().any(|(e, _, _)| e.routes == Routes::Metrics);
        let lifecycle = Arc::clone(&state.lifecycle);
        for (endpoint, listener, local) in self.0 {
            let app = router(
                state.clone(),
                api_prefix,
                endpoint.routes,
                static_files,
                metrics_here,
            );
            let make = app.into_make_service();
            let handle = handle.clone();
            let serve_err = move |source| ListenError::Serve {
                addr: local,
                source,
            };
            tracing::info!(address = %local, tls = endpoint.tls.is_some(), routes = ?endpoint.routes, "listening");
            let listener = TcpListener::from_std(listener).map_err(serve_err)?;
            let capped = CappedListener {
                listener,
                places: Arc::new(Semaphore::new(endpoint.max_connections)),
            };
            let server = axum_server::Server::from_listener(capped).handle(handle);
            match endpoint.tls {
                Some(tls) => {
                    let tls = RustlsAcceptor::new(RustlsConfig::from_config(tls));
                    let server = with_header_timeout(server.acceptor(tls));
                    tasks.spawn(async move { server.serve(make).await.map_err(serve_err) });
                }
                None => {
                    let server = with_header_timeout(server);
                    tasks.spawn(async move { server.serve(make).await.map_err(serve_err) });
                }
            }
        }
        let mut result = Ok(());
        let deadline = tokio::select! {
            deadline = stop => deadline,
            finished = tasks.join_next() => {
                if let Some(Ok(Err(e))) = finished {
                    result = Err(e);
                }
                Instant::now()
            }
        };
        lifecycle.close_streams();
        let grace = deadline
            .saturating_duration_since(Instant::now())
            .max(GRACE);
        handle.graceful_shutdown(Some(grace));
        while let Some(finished) = tasks.join_next().await {
            if let (Ok(Err(e)), Ok(())) = (finished, &result) {
                result = Err(e);
            }
        }
        result
    }
}

/// Binds a non-blocking listener on `addr` with a [`BACKLOG`] (std's `bind` asks for 128).
fn bind(addr: SocketAddr) -> io::Result<std::net::TcpListener> {
    let socket = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    // As std's `bind` on Unix: a restarted server may bind while old connections linger.
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)?.into_std()
}

/// Closes HTTP/1 connections whose request headers do not arrive within [`HEADER_TIMEOUT`].
fn with_header_timeout<A>(
    mut server: axum_server::Server<Peer, A>,
) -> axum_server::Server<Peer, A> {
    server
        .http_builder()
        .http1()
        .timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(HEADER_TIMEOUT);
    server
}

/// The address of a connection's peer; its own type so that the server accepts through a
/// [`CappedListener`].
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

impl Address for Peer {
    type Stream = CappedStream;
    type Listener = CappedListener;
}

/// A TCP listener that accepts a connection only when one of its `places` is free; the
/// connection holds the place until it closes.
#[derive(Debug)]
pub struct CappedListener {
    listener: TcpListener,
    places: Arc<Semaphore>,
}

impl AddrListener<CappedStream, Peer> for CappedListener {
    async fn bind_to(addr: Peer) -> io::Result<Self> {
        // Unused: every listener is bound by `Listeners::bind` and served from there.
        Ok(Self {
            listener: TcpListener::bind(addr.0).await?,
            places: Arc::new(Semaphore::new(Semaphore::MAX_PERMITS)),
        })
    }

    async fn accept_stream(&self) -> io::Result<(CappedStream, Peer)> {
        let place = Arc::clone(&self.places)
            .acquire_owned()
            .await
            .map_err(io::Error::other)?;
        let (stream, peer) = self.listener.accept().await?;
        Ok((
            CappedStream {
                stream,
                _place: place,
            },
            Peer(peer),
        ))
    }

    fn get_local_addr(&self) -> io::Result<Peer> {
        self.listener.local_addr().map(Peer)
    }
}

/// An accepted connection with its place in the listener's cap.
#[derive(Debug)]
pub struct CappedStream {
    stream: TcpStream,
    _place: OwnedSemaphorePermit,
}

impl AsyncRead for CappedStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for CappedStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}
