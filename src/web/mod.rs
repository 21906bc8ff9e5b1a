//! The impact page's web server: its own listener (`web.listen`), apart from the operator
//! endpoints. Pages are rendered on the server from templates (askama, checked at compile
//! time), with no JavaScript and nothing from another site. Every response carries strict
//! security headers; a wrong, expired or revoked link gets the same "not valid" page; each
//! client is limited to `web.requests_per_minute`.

use std::net::{IpAddr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::Router;
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use crate::acts::{Size, Way};
use crate::clock::Clock;
use crate::ids::GuildId;
use crate::impact::page::{PULSE_NAMES, thousands};
use crate::impact::{ChartData, ImpactLinks, ImpactPage, PageRange};
use crate::store::{Store, StoreError};

/// The page's charts, in SVG units (they scale to the page's width).
const CHART_WIDTH: u32 = 960;
const CHART_HEIGHT: u32 = 380;

/// How long a page waits for the database before saying to try again.
const DATABASE_DEADLINE: Duration = Duration::from_secs(5);

/// The page's stylesheet (served from this server: the page loads nothing from elsewhere).
const STYLESHEET: &str = include_str!("static/impact.css");

/// The security headers every response carries. The page needs nothing but its own
/// stylesheet: no scripts, no frames, no forms sent elsewhere, no referrer (the link's token
/// is in its path).
const SECURITY_HEADERS: [(&str, &str); 7] = [
    (
        "content-security-policy",
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; \
         frame-ancestors 'none'; base-uri 'none'",
    ),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("cross-origin-opener-policy", "same-origin"),
    ("x-robots-tag", "noindex, nofollow"),
    ("cache-control", "no-store"),
];

/// What the web server needs.
#[derive(Clone)]
pub struct WebState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub links: Arc<ImpactLinks>,
    /// Pulse totals from fewer answers than this are never shown.
    pub min_answers: u32,
    pub trust_forwarded_for: bool,
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
}

impl WebState {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        min_answers: u32,
        settings: &crate::settings::WebSettings,
    ) -> WebState {
        let per_minute = NonZeroU32::new(settings.requests_per_minute).unwrap_or(NonZeroU32::MIN);
        let burst =
            NonZeroU32::new((settings.requests_per_minute / 4).max(1)).unwrap_or(NonZeroU32::MIN);
        WebState {
            links: Arc::new(ImpactLinks::new(store.clone(), clock.clone())),
            store,
            clock,
            min_answers,
            trust_forwarded_for: settings.trust_forwarded_for,
            limiter: Arc::new(RateLimiter::keyed(
                Quota::per_minute(per_minute).allow_burst(burst),
            )),
        }
    }
}

/// The routes, with the security headers and the per-client limit on every one.
pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/impact/{token}", get(page))
        .route("/impact/{token}/impact.csv", get(csv))
        .route("/static/impact.css", get(stylesheet))
        .fallback(not_valid)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            limit_per_client,
        ))
        .layer(middleware::from_fn(security_headers))
        .with_state(state)
}

/// Serves the impact page until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, state: WebState) {
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    if let Err(error) = axum::serve(listener, app).await {
        tracing::error!(%error, "the impact page's server stopped");
    }
}

async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    for (name, value) in SECURITY_HEADERS {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// Who is asking: the peer's address, or (behind the operator's own proxy) the last
/// X-Forwarded-For entry, which that proxy wrote.
fn client(state: &WebState, peer: Option<SocketAddr>, headers: &HeaderMap) -> Option<IpAddr> {
    if state.trust_forwarded_for
        && let Some(forwarded) = headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse().ok())
    {
        return Some(forwarded);
    }
    peer.map(|p| p.ip())
}

async fn limit_per_client(State(state): State<WebState>, request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    if let Some(ip) = client(&state, peer, request.headers()) {
        if state.limiter.len() > 10_000 {
            state.limiter.retain_recent();
        }
        if state.limiter.check_key(&ip).is_err() {
            let mut response = plain_page(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests",
                "This page has been asked for too often from your address. Wait a minute, then reload it.",
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
            return response;
        }
    }
    next.run(request).await
}

async fn stylesheet() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        STYLESHEET,
    )
        .into_response()
}

#[derive(Debug, serde::Deserialize)]
struct RangeQuery {
    from: Option<String>,
    to: Option<String>,
}

/// The server a valid link opens, with its name and time zone; `None` for any link that is
/// not valid now.
async fn opened(
    state: &WebState,
    token: &str,
) -> Result<Option<(GuildId, String, chrono_tz::Tz)>, StoreError> {
    let Some(guild_id) = state.links.open(token).await? else {
        return Ok(None);
    };
    let Some(server) = state.store.server(guild_id).await? else {
        return Ok(None);
    };
    let tz = crate::calendar::parse_timezone(&server.timezone)
        .unwrap_or(crate::calendar::DEFAULT_TIME_ZONE);
    Ok(Some((guild_id, server.name, tz)))
}

