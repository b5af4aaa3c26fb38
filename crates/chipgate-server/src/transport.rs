//! The connection loop: accepts TCP connections and serves HTTP/1.1 on each with hyper,
//! closing connections that hold the server without asking anything.
//!
//! `axum::serve` has no timeouts, and hyper's own header-read timeout also runs while a
//! keep-alive connection waits for its next request, so the two timeouts are kept here, per
//! connection, in the manner of Go's `ReadHeaderTimeout` and `IdleTimeout`:
//!
//! - **header read** (default 10 s): a request's headers must be complete this long after its
//!   first byte arrived, and a new connection must send a whole request head this long after
//!   it was accepted. A client that sends headers slowly (slowloris) is disconnected.
//! - **idle** (default 60 s): a keep-alive connection with no request in progress is closed
//!   this long after its last response was written.
//!
//! While a request is being handled (from its complete head until its response body has been
//! written) neither applies. Each connection also knows the client's address
//! ([`axum::extract::ConnectInfo`]), for the failed-authentication limit.
//!
//! Shutdown (Ctrl-C, SIGTERM): the listener closes, connections without a request in progress
//! close at once, and the others finish their request first (hyper's graceful shutdown).

use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, Response};
use axum::Router;
use hyper::body::{Frame, Incoming, SizeHint};
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tower::Service;

/// How long a connection may take to send a request head, and stay idle between requests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// From a request's first byte (or the connection's acceptance) to its complete headers.
    pub header_read: Duration,
    /// From the end of a response to the next request's first byte on a keep-alive connection.
    pub idle: Duration,
}

impl Default for Timeouts {
    /// 10 s to send headers, 60 s idle.
    fn default() -> Self {
        Timeouts {
            header_read: Duration::from_secs(10),
            idle: Duration::from_secs(60),
        }
    }
}

/// Marks "no head in progress" in [`ConnState::head_since`].
const NO_HEAD: u64 = u64::MAX;

/// What one connection is doing, shared by its socket wrapper, its service and its task.
/// Times are milliseconds since the connection was accepted.
#[derive(Debug)]
struct ConnState {
    accepted: Instant,
    /// Requests whose head is complete and whose response is not written yet.
    in_flight: AtomicU32,
    /// When the first byte of the request head being read arrived, or [`NO_HEAD`].
    head_since: AtomicU64,
    /// When the last response was written.
    idle_since: AtomicU64,
}

impl ConnState {
    fn new() -> ConnState {
        ConnState {
            accepted: Instant::now(),
            in_flight: AtomicU32::new(0),
            // A new connection is reading its first head from the start.
            head_since: AtomicU64::new(0),
            idle_since: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        u64::try_from(self.accepted.elapsed().as_millis()).unwrap_or(u64::MAX - 1)
    }

    /// Bytes arrived: if no request is in progress, a new head has begun.
    fn read(&self) {
        if self.in_flight.load(Ordering::Relaxed) == 0 && self.head_since.load(Ordering::Relaxed) == NO_HEAD {
            self.head_since.store(self.now(), Ordering::Relaxed);
        }
    }

    /// A head is complete: the request goes to the router.
    fn started(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        self.head_since.store(NO_HEAD, Ordering::Relaxed);
    }

    /// A response body has been written (or dropped).
    fn finished(&self) {
        self.idle_since.store(self.now(), Ordering::Relaxed);
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
    }

    /// When the last response was written (the connection's start if none was).
    fn idle_at(&self) -> Instant {
        self.accepted + Duration::from_millis(self.idle_since.load(Ordering::Relaxed))
    }

    fn busy(&self) -> bool {
        self.in_flight.load(Ordering::Relaxed) > 0
    }

    /// When the connection is to be closed, if nothing happens before: `None` while busy.
    fn deadline(&self, timeouts: Timeouts) -> Option<Instant> {
        if self.busy() {
            return None;
        }
        let head = self.head_since.load(Ordering::Relaxed);
        Some(if head == NO_HEAD {
            self.idle_at() + timeouts.idle
        } else {
            self.accepted + Duration::from_millis(head) + timeouts.header_read
        })
    }
}

/// The socket, noting when bytes arrive.
struct WatchedIo {
    stream: TcpStream,
    state: Arc<ConnState>,
}

impl AsyncRead for WatchedIo {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        let polled = Pin::new(&mut this.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            this.state.read();
        }
        polled
    }
}

impl AsyncWrite for WatchedIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().stream).poll_shutdown(cx)
    }
}

/// Marks the request finished when the response body is dropped (hyper drops it once written,
/// or when the connection fails).
struct Finished(Arc<ConnState>);

impl Drop for Finished {
    fn drop(&mut self) {
        self.0.finished();
    }
}

/// A response body that tells the connection when it has been written.
struct TrackedBody {
    body: Body,
    _finished: Finished,
}

