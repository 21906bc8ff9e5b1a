//! The proxy path's relay: a small forwarder on 127.0.0.1 between serenity and the operator's
//! rate-limit proxy (`discord.api_url`) that reads every answer on the way back, so the bot
//! honours Discord's `retry_after` even though serenity's own limiter is off.
//!
//! Why no library does this: serenity takes only a `reqwest::Client` (`HttpBuilder::client`),
//! and a reqwest 0.12 client has no hook on answers (reqwest-middleware wraps a client in a
//! different type that serenity cannot take; a tower layer on reqwest's connector sees bytes,
//! not answers). With its limiter off, serenity turns a 429 into an `ErrorResponse` that keeps
//! only status, URL, method and `{code, message, errors}`: `retry_after`, `global` and the
//! `X-RateLimit-*` headers never reach the bot. The rate-limit proxies themselves
//! (twilight-http-proxy, nirn-proxy) are what stands in front of Discord, not a way for the bot
//! to learn what they answered, and a general reverse-proxy crate would still need this
//! reading and holding. So serenity talks to this relay, which forwards each request unchanged,
//! passes each answer back unchanged, and after a 429 holds the route (or, for a global one,
//! everything but interaction callbacks, which Discord exempts) for `retry_after`: a request
//! for a held route waits here before it is forwarded, whoever sent it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context as _;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::time::Instant;

/// Where requests are held after a 429: every route, or one route, until an instant.
#[derive(Default)]
pub struct RateLimitHolds {
    global_until: Mutex<Option<Instant>>,
    routes: Mutex<HashMap<String, Instant>>,
}

impl RateLimitHolds {
    /// Records a 429: hold `route` (or everything, if `global`) for `retry_after` from now.
    pub fn hold(&self, route: &str, retry_after: Duration, global: bool) {
        let until = Instant::now() + retry_after;
        if global {
            let mut held = self.global_until.lock().expect("holds");
            *held = Some(held.map_or(until, |h| h.max(until)));
        } else {
            let mut routes = self.routes.lock().expect("holds");
            let now = Instant::now();
            routes.retain(|_, until| *until > now);
            let entry = routes.entry(route.to_owned()).or_insert(until);
            *entry = (*entry).max(until);
        }
    }

    /// Until when every request is held, if a global 429 is still being waited out.
    pub fn global_until(&self) -> Option<Instant> {
        self.global_until
            .lock()
            .expect("holds")
            .filter(|u| *u > Instant::now())
    }

    /// Until when a request for `route` must wait (global or its own hold), if at all.
    pub fn until(&self, route: &str) -> Option<Instant> {
        let own = self.routes.lock().expect("holds").get(route).copied();
        [own, self.global_until()]
            .into_iter()
            .flatten()
            .max()
            .filter(|u| *u > Instant::now())
    }

    /// Whether any hold is still being waited out.
    pub fn any(&self) -> bool {
        let now = Instant::now();
        self.global_until().is_some()
            || self
                .routes
                .lock()
                .expect("holds")
                .values()
                .any(|until| *until > now)
    }

    /// Waits out any hold on `route` (interaction callbacks never wait: Discord exempts them).
    pub async fn wait(&self, route: &str) {
        if is_interaction(route) {
            return;
        }
        while let Some(until) = self.until(route) {
            tokio::time::sleep_until(until).await;
        }
    }
}

/// A route as Discord buckets it: method and path, ids replaced except the top-level
/// resource's (channel, guild, webhook and its token, interaction and its token).
pub fn route_key(method: &str, path: &str) -> String {
    let mut out = Vec::new();
    let mut previous = "";
    for segment in path.trim_matches('/').split('/') {
        let numeric = !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit());
        let keep = matches!(
            previous,
            "channels" | "guilds" | "webhooks" | "interactions"
        );
        let part = if previous == "reactions" {
            "{emoji}"
        } else if numeric && !keep {
            "{id}"
        } else {
            segment
        };
        out.push(part);
        previous = segment;
    }
    format!("{method} /{}", out.join("/"))
}

fn is_interaction(route: &str) -> bool {
    route.contains(" /api/v10/interactions/") || route.contains(" /interactions/")
}

/// What a 429 said: (retry_after, global). `retry_after` from the body (float seconds), else
/// the `Retry-After` header, else one second.
pub fn read_429(headers: &HeaderMap, body: &[u8]) -> (Duration, bool) {
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let from_body = json
        .as_ref()
        .and_then(|j| j["retry_after"].as_f64())
        .filter(|s| s.is_finite() && *s >= 0.0);
    let from_header = headers
        .get(header::RETRY_AFTER)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0);
    let seconds = from_body.or(from_header).unwrap_or(1.0);
    let global = json.as_ref().is_some_and(|j| j["global"] == true)
        || headers.contains_key("x-ratelimit-global")
        || headers
            .get("x-ratelimit-scope")
            .is_some_and(|s| s.as_bytes().eq_ignore_ascii_case(b"global"));
    (Duration::from_secs_f64(seconds.min(3600.0)), global)
}

struct RelayState {
    upstream: String,
    client: reqwest::Client,
    holds: Arc<RateLimitHolds>,
}

