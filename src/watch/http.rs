//! The HTTP side of watch mode: `/metrics`, `/health`, `/ready`, `/api/status` and the
//! dashboard on `/`, served from the state the watcher publishes after each evaluation.

use std::net::{SocketAddr, ToSocketAddrs};
use std::sync::{Arc, RwLock};

use crate::report::Report;
use crate::report::prometheus::{self, Stats};
use crate::score::{HistoryPoint, Score};

/// What the watcher publishes after each evaluation.
#[derive(Default)]
pub struct Published {
    pub report: Option<Arc<Report>>,
    pub score: Option<Score>,
    pub stats: Stats,
    pub history: Vec<HistoryPoint>,
    pub subtitle: String,
    /// File changes have arrived that are not evaluated yet.
    pub pending: bool,
}

pub type Shared = Arc<RwLock<Published>>;

/// `9464` → 127.0.0.1:9464 (loopback unless an address says otherwise).
pub fn parse_addr(spec: &str) -> Result<SocketAddr, String> {
    let s = spec.trim();
    if let Ok(port) = s.parse::<u16>() {
        return Ok(SocketAddr::from(([127, 0, 0, 1], port)));
    }
    let s = s.strip_prefix("http://").unwrap_or(s);
    s.to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .ok_or_else(|| {
            format!(
                "--http: `{spec}` is not an address; give PORT or HOST:PORT, e.g. 127.0.0.1:9464"
            )
        })
}

/// Connections served at once; more are closed as they arrive.
const MAX_CONNECTIONS: usize = 64;
/// The most a request's head (request line and headers) may take; larger is refused (431).
const MAX_HEAD: usize = 16 * 1024;
/// A client has this long to send its request head.
const HEAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// And this long in all, response included: a client that never reads is dropped.
const CONNECTION_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// Starts the server on `addr` in a thread of its own; returns the address it listens on.
/// Every connection is served concurrently within the limits above, so a client that stalls
/// never delays `/health` for another.
pub fn serve(addr: SocketAddr, shared: Shared) -> Result<SocketAddr, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .build()
        .map_err(|e| format!("--http {addr}: {e}"))?;
    let std_listener =
        std::net::TcpListener::bind(addr).map_err(|e| format!("--http {addr}: {e}"))?;
    std_listener
        .set_nonblocking(true)
        .map_err(|e| format!("--http {addr}: {e}"))?;
    let bound = std_listener
        .local_addr()
        .map_err(|e| format!("--http {addr}: {e}"))?;
    let listener = {
        let _guard = runtime.enter();
        tokio::net::TcpListener::from_std(std_listener)
            .map_err(|e| format!("--http {addr}: {e}"))?
    };
    std::thread::spawn(move || runtime.block_on(accept(listener, shared)));
    Ok(bound)
}

async fn accept(listener: tokio::net::TcpListener, shared: Shared) {
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_CONNECTIONS));
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            // Out of file descriptors and the like: try again shortly.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            continue;
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            drop(stream);
            continue;
        };
        let shared = Arc::clone(&shared);
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req| {
                let shared = Arc::clone(&shared);
                async move { Ok::<_, std::convert::Infallible>(respond(&req, &shared)) }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEAD_TIMEOUT)
                .max_buf_size(MAX_HEAD)
                .keep_alive(false)
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service);
            let _ = tokio::time::timeout(CONNECTION_TIMEOUT, conn).await;
            drop(slot);
        });
    }
}

type Body = http_body_util::Full<hyper::body::Bytes>;

fn respond<B>(req: &hyper::Request<B>, shared: &Shared) -> hyper::Response<Body> {
    let text = "text/plain; charset=utf-8";
    let reply = |status: u16, ctype: &str, body: String| {
        let mut resp = hyper::Response::new(Body::from(body));
        *resp.status_mut() =
            hyper::StatusCode::from_u16(status).unwrap_or(hyper::StatusCode::INTERNAL_SERVER_ERROR);
        if let Ok(v) = hyper::header::HeaderValue::from_str(ctype) {
            resp.headers_mut().insert(hyper::header::CONTENT_TYPE, v);
        }
        resp.headers_mut().insert(
            hyper::header::CACHE_CONTROL,
            hyper::header::HeaderValue::from_static("no-store"),
        );
        resp
    };
    if !matches!(*req.method(), hyper::Method::GET | hyper::Method::HEAD) {
        return reply(405, text, "method not allowed\n".into());
    }
    let path = req.uri().path();
    // Liveness needs no state: answered even while an evaluation holds the lock.
    if path == "/health" {
        return reply(200, text, "ok\n".into());
    }
    let Ok(p) = shared.read() else {
        return reply(500, text, "state unavailable\n".into());
    };
    let (status, ctype, body) = match (path, &p.report, &p.score) {
        ("/ready", None, _) => (
            503,
            "text/plain; charset=utf-8",
            "not ready: the first evaluation is running\n".to_string(),
        ),
        ("/ready", Some(_), _) => (200, "text/plain; charset=utf-8", "ready\n".to_string()),
        ("/metrics", Some(r), Some(s)) => (
            200,
            "text/plain; version=0.0.4; charset=utf-8",
            prometheus::render(r, s, &p.stats),
        ),
        ("/api/status", Some(r), Some(s)) => {
            let mut v = serde_json::to_value(r.as_ref()).unwrap_or_default();
            if let serde_json::Value::Object(m) = &mut v {
                m.insert(
                    "compliance".into(),
                    serde_json::to_value(s).unwrap_or_default(),
                );
                m.insert("evaluations".into(), p.stats.evaluations.into());
                m.insert("pending".into(), p.pending.into());
            }
            (200, "application/json", v.to_string())
        }
        ("/" | "/index.html", Some(r), Some(s)) => {
            let page = crate::report::html::Page {
                history: &p.history,
                refresh_secs: Some(2),
                subtitle: p.subtitle.clone(),
            };
            (
                200,
                "text/html; charset=utf-8",
                crate::report::html::render(r, s, &page),
            )
        }
        ("/metrics" | "/api/status" | "/" | "/index.html", _, _) => (
            503,
            "text/plain; charset=utf-8",
            "not ready: the first evaluation is running\n".to_string(),
        ),
        _ => (
            404,
            "text/plain; charset=utf-8",
            "not found; try /metrics, /health, /ready, /api/status or /\n".to_string(),
        ),
    };
    reply(status, ctype, body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses() {
        assert_eq!(parse_addr("9464").unwrap().to_string(), "127.0.0.1:9464");
        assert_eq!(parse_addr("0.0.0.0:80").unwrap().to_string(), "0.0.0.0:80");
        assert!(parse_addr("nonsense").is_err());
    }
}