impl http_body::Body for TrackedBody {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        Pin::new(&mut self.get_mut().body).poll_frame(cx)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}

/// The router as hyper's service for one connection.
#[derive(Clone)]
struct ConnService {
    router: Router,
    peer: SocketAddr,
    state: Arc<ConnState>,
}

type ResponseFuture = Pin<Box<dyn Future<Output = Result<Response<TrackedBody>, Infallible>> + Send>>;

impl hyper::service::Service<Request<Incoming>> for ConnService {
    type Response = Response<TrackedBody>;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        self.state.started();
        let finished = Finished(Arc::clone(&self.state));
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(self.peer));
        let mut router = self.router.clone();
        Box::pin(async move {
            let response = router.call(request).await?;
            Ok(response.map(|body| TrackedBody {
                body,
                _finished: finished,
            }))
        })
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then waits for the requests in
/// progress.
pub async fn serve(listener: TcpListener, app: Router, timeouts: Timeouts, shutdown: impl Future<Output = ()>) {
    let (stop, stopping) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    if !is_connection_error(&e) {
                        // Out of file descriptors and the like: wait instead of spinning.
                        tracing::error!("accepting a connection: {e}");
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(stream, peer, app.clone(), timeouts, stopping.clone()));
    }
    drop(listener);
    drop(stopping);
    tracing::info!("stopping: finishing the requests in progress");
    // Every connection holds a receiver: this returns when the last one has closed.
    stop.send_replace(());
    stop.closed().await;
}

fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}

/// Why a connection's task ended early.
enum Cut {
    HeaderRead,
    Idle,
    Shutdown,
}

/// How long, after shutdown began, a connection without a request in progress may still
/// finish writing its last response or send the head of one more request.
const DRAIN_GRACE: Duration = Duration::from_secs(1);

async fn connection(
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
    timeouts: Timeouts,
    stopping: watch::Receiver<()>,
) {
    let state = Arc::new(ConnState::new());
    let io = TokioIo::new(WatchedIo {
        stream,
        state: Arc::clone(&state),
    });
    let service = ConnService {
        router,
        peer,
        state: Arc::clone(&state),
    };
    let mut builder = hyper::server::conn::http1::Builder::new();
    // The timeouts are kept here (see the module's comment), not by hyper.
    builder.header_read_timeout(None);
    let mut conn = std::pin::pin!(builder.serve_connection(io, service));
    // Held for the whole task: the server waits until every connection has dropped its own.
    let _alive = stopping.clone();
    let mut signal = std::pin::pin!(async move {
        let mut stopping = stopping;
        let _ = stopping.changed().await;
    });
    let mut timer = std::pin::pin!(tokio::time::sleep_until((Instant::now() + timeouts.header_read).into()));
    let mut drain_by: Option<Instant> = None;
    // One future for the connection, its deadline and the shutdown signal: every change of
    // the connection's state happens while hyper polls it, so the deadline is recomputed
    // right after each poll.
    let outcome = std::future::poll_fn(|cx| {
        if let Poll::Ready(result) = conn.as_mut().poll(cx) {
            if let Err(e) = result {
                tracing::debug!(%peer, "connection: {e}");
            }
            return Poll::Ready(None);
        }
        if drain_by.is_none() && signal.as_mut().poll(cx).is_ready() {
            // No new request after this one; an idle connection closes now.
            conn.as_mut().graceful_shutdown();
            drain_by = Some(Instant::now() + DRAIN_GRACE);
            if conn.as_mut().poll(cx).is_ready() {
                return Poll::Ready(None);
            }
        }
        let deadline = match (state.deadline(timeouts), drain_by) {
            // Shutting down: close soon, but leave a response that just ended time to be sent.
            (Some(d), Some(drain)) => Some(d.min(drain.max(state.idle_at() + DRAIN_GRACE))),
            (d, _) => d,
        };
        // While a request is in progress there is no deadline and the timer is left alone.
        let Some(deadline) = deadline else {
            return Poll::Pending;
        };
        if timer.deadline().into_std() != deadline {
            timer.as_mut().reset(deadline.into());
        }
        if timer.as_mut().poll(cx).is_ready() {
            let cut = if drain_by.is_some() {
                Cut::Shutdown
            } else if state.head_since.load(Ordering::Relaxed) != NO_HEAD {
                Cut::HeaderRead
            } else {
                Cut::Idle
            };
            return Poll::Ready(Some(cut));
        }
        Poll::Pending
    })
    .await;
    match outcome {
        Some(Cut::HeaderRead) => {
            tracing::debug!(%peer, "closed: request head not complete within the header-read timeout");
        }
        Some(Cut::Idle) => tracing::debug!(%peer, "closed: idle"),
        Some(Cut::Shutdown) => tracing::debug!(%peer, "closed: shutting down"),
        None => {}
    }
    // `_alive` is dropped with the task: the server knows this connection is done.
}
