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

/// Starts the server on `addr`; returns the address it listens on.
pub fn serve(addr: SocketAddr, shared: Shared) -> Result<SocketAddr, String> {
    let server = tiny_http::Server::http(addr).map_err(|e| format!("--http {addr}: {e}"))?;
    let bound = server
        .server_addr()
        .to_ip()
        .ok_or_else(|| format!("--http {addr}: not an IP address"))?;
    let server = Arc::new(server);
    for _ in 0..2 {
        let server = Arc::clone(&server);
        let shared = Arc::clone(&shared);
        std::thread::spawn(move || {
            for req in server.incoming_requests() {
                handle(req, &shared);
            }
        });
    }
    Ok(bound)
}

fn header(name: &str, value: &str) -> Option<tiny_http::Header> {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()).ok()
}

fn handle(req: tiny_http::Request, shared: &Shared) {
    use tiny_http::{Method, Response};
    let path = req.url().split('?').next().unwrap_or("/").to_string();
    if !matches!(req.method(), Method::Get | Method::Head) {
        let _ = req.respond(Response::from_string("method not allowed\n").with_status_code(405));
        return;
    }
    let (status, ctype, body) = {
        let Ok(p) = shared.read() else {
            let _ = req.respond(Response::from_string("state unavailable\n").with_status_code(500));
            return;
        };
        match (path.as_str(), &p.report, &p.score) {
            ("/health", _, _) => (200, "text/plain; charset=utf-8", "ok\n".to_string()),
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
        }
    };
    let mut resp = Response::from_string(body).with_status_code(status);
    if let Some(h) = header("Content-Type", ctype) {
        resp = resp.with_header(h);
    }
    if let Some(h) = header("Cache-Control", "no-store") {
        resp = resp.with_header(h);
    }
    let _ = req.respond(resp);
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
