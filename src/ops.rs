//! Operator endpoints: `/healthz` (JSON, 200 or 503) for Docker's HEALTHCHECK and load
//! balancers, and `/metrics` in Prometheus text format. Both answer within 2 seconds whatever
//! the database does, with a reason that fits the backend when it is unwell.

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;

use crate::fleet::Fleet;
use crate::jobs::TickReport;
use crate::store::Store;
use crate::wins::Recorded;

/// Counters and gauges the bot keeps while it runs. Cheap atomics: incremented from any task.
#[derive(Debug, Default)]
pub struct Metrics {
    pub gateway_connected: AtomicBool,
    pub servers: AtomicU64,
    pub catalogue_acts: AtomicU64,
    pub commands: AtomicU64,
    pub command_errors: AtomicU64,
    pub discord_requests: AtomicU64,
    pub discord_rate_limited: AtomicU64,
    pub posts_sent: AtomicU64,
    pub posts_failed: AtomicU64,
    pub messages_seen: AtomicU64,
    pub wins_recorded: AtomicU64,
    /// Direct messages sent (buddy rounds, notices, nudges).
    pub dms_sent: AtomicU64,
    /// Pulse answers recorded (the count only; never who or what).
    pub pulse_answers: AtomicU64,
    /// Claims taken over from a process that stopped before settling them.
    pub claims_taken_over: AtomicU64,
    /// Posts whose REST answer failed or was lost, known to be out from their own
    /// MESSAGE_CREATE (never sent again).
    pub lost_answers_confirmed: AtomicU64,
    /// This process's gateway shards as last looked at (every few seconds).
    pub shards: std::sync::Mutex<Vec<ShardStatus>>,
}

/// One gateway shard of this process, for `/healthz` and `/metrics`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ShardStatus {
    pub id: u32,
    /// serenity's connection stage: "connected", "handshake", "resuming", ...
    pub stage: String,
    pub connected: bool,
    /// The last heartbeat's round trip.
    pub latency_ms: Option<u64>,
}

impl Metrics {
    pub fn incr(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    /// Counts what a scheduler pass reports having done: the jobs count nothing themselves.
    pub fn count_pass(&self, report: &TickReport) {
        let add = |counter: &AtomicU64, n: usize| {
            counter.fetch_add(n as u64, Ordering::Relaxed);
        };
        add(&self.posts_sent, report.delivered);
        add(&self.posts_failed, report.delivery_failures);
        add(&self.lost_answers_confirmed, report.lost_answers_confirmed);
        add(&self.dms_sent, report.dms_sent);
        add(&self.claims_taken_over, report.taken_over);
    }

    /// Counts a win that was stored (not one refused or not collected).
    pub fn count_win(&self, recorded: &Recorded) {
        if matches!(recorded, Recorded::Stored(_)) {
            Metrics::incr(&self.wins_recorded);
        }
    }

    /// Prometheus text exposition format, version 0.0.4.
    pub fn render(&self, database_up: bool, uptime_seconds: f64) -> String {
        let mut out = format!(
            "# HELP smallacts_build_info Always 1; the version is in the label.\n\
             # TYPE smallacts_build_info gauge\n\
             smallacts_build_info{{version=\"{}\"}} 1\n",
            env!("CARGO_PKG_VERSION")
        );
        let mut metric = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        };
        let load = |c: &AtomicU64| c.load(Ordering::Relaxed).to_string();
        metric(
            "smallacts_uptime_seconds",
            "gauge",
            "Seconds since start.",
            format!("{uptime_seconds:.0}"),
        );
        metric(
            "smallacts_database_up",
            "gauge",
            "1 if the database answered.",
            u8::from(database_up).to_string(),
        );
        metric(
            "smallacts_gateway_connected",
            "gauge",
            "1 while the Discord gateway session is ready.",
            u8::from(self.gateway_connected.load(Ordering::Relaxed)).to_string(),
        );
        metric(
            "smallacts_servers",
            "gauge",
            "Servers the bot is in.",
            load(&self.servers),
        );
        metric(
            "smallacts_catalogue_acts",
            "gauge",
            "Built-in acts in the catalogue.",
            load(&self.catalogue_acts),
        );
        metric(
            "smallacts_commands_total",
            "counter",
            "Slash commands and components handled.",
            load(&self.commands),
        );
        metric(
            "smallacts_command_errors_total",
            "counter",
            "Commands that ended in an error reply.",
            load(&self.command_errors),
        );
        metric(
            "smallacts_discord_requests_total",
            "counter",
            "REST requests sent to Discord.",
            load(&self.discord_requests),
        );
        metric(
            "smallacts_discord_rate_limited_total",
            "counter",
            "429 answers received from Discord.",
            load(&self.discord_rate_limited),
        );
        metric(
            "smallacts_dms_sent_total",
            "counter",
            "Direct messages sent after quiet hours (buddy rounds, notices, nudges).",
            load(&self.dms_sent),
        );
        metric(
            "smallacts_pulse_answers_total",
            "counter",
            "Pulse answers recorded (how many, never who or what).",
            load(&self.pulse_answers),
        );
        metric(
            "smallacts_claims_taken_over_total",
            "counter",
            "Claims taken over from a process that stopped before settling them.",
            load(&self.claims_taken_over),
        );
        metric(
            "smallacts_lost_answers_confirmed_total",
            "counter",
            "Posts whose answer from Discord failed or was lost, known to be out from their own MESSAGE_CREATE.",
            load(&self.lost_answers_confirmed),
        );
        metric(
            "smallacts_posts_sent_total",
            "counter",
            "Scheduled posts delivered.",
            load(&self.posts_sent),
        );
        metric(
            "smallacts_messages_seen_total",
            "counter",
            "Messages the bot handled: members' replies, and its own posts coming back.",
            load(&self.messages_seen),
        );
        metric(
            "smallacts_wins_recorded_total",
            "counter",
            "Wins recorded (replies, buttons and /win).",
            load(&self.wins_recorded),
        );
        metric(
            "smallacts_posts_failed_total",
            "counter",
            "Scheduled posts that could not be delivered.",
            load(&self.posts_failed),
        );
        let shards = self.shards.lock().expect("shard statuses").clone();
        if !shards.is_empty() {
            out.push_str(
                "# HELP smallacts_shard_connected 1 while this process's gateway shard is connected.\n\
                 # TYPE smallacts_shard_connected gauge\n",
            );
            for shard in &shards {
                let _ = writeln!(
                    out,
                    "smallacts_shard_connected{{shard=\"{}\"}} {}",
                    shard.id,
                    u8::from(shard.connected)
                );
            }
            out.push_str(
                "# HELP smallacts_shard_latency_seconds The shard's last heartbeat round trip.\n\
                 # TYPE smallacts_shard_latency_seconds gauge\n",
            );
            for shard in shards.iter().filter(|s| s.latency_ms.is_some()) {
                let _ = writeln!(
                    out,
                    "smallacts_shard_latency_seconds{{shard=\"{}\"}} {:.3}",
                    shard.id,
                    shard.latency_ms.unwrap_or_default() as f64 / 1000.0
                );
            }
        }
        out
    }
}