/// A running relay. Dropping it stops it.
pub struct Relay {
    addr: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Relay {
    /// Starts a relay to `upstream` (the operator's proxy, e.g. `http://127.0.0.1:3000`) that
    /// records 429s in `holds`.
    pub async fn start(
        upstream: &str,
        client: reqwest::Client,
        holds: Arc<RateLimitHolds>,
    ) -> anyhow::Result<Relay> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("starting the rate-limit relay on 127.0.0.1")?;
        let addr = listener.local_addr()?;
        let state = Arc::new(RelayState {
            upstream: upstream.trim_end_matches('/').to_owned(),
            client,
            holds: holds.clone(),
        });
        let app = axum::Router::new().fallback(forward).with_state(state);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Relay { addr, task })
    }

    /// The base URL to give serenity as its proxy.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// Headers that belong to one hop, not to the request or answer.
fn end_to_end(headers: &HeaderMap) -> HeaderMap {
    let mut out = headers.clone();
    for name in [
        header::CONNECTION,
        header::HOST,
        header::CONTENT_LENGTH,
        header::TRANSFER_ENCODING,
        header::TE,
        header::TRAILER,
        header::UPGRADE,
        header::PROXY_AUTHORIZATION,
        header::PROXY_AUTHENTICATE,
    ] {
        out.remove(name);
    }
    out.remove("keep-alive");
    out
}

async fn forward(State(state): State<Arc<RelayState>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let route = route_key(parts.method.as_str(), parts.uri.path());
    state.holds.wait(&route).await;
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let target = format!(
        "{}{}",
        state.upstream,
        parts.uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let sent = state
        .client
        .request(parts.method.clone(), target)
        .headers(end_to_end(&parts.headers))
        .body(body)
        .send()
        .await;
    let answer = match sent {
        Ok(answer) => answer,
        Err(error) => {
            // No answer at all: say so as a gateway would, so serenity reports a failure
            // (the URL in the error names the proxy, never the token).
            tracing::warn!(error = %error, "the rate-limit relay could not reach discord.api_url");
            let body = serde_json::json!({
                "message": format!("the bot's relay could not reach discord.api_url: {error}"),
                "code": 0,
            });
            return (StatusCode::BAD_GATEWAY, axum::Json(body)).into_response();
        }
    };
    let status = answer.status();
    let headers = end_to_end(answer.headers());
    let bytes = match answer.bytes().await {
        Ok(bytes) => bytes,
        Err(error) => {
            tracing::warn!(error = %error, "an answer through the rate-limit relay was cut off");
            return StatusCode::BAD_GATEWAY.into_response();
        }
    };
    if status == StatusCode::TOO_MANY_REQUESTS {
        let (retry_after, global) = read_429(&headers, &bytes);
        tracing::warn!(
            route = %route,
            retry_after_ms = retry_after.as_millis() as u64,
            global,
            "Discord said 429: holding before the next request"
        );
        state.holds.hold(&route, retry_after, global);
    }
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    *response.headers_mut() = headers;
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn routes_keep_their_top_level_resource_only() {
        assert_eq!(
            route_key("POST", "/api/v10/channels/123/messages"),
            "POST /api/v10/channels/123/messages"
        );
        assert_eq!(
            route_key("PATCH", "/api/v10/channels/123/messages/456"),
            "PATCH /api/v10/channels/123/messages/{id}"
        );
        assert_eq!(
            route_key(
                "PUT",
                "/api/v10/channels/1/messages/2/reactions/%F0%9F%8C%B1/@me"
            ),
            "PUT /api/v10/channels/1/messages/{id}/reactions/{emoji}/@me"
        );
        assert_eq!(
            route_key("POST", "/api/v10/webhooks/9/tok/messages/77"),
            "POST /api/v10/webhooks/9/tok/messages/{id}"
        );
        assert!(is_interaction(&route_key(
            "POST",
            "/api/v10/interactions/5/tok/callback"
        )));
    }

    #[test]
    fn a_429_is_read_from_its_body_then_its_headers() {
        let mut headers = HeaderMap::new();
        headers.insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        let body =
            br#"{"message": "You are being rate limited.", "retry_after": 1.5, "global": false}"#;
        assert_eq!(
            read_429(&headers, body),
            (Duration::from_millis(1500), false)
        );
        headers.insert("x-ratelimit-global", HeaderValue::from_static("true"));
        assert_eq!(
            read_429(&headers, b"<html>busy</html>"),
            (Duration::from_secs(2), true)
        );
        assert_eq!(
            read_429(&HeaderMap::new(), b""),
            (Duration::from_secs(1), false)
        );
    }

    #[tokio::test(start_paused = true)]
    async fn holds_keep_a_route_or_everything_back() {
        let holds = RateLimitHolds::default();
        let post = "POST /api/v10/channels/1/messages";
        holds.hold(post, Duration::from_millis(1500), false);
        let start = Instant::now();
        holds.wait("GET /api/v10/users/@me").await;
        assert_eq!(start.elapsed(), Duration::ZERO, "other routes go on");
        holds.wait(post).await;
        assert!(start.elapsed() >= Duration::from_millis(1500));
        holds.hold(post, Duration::from_secs(2), true);
        let again = Instant::now();
        holds
            .wait("POST /api/v10/interactions/5/tok/callback")
            .await;
        assert_eq!(again.elapsed(), Duration::ZERO, "interactions are exempt");
        holds.wait("GET /api/v10/users/@me").await;
        assert!(again.elapsed() >= Duration::from_secs(2));
    }
}
