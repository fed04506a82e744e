//! The edge of the server, spoken to over raw TCP: slow clients are cut off within their bounds,
//! oversized requests are refused at once, and every answer given before the router (ours or
//! hyper's own) carries the JSON error shape. Graceful shutdown still lets requests finish.

use crate::{Backend, TestServer};
use axum::Router;
use axum::routing::get;
use serde_json::Value;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

fn short(header_read: u64, body_read: u64) -> api::Limits {
    api::Limits {
        header_read: Duration::from_secs(header_read),
        body_read: Duration::from_secs(body_read),
        ..api::Limits::default()
    }
}

async fn connect(base: &str) -> TcpStream {
    TcpStream::connect(base.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// An answer read to the end of the connection: status, lower-case head, JSON body.
struct Answer {
    status: u16,
    head: String,
    json: Value,
}

impl Answer {
    /// Asserts the JSON error shape with this code, and that the server closes the connection.
    fn assert_error(&self, status: u16, code: &str) {
        assert_eq!(self.status, status, "{}", self.head);
        assert!(
            self.head.contains("content-type: application/json"),
            "{}",
            self.head
        );
        assert!(self.head.contains("connection: close"), "{}", self.head);
        assert_eq!(self.json["error"]["code"], code, "{}", self.json);
        assert!(self.json["error"]["message"].as_str().is_some());
    }
}

/// Reads until the server closes the connection (all answers here close it), within `limit`.
async fn read_answer(stream: &mut TcpStream, limit: Duration) -> Answer {
    let mut raw = Vec::new();
    tokio::time::timeout(limit, stream.read_to_end(&mut raw))
        .await
        .expect("the server neither answered nor closed the connection in time")
        .unwrap();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Answer {
        status,
        head: head.to_lowercase(),
        json: serde_json::from_str(body).unwrap_or(Value::Null),
    }
}

/// Sends `raw` as is and reads the answer.
async fn exchange(base: &str, raw: &[u8]) -> Answer {
    let mut stream = connect(base).await;
    stream.write_all(raw).await.unwrap();
    read_answer(&mut stream, Duration::from_secs(5)).await
}

#[tokio::test]
async fn trickled_headers_are_cut_off_at_the_header_bound() {
    let s = TestServer::start_with(Backend::Sqlite, short(1, 10)).await;
    let mut stream = connect(&s.base).await;
    let started = Instant::now();
    stream
        .write_all(b"GET /health HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    // One header line every 200 ms, for up to 6 s, never finishing the head.
    let (mut reader, mut writer) = stream.into_split();
    let trickle = tokio::spawn(async move {
        for i in 0..30 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if writer
                .write_all(format!("x-{i}: y\r\n").as_bytes())
                .await
                .is_err()
            {
                return;
            }
        }
    });
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), reader.read_to_end(&mut buf)).await;
    let elapsed = started.elapsed();
    trickle.abort();
    assert!(
        matches!(read, Ok(Ok(0)) | Ok(Err(_))),
        "still open after {elapsed:?}"
    );
    assert!(buf.is_empty(), "{}", String::from_utf8_lossy(&buf));
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(4),
        "closed after {elapsed:?}"
    );
}

#[tokio::test]
async fn a_huge_content_length_is_refused_at_once() {
    // With the default limits the body could take 10 s: the answer must not wait for it.
    let s = TestServer::start(Backend::Sqlite).await;
    let (_, token) = s.owner(1, "Owner").await;
    let mut stream = connect(&s.base).await;
    let started = Instant::now();
    let head = format!(
        "POST /api/v1/sites HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {token}\r\n\
         content-type: application/json\r\ncontent-length: 10000000000\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let answer = read_answer(&mut stream, Duration::from_secs(5)).await;
    answer.assert_error(413, "payload_too_large");
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    // Nothing was created.
    assert_eq!(
        s.get("/api/v1/sites", &token).await.json,
        serde_json::json!([])
    );
}

#[tokio::test]
async fn a_trickled_body_is_cut_off_at_the_body_bound() {
    let s = TestServer::start_with(Backend::Sqlite, short(10, 1)).await;
    let (_, token) = s.owner(1, "Owner").await;
    let mut stream = connect(&s.base).await;
    let head = format!(
        "POST /api/v1/sites HTTP/1.1\r\nhost: x\r\nauthorization: Bearer {token}\r\n\
         content-type: application/json\r\ncontent-length: 200\r\n\r\n{{\"name\":"
    );
    let started = Instant::now();
    stream.write_all(head.as_bytes()).await.unwrap();
    let (mut reader, mut writer) = stream.into_split();
    let trickle = tokio::spawn(async move {
        for _ in 0..30 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if writer.write_all(b" ").await.is_err() {
                return;
            }
        }
    });
    let mut raw = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), reader.read_to_end(&mut raw)).await;
    let elapsed = started.elapsed();
    trickle.abort();
    assert!(matches!(read, Ok(Ok(_))), "still open after {elapsed:?}");
    let text = String::from_utf8_lossy(&raw).to_lowercase();
    assert!(text.starts_with("http/1.1 408"), "{text}");
    assert!(text.contains("connection: close"), "{text}");
    assert!(text.contains("\"code\":\"request_timeout\""), "{text}");
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(4),
        "cut after {elapsed:?}"
    );
    assert_eq!(
        s.get("/api/v1/sites", &token).await.json,
        serde_json::json!([])
    );
}

