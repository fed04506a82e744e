//! The server loop: HTTP/1.1 connections served by hyper with a header read timeout, each
//! request passed through the edge checks (`edge`), hyper's own bare error answers given a JSON
//! body (`bare_errors`), and graceful shutdown: on the signal no new connection is taken, idle
//! ones close, and requests in flight finish (each within `Limits::request`).

use crate::bare_errors::JsonBareErrors;
use crate::edge::{Edge, HYPER_MAX_HEADER_BYTES, HYPER_MAX_HEADERS, Limits};
use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;
use tokio::net::TcpListener;

/// Serves `router` on `listener` with the default `Limits` until `shutdown` resolves, then
/// lets requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, router, shutdown, Limits::default()).await
}

/// `serve` with the given limits.
pub async fn serve_with(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    limits: Limits,
) -> std::io::Result<()> {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(limits.header_read)
        .max_headers(HYPER_MAX_HEADERS)
        .max_header_size(HYPER_MAX_HEADER_BYTES)
        // One buffer per answer, so that `JsonBareErrors` sees a head in one write.
        .writev(false);
    let edge = Edge::new(router, limits);
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, peer) = tokio::select! {
            biased;
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(conn) => conn,
                Err(e) => {
                    accept_failed(e).await;
                    continue;
                }
            },
        };
        // Small JSON answers should leave at once rather than wait for Nagle's algorithm.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        let edge = edge.clone();
        let service = hyper::service::service_fn(move |req| {
            let edge = edge.clone();
            async move { Ok::<_, Infallible>(edge.handle(req).await) }
        });
        let conn = http.serve_connection(TokioIo::new(JsonBareErrors::new(tcp)), service);
        let conn = graceful.watch(conn);
        tokio::spawn(async move {
            // Malformed requests, header timeouts and vanished clients end here; each has
            // already been answered (or could not be).
            if let Err(e) = conn.await {
                tracing::debug!(error = %e, %peer, "connection closed with an error");
            }
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// After a failed `accept`: a connection reset before it was taken is nothing; anything else
/// (out of file descriptors, say) gets a pause so the loop does not spin.
async fn accept_failed(e: std::io::Error) {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionRefused | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "cannot accept a connection");
    tokio::time::sleep(Duration::from_millis(500)).await;
}