async fn page(
    State(state): State<WebState>,
    Path(token): Path<String>,
    Query(query): Query<RangeQuery>,
) -> Response {
    let work = async {
        let Some((guild_id, name, tz)) = opened(&state, &token).await? else {
            return Ok::<_, StoreError>(None);
        };
        let today = crate::calendar::local_wall_time(tz, state.clock.now()).date();
        let (range, error) =
            match PageRange::parse(query.from.as_deref(), query.to.as_deref(), today) {
                Ok(range) => (range, None),
                Err(why) => (PageRange::default_for(today), Some(why.0)),
            };
        let impact = crate::recap::impact(&state.store, guild_id, tz, range.from, range.to).await?;
        Ok(Some((
            ImpactPage::build(&name, &impact, range, state.min_answers),
            error,
        )))
    };
    match tokio::time::timeout(DATABASE_DEADLINE, work).await {
        Ok(Ok(Some((page, error)))) => render_page(&page, &token, error),
        Ok(Ok(None)) => not_valid().await,
        Ok(Err(error)) => {
            tracing::warn!(%error, "impact page: the database failed");
            unavailable()
        }
        Err(_) => {
            tracing::warn!("impact page: the database did not answer in time");
            unavailable()
        }
    }
}

async fn csv(
    State(state): State<WebState>,
    Path(token): Path<String>,
    Query(query): Query<RangeQuery>,
) -> Response {
    let work = async {
        let Some((guild_id, _, tz)) = opened(&state, &token).await? else {
            return Ok::<_, StoreError>(None);
        };
        let today = crate::calendar::local_wall_time(tz, state.clock.now()).date();
        let range = PageRange::parse(query.from.as_deref(), query.to.as_deref(), today)
            .unwrap_or(PageRange::default_for(today));
        let csv =
            crate::recap::impact_csv(&state.store, guild_id, tz, range.from, range.to).await?;
        Ok(Some((range, csv)))
    };
    match tokio::time::timeout(DATABASE_DEADLINE, work).await {
        Ok(Ok(Some((range, csv)))) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!(
                        "attachment; filename=\"smallacts-impact-{}-to-{}.csv\"",
                        range.from, range.to
                    ),
                ),
            ],
            csv,
        )
            .into_response(),
        Ok(Ok(None)) => not_valid().await,
        _ => unavailable(),
    }
}

#[derive(Template)]
#[template(path = "impact.html")]
struct PageTemplate<'a> {
    page: &'a ImpactPage,
    error: Option<String>,
    size_chart: String,
    way_chart: String,
    csv_href: String,
    size_names: Vec<&'static str>,
    way_names: Vec<&'static str>,
    pulse_names: [&'static str; 5],
}

impl PageTemplate<'_> {
    fn n(&self, value: &u64) -> String {
        thousands(*value)
    }

    fn n32(&self, value: &u32) -> String {
        thousands(u64::from(*value))
    }
}

#[derive(Template)]
#[template(path = "plain.html")]
struct PlainTemplate<'a> {
    title: &'a str,
    message: &'a str,
}

fn render_page(page: &ImpactPage, token: &str, error: Option<String>) -> Response {
    let template = PageTemplate {
        page,
        error,
        size_chart: chart_svg(&page.by_size),
        way_chart: chart_svg(&page.by_way),
        csv_href: format!(
            "/impact/{token}/impact.csv?from={}&to={}",
            page.range.from, page.range.to
        ),
        size_names: Size::ALL.iter().map(|s| s.label()).collect(),
        way_names: Way::ALL.iter().map(|w| w.label()).collect(),
        pulse_names: PULSE_NAMES,
    };
    match template.render() {
        Ok(html) => Html(html).into_response(),
        Err(error) => {
            tracing::error!(%error, "impact page: the template failed");
            unavailable()
        }
    }
}

/// A chart as SVG to embed in the page (drawn as the Discord recap's charts are).
fn chart_svg(chart: &ChartData) -> String {
    crate::charts::StackedBars {
        title: chart.title.clone(),
        description: chart.description.clone(),
        categories: chart.categories.clone(),
        series: chart
            .series
            .iter()
            .map(|(name, values)| crate::charts::Series {
                name: name.clone(),
                values: values.clone(),
            })
            .collect(),
    }
    .svg(CHART_WIDTH, CHART_HEIGHT)
}

fn plain_page(status: StatusCode, title: &str, message: &str) -> Response {
    let html = PlainTemplate { title, message }
        .render()
        .unwrap_or_else(|_| message.to_owned());
    (status, Html(html)).into_response()
}

/// The one answer for any link that does not open a page now: unknown, malformed, expired
/// or revoked alike, so a guesser learns nothing.
async fn not_valid() -> Response {
    plain_page(
        StatusCode::NOT_FOUND,
        "This link is not valid",
        "This link is not valid. It may have expired or been withdrawn. Ask the team's Discord admin for a new one (they make it with /export link).",
    )
}

fn unavailable() -> Response {
    let mut response = plain_page(
        StatusCode::SERVICE_UNAVAILABLE,
        "Not available just now",
        "The page can't be shown just now. Try again in a minute.",
    );
    response
        .headers_mut()
        .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
    response
}