/// A server of one route that answers after `delay`, with the given request bound.
async fn slow_server(
    delay: Duration,
    request: Duration,
) -> (
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<std::io::Result<()>>,
) {
    let router = Router::new().route(
        "/slow",
        get(move || async move {
            tokio::time::sleep(delay).await;
            "done"
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let limits = api::Limits {
        request,
        ..api::Limits::default()
    };
    let task = tokio::spawn(api::serve_with(
        listener,
        router,
        async {
            let _ = rx.await;
        },
        limits,
    ));
    (base, tx, task)
}

#[tokio::test]
async fn an_answer_over_the_request_bound_is_a_json_503() {
    let (base, _stop, _task) = slow_server(Duration::from_secs(60), Duration::from_secs(1)).await;
    let started = Instant::now();
    let r = reqwest::get(format!("{base}/slow")).await.unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(r.headers()["content-type"], "application/json");
    let json: Value = r.json().await.unwrap();
    assert_eq!(json["error"]["code"], "timeout");
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn requests_in_flight_finish_on_shutdown() {
    let (base, stop, task) = slow_server(Duration::from_millis(500), Duration::from_secs(30)).await;
    let request = tokio::spawn(reqwest::get(format!("{base}/slow")));
    tokio::time::sleep(Duration::from_millis(150)).await;
    stop.send(()).unwrap();
    let r = request.await.unwrap().unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "done");
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("the server did not stop")
        .unwrap()
        .unwrap();
    assert!(
        TcpStream::connect(base.trim_start_matches("http://"))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn heads_over_our_limits_answer_json_before_the_router() {
    let s = TestServer::start(Backend::Sqlite).await;
    let long = format!(
        "GET /health?q={} HTTP/1.1\r\nhost: x\r\n\r\n",
        "a".repeat(9000)
    );
    exchange(&s.base, long.as_bytes())
        .await
        .assert_error(414, "uri_too_long");

    let mut many = String::from("GET /health HTTP/1.1\r\nhost: x\r\n");
    for i in 0..70 {
        many.push_str(&format!("x-{i}: y\r\n"));
    }
    many.push_str("\r\n");
    exchange(&s.base, many.as_bytes())
        .await
        .assert_error(431, "headers_too_large");

    let big = format!(
        "GET /health HTTP/1.1\r\nhost: x\r\nx-big: {}\r\n\r\n",
        "v".repeat(20 * 1024)
    );
    exchange(&s.base, big.as_bytes())
        .await
        .assert_error(431, "headers_too_large");

    // Just under the limits is served.
    let fine = format!(
        "GET /health HTTP/1.1\r\nhost: x\r\nconnection: close\r\nx-big: {}\r\n\r\n",
        "v".repeat(8 * 1024)
    );
    let answer = exchange(&s.base, fine.as_bytes()).await;
    assert_eq!(answer.status, 200, "{}", answer.head);
}

#[tokio::test]
async fn requests_hyper_refuses_by_itself_answer_json() {
    let s = TestServer::start(Backend::Sqlite).await;
    for (raw, status, code) in [
        (&b"GARBAGE\r\n\r\n"[..], 400, "bad_request"),
        (
            b"GET /health HTTP/1.1\r\nno colon here\r\n\r\n",
            400,
            "bad_request",
        ),
        (
            b"POST /api/v1/sites HTTP/1.1\r\nhost: x\r\ncontent-length: abc\r\n\r\n",
            400,
            "bad_request",
        ),
        (
            b"GET /he\x01lth HTTP/1.1\r\nhost: x\r\n\r\n",
            400,
            "bad_request",
        ),
    ] {
        let answer = exchange(&s.base, raw).await;
        answer.assert_error(status, code);
    }
    // More headers than hyper parses at all (100): it answers 431 itself, before our check.
    let mut many = String::from("GET /health HTTP/1.1\r\nhost: x\r\n");
    for i in 0..120 {
        many.push_str(&format!("x-{i}: y\r\n"));
    }
    many.push_str("\r\n");
    exchange(&s.base, many.as_bytes())
        .await
        .assert_error(431, "headers_too_large");
    // The server goes on serving.
    let r = s.call(reqwest::Method::GET, "/health", None, None).await;
    assert_eq!(r.status, reqwest::StatusCode::OK);
}

#[test]
fn default_limits_are_bounded() {
    let l = api::Limits::default();
    assert!(l.header_read <= Duration::from_secs(10));
    assert!(l.body_read <= Duration::from_secs(10));
    assert!(l.request <= Duration::from_secs(30));
    assert!(
        l.body_read < l.request,
        "a slow body must answer 408, not 503"
    );
}
