//! JSON bodies for the few answers hyper writes by itself, before any service sees the request:
//! 400 for a malformed request line or header, 414 and 431 for heads it cannot buffer. hyper
//! offers no hook for them, so the connection's writer recognises such an answer (a 400, 414 or
//! 431 head with `content-length: 0` and no content type: every error we send has a JSON body)
//! and sends our error shape in its place. hyper closes the connection after them.

use crate::error::ApiError;
use axum::http::StatusCode;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

/// A connection whose bodiless automatic error answers get our JSON body.
pub struct JsonBareErrors<T> {
    inner: T,
    /// Bytes of a rewritten answer still to be written.
    pending: Vec<u8>,
    written: usize,
}

impl<T> JsonBareErrors<T> {
    pub fn new(inner: T) -> Self {
        Self {
            inner,
            pending: Vec::new(),
            written: 0,
        }
    }
}

impl<T: AsyncWrite + Unpin> JsonBareErrors<T> {
    fn poll_pending(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.written < self.pending.len() {
            let n =
                ready!(Pin::new(&mut self.inner).poll_write(cx, &self.pending[self.written..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.written += n;
        }
        self.pending.clear();
        self.written = 0;
        Poll::Ready(Ok(()))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for JsonBareErrors<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for JsonBareErrors<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        if let Some(json) = with_json_body(buf) {
            this.pending = json;
            // Whatever cannot be written now goes out on the next write, flush or shutdown.
            if let Poll::Ready(Err(e)) = this.poll_pending(cx) {
                return Poll::Ready(Err(e));
            }
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut this.inner).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_pending(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }

    // hyper then flattens each answer into one buffer, so a head arrives in one write.
    fn is_write_vectored(&self) -> bool {
        false
    }
}

/// If `out` is exactly one bodiless automatic error answer, the same answer with our JSON body.
fn with_json_body(out: &[u8]) -> Option<Vec<u8>> {
    let head = out.strip_suffix(b"\r\n\r\n")?;
    let head = std::str::from_utf8(head).ok()?;
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let code = status_line
        .strip_prefix("HTTP/1.1 ")
        .or_else(|| status_line.strip_prefix("HTTP/1.0 "))?
        .get(..3)?;
    let status = match code {
        "400" => StatusCode::BAD_REQUEST,
        "414" => StatusCode::URI_TOO_LONG,
        "431" => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
        _ => return None,
    };
    let mut kept = Vec::new();
    let mut empty_body = false;
    for line in lines {
        let (name, value) = line.split_once(':')?;
        let name = name.trim();
        if name.eq_ignore_ascii_case("content-length") {
            empty_body = value.trim() == "0";
        } else if name.eq_ignore_ascii_case("content-type") {
            return None;
        } else if !name.eq_ignore_ascii_case("connection") {
            kept.push(line);
        }
    }
    if !empty_body {
        return None;
    }
    let body = ApiError::from_status(status).body_bytes();
    let mut answer = format!(
        "{status_line}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        body.len()
    );
    for line in kept {
        answer.push_str(line);
        answer.push_str("\r\n");
    }
    answer.push_str("\r\n");
    let mut answer = answer.into_bytes();
    answer.extend_from_slice(&body);
    Some(answer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    fn rewritten(out: &str) -> Option<String> {
        with_json_body(out.as_bytes()).map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    #[test]
    fn bare_automatic_errors_get_a_json_body() {
        let date = "date: Sun, 01 Nov 2026 10:00:00 GMT";
        for (status, code) in [
            ("400 Bad Request", "bad_request"),
            ("414 URI Too Long", "uri_too_long"),
            ("431 Request Header Fields Too Large", "headers_too_large"),
        ] {
            let bare = format!("HTTP/1.1 {status}\r\ncontent-length: 0\r\n{date}\r\n\r\n");
            let Some(out) = rewritten(&bare) else {
                panic!("{status} not rewritten");
            };
            let (head, body) = out.split_once("\r\n\r\n").unwrap_or_default();
            assert!(
                head.starts_with(&format!("HTTP/1.1 {status}\r\n")),
                "{head}"
            );
            assert!(head.contains("content-type: application/json"), "{head}");
            assert!(
                head.contains(&format!("content-length: {}", body.len())),
                "{head}"
            );
            assert!(head.contains("connection: close"));
            assert!(head.contains(date));
            let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
            assert_eq!(json["error"]["code"], code, "{body}");
        }
    }

    #[test]
    fn everything_else_passes_untouched() {
        for out in [
            // Our own errors carry JSON.
            "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: 0\r\n\r\n",
            // A body follows, or the status is not one hyper sends by itself.
            "HTTP/1.1 400 Bad Request\r\ncontent-length: 2\r\n\r\n{}",
            "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n",
            "HTTP/1.1 400 Bad Request\r\n\r\n",
            "{\"a\":1}",
            "",
        ] {
            assert_eq!(rewritten(out), None, "{out:?}");
        }
    }

    #[tokio::test]
    async fn the_rewritten_answer_reaches_the_peer_whole() {
        let (client, server) = tokio::io::duplex(16);
        let mut conn = JsonBareErrors::new(server);
        let bare = b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n";
        let reader = tokio::spawn(async move {
            let mut client = client;
            let mut got = Vec::new();
            let _ = tokio::io::AsyncReadExt::read_to_end(&mut client, &mut got).await;
            got
        });
        assert!(conn.write_all(bare).await.is_ok());
        assert!(conn.shutdown().await.is_ok());
        drop(conn);
        let got = String::from_utf8(reader.await.unwrap_or_default()).unwrap_or_default();
        assert!(got.ends_with("}}"), "{got}");
        assert!(got.contains("\"code\":\"bad_request\""), "{got}");
    }
}