#[derive(Clone)]
struct OpsState {
    store: Store,
    metrics: Arc<Metrics>,
    fleet: Arc<Fleet>,
    started: Instant,
}

/// Binds the endpoints' listener (so a taken port is reported at start-up, not later).
pub async fn bind(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    tokio::net::TcpListener::bind(addr).await
}

/// Serves the endpoints until the task is dropped.
pub async fn serve(
    listener: tokio::net::TcpListener,
    store: Store,
    metrics: Arc<Metrics>,
    fleet: Arc<Fleet>,
) {
    let state = OpsState {
        store,
        metrics,
        fleet,
        started: Instant::now(),
    };
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .with_state(state);
    if let Err(error) = axum::serve(listener, app).await {
        tracing::error!(%error, "operator endpoints stopped");
    }
}

/// How long `/healthz` and `/metrics` wait for the database, finding out why included: a load
/// balancer or Docker's HEALTHCHECK hears about an unreachable database within 2 seconds,
/// not after the pool's own 10-second wait.
pub const HEALTH_DEADLINE: Duration = Duration::from_millis(1_500);

async fn healthz(State(state): State<OpsState>) -> impl IntoResponse {
    let database = state.store.health(HEALTH_DEADLINE).await;
    let gateway = state.metrics.gateway_connected.load(Ordering::Relaxed);
    let body = serde_json::json!({
        "status": if database.is_ok() { "ok" } else { "unhealthy" },
        "version": env!("CARGO_PKG_VERSION"),
        "database": match &database { Ok(()) => "ok".to_owned(), Err(e) => e.to_string() },
        "backend": state.store.backend().name(),
        "gateway_connected": gateway,
        "shards": state.metrics.shards.lock().expect("shard statuses").clone(),
        "uptime_seconds": state.started.elapsed().as_secs(),
        // Which of the processes sharing the database answered, and its part of the fleet.
        "process": state.fleet.owner(),
        "fleet": fleet_view(&state.fleet),
    });
    let status = if database.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body))
}

/// `/healthz`'s view of the fleet as this process last counted it.
fn fleet_view(fleet: &Fleet) -> serde_json::Value {
    let share = fleet.current();
    serde_json::json!({
        "processes": share.processes,
        "share_per_second": share.per_second,
        "requests_per_second": fleet.total_per_second(),
    })
}

/// One gauge in Prometheus text format.
fn gauge(out: &mut String, name: &str, help: &str, value: impl std::fmt::Display) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
    );
}

async fn metrics_text(State(state): State<OpsState>) -> impl IntoResponse {
    let database_up = state.store.health(HEALTH_DEADLINE).await.is_ok();
    let mut body = state
        .metrics
        .render(database_up, state.started.elapsed().as_secs_f64());
    // Posts claimed and not yet settled, by any process sharing the database: a number that
    // stays up means a process died holding claims (they are taken over as leases run out).
    if database_up
        && let Ok(claimed) = state
            .store
            .within(HEALTH_DEADLINE, state.store.claims_in_flight())
            .await
    {
        gauge(
            &mut body,
            "smallacts_claims_in_flight",
            "Posts claimed and not yet settled, by any process.",
            claimed,
        );
    }
    // As this process last counted (every fleet.heartbeat_seconds), so it still answers while
    // the database does not: then the share is the one the process keeps sending at.
    let share = state.fleet.current();
    gauge(
        &mut body,
        "smallacts_fleet_processes",
        "Live processes sharing the database, this one included, at its last heartbeat.",
        share.processes,
    );
    gauge(
        &mut body,
        "smallacts_request_share_per_second",
        "Requests per second this process allows itself: its share of discord.requests_per_second.",
        share.per_second,
    );
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        body,
    )
}
