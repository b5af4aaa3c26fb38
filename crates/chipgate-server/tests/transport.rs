//! The connection loop over real sockets on loopback: header-read and idle timeouts, the limit
//! on refused tokens per address, and graceful shutdown. Short timeouts keep every test under
//! a few seconds; every read has a deadline.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "tests: a failure is a test failure"
)]

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use chipgate_server::{AuthLimit, Timeouts};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

struct Server {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: JoinHandle<()>,
    app: common::TestApp,
}

async fn start(timeouts: Timeouts, limit: AuthLimit) -> Server {
    let app = common::app();
    let router = chipgate_server::router_with(app.state.clone(), limit);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(chipgate_server::transport::serve(
        listener,
        router,
        timeouts,
        async move {
            let _ = stopped.await;
        },
    ));
    Server {
        addr,
        stop: Some(stop),
        task,
        app,
    }
}

fn timeouts(header_read_ms: u64, idle_ms: u64) -> Timeouts {
    Timeouts {
        header_read: Duration::from_millis(header_read_ms),
        idle: Duration::from_millis(idle_ms),
    }
}

/// Reads until the server closes the connection; returns how long that took and what came.
async fn until_closed(stream: &mut TcpStream, limit: Duration) -> (Duration, Vec<u8>) {
    let started = Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout_at((started + limit).into(), stream.read(&mut buf)).await {
            Err(_) => panic!("the connection was still open after {limit:?}"),
            Ok(Ok(0) | Err(_)) => return (started.elapsed(), got),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// A response read from a keep-alive connection: status, headers (lowercase names), body.
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Reads one response with a `Content-Length` (every response of this server has one).
async fn read_answer(stream: &mut TcpStream) -> Answer {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + Duration::from_secs(5);
    let head_end = loop {
        if let Some(i) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = tokio::time::timeout_at(deadline.into(), stream.read(&mut buf))
            .await
            .expect("response in time")
            .unwrap();
        assert!(n > 0, "closed before a response: {}", String::from_utf8_lossy(&data));
        data.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&data[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map(|(_, v)| v.parse().unwrap())
        .expect("content-length");
    let mut body = data[head_end..].to_vec();
    while body.len() < length {
        let n = tokio::time::timeout_at(deadline.into(), stream.read(&mut buf))
            .await
            .expect("body in time")
            .unwrap();
        assert!(n > 0, "closed in the body");
        body.extend_from_slice(&buf[..n]);
    }
    Answer { status, headers, body }
}

fn get(path: &str, token: Option<&str>) -> String {
    let auth = token.map_or_else(String::new, |t| format!("Authorization: Bearer {t}\r\n"));
    format!("GET {path} HTTP/1.1\r\nHost: test\r\n{auth}\r\n")
}

async fn connect_from(local: &str, addr: SocketAddr) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{local}:0").parse().unwrap()).unwrap();
    socket.connect(addr).await.unwrap()
}

#[tokio::test]
async fn a_client_that_sends_headers_slowly_is_disconnected_after_the_header_read_timeout() {
    let server = start(timeouts(400, 10_000), AuthLimit::default()).await;
    let mut slow = TcpStream::connect(server.addr).await.unwrap();
    let started = Instant::now();
    slow.write_all(b"GET /healthz HTTP/1.1\r\n").await.unwrap();
    // Then one header line every 100 ms, never the blank line that ends the head.
    let mut closed_after = None;
    for i in 0..30 {
        if slow.write_all(format!("X-Slow-{i}: a\r\n").as_bytes()).await.is_err() {
            closed_after = Some(started.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut probe = [0u8; 64];
        if let Ok(Ok(0) | Err(_)) = tokio::time::timeout(Duration::from_millis(1), slow.read(&mut probe)).await {
            closed_after = Some(started.elapsed());
            break;
        }
    }
    let closed_after = closed_after.expect("the slow client was never disconnected");
    assert!(
        closed_after >= Duration::from_millis(300) && closed_after < Duration::from_millis(1500),
        "disconnected after {closed_after:?}, timeout 400 ms"
    );
    // A prompt client is served on the same server.
    let mut prompt = TcpStream::connect(server.addr).await.unwrap();
    prompt.write_all(get("/healthz", None).as_bytes()).await.unwrap();
    assert_eq!(read_answer(&mut prompt).await.status, 200);
}

#[tokio::test]
async fn a_connection_that_sends_nothing_is_closed_after_the_header_read_timeout() {
    let server = start(timeouts(300, 10_000), AuthLimit::default()).await;
    let mut silent = TcpStream::connect(server.addr).await.unwrap();
    let (after, got) = until_closed(&mut silent, Duration::from_secs(3)).await;
    assert!(got.is_empty());
    assert!(after >= Duration::from_millis(250), "closed after {after:?}");
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_idle_timeout_and_not_before() {
    let server = start(timeouts(5_000, 600), AuthLimit::default()).await;
    let mut client = TcpStream::connect(server.addr).await.unwrap();
    client.write_all(get("/healthz", None).as_bytes()).await.unwrap();
    assert_eq!(read_answer(&mut client).await.status, 200);
    // Idle for less than the timeout: the connection still serves.
    tokio::time::sleep(Duration::from_millis(300)).await;
    client.write_all(get("/healthz", None).as_bytes()).await.unwrap();
    assert_eq!(read_answer(&mut client).await.status, 200);
    // Then idle past it: closed, with nothing sent, about 600 ms after the last response.
    let (after, got) = until_closed(&mut client, Duration::from_secs(4)).await;
    assert!(got.is_empty(), "{}", String::from_utf8_lossy(&got));
    assert!(
        after >= Duration::from_millis(500) && after < Duration::from_millis(2500),
        "closed after {after:?}, idle timeout 600 ms"
    );
}

#[tokio::test]
async fn refused_tokens_from_one_address_get_429_with_retry_after_and_other_addresses_do_not() {
    let limit = AuthLimit {
        failures: 3,
        window: Duration::from_secs(2),
    };
    let server = start(Timeouts::default(), limit).await;
    let good = server.app.viewer.clone();
    let mut guesser = connect_from("127.0.0.1", server.addr).await;
    for _ in 0..3 {
        guesser
            .write_all(get("/v1/whoami", Some("cg_wrong")).as_bytes())
            .await
            .unwrap();
        let answer = read_answer(&mut guesser).await;
        assert_eq!(answer.status, 401, "{}", String::from_utf8_lossy(&answer.body));
    }
    // The limit is reached: 429 whatever the token, without checking it.
    for token in ["cg_wrong", good.as_str()] {
        guesser
            .write_all(get("/v1/whoami", Some(token)).as_bytes())
            .await
            .unwrap();
        let answer = read_answer(&mut guesser).await;
        assert_eq!(answer.status, 429);
        let body: serde_json::Value = serde_json::from_slice(&answer.body).unwrap();
        assert_eq!(body["code"], "too_many_auth_failures");
        let wait: u64 = answer.header("retry-after").expect("Retry-After").parse().unwrap();
        assert!((1..=2).contains(&wait), "Retry-After {wait}");
        assert_eq!(answer.header("cache-control"), Some("no-store"));
    }
    // Public routes are not limited.
    guesser.write_all(get("/healthz", None).as_bytes()).await.unwrap();
    assert_eq!(read_answer(&mut guesser).await.status, 200);
    // Another address (127.0.0.2 is loopback too) is unaffected, and counts its own refusals.
    let mut other = connect_from("127.0.0.2", server.addr).await;
    other
        .write_all(get("/v1/whoami", Some(&good)).as_bytes())
        .await
        .unwrap();
    assert_eq!(read_answer(&mut other).await.status, 200);
    other
        .write_all(get("/v1/whoami", Some("cg_wrong")).as_bytes())
        .await
        .unwrap();
    assert_eq!(read_answer(&mut other).await.status, 401);
    // After the window the first address is let in again.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    guesser
        .write_all(get("/v1/whoami", Some(&good)).as_bytes())
        .await
        .unwrap();
    assert_eq!(read_answer(&mut guesser).await.status, 200);
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_progress_and_closes_idle_connections() {
    let mut server = start(Timeouts::default(), AuthLimit::default()).await;
    let mut idle = TcpStream::connect(server.addr).await.unwrap();
    idle.write_all(get("/healthz", None).as_bytes()).await.unwrap();
    assert_eq!(read_answer(&mut idle).await.status, 200);
    // A request whose head is in but whose body is not: in progress.
    let body = br#"{"item":"nvidia-h20","destination":"CN","date":"2025-08-12"}"#;
    let mut busy = TcpStream::connect(server.addr).await.unwrap();
    let head = format!(
        "POST /v1/decide HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        server.app.officer,
        body.len()
    );
    busy.write_all(head.as_bytes()).await.unwrap();
    busy.write_all(&body[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let stopped_at = Instant::now();
    server.stop.take().unwrap().send(()).unwrap();
    // The idle connection is closed at once (within the 1 s drain grace).
    let (after, _) = until_closed(&mut idle, Duration::from_secs(3)).await;
    assert!(
        after < Duration::from_millis(1500),
        "idle connection closed after {after:?}"
    );
    // New connections are refused.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(TcpStream::connect(server.addr).await.is_err());
    // The request in progress is answered, then its connection closed.
    busy.write_all(&body[10..]).await.unwrap();
    let answer = read_answer(&mut busy).await;
    assert_eq!(answer.status, 200, "{}", String::from_utf8_lossy(&answer.body));
    until_closed(&mut busy, Duration::from_secs(3)).await;
    tokio::time::timeout(Duration::from_secs(3), server.task)
        .await
        .expect("serve returned after the last connection")
        .unwrap();
    assert!(stopped_at.elapsed() < Duration::from_secs(3));
}
