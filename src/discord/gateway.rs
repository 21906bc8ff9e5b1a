//! The gateway side of sharding: asking Discord how many shards the bot needs and how many
//! starts it has left, reading each shard's state for `/healthz`, and noticing Discord's
//! refusal of an overloaded shard (close code 4011).
//!
//! Why the refusal is read from serenity's log: serenity 0.12.5 answers 4011 by reconnecting
//! the shard for ever (each time refused again), and says so only in an `error!` line from
//! `serenity::gateway::shard`; no event handler, runner stage or return value carries the
//! close code. [`RefusalWatch`] is a tracing layer that spots that line so the bot can stop
//! and tell the operator what to change instead of looping.

use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::Context as _;
use poise::serenity_prelude as serenity;
use tokio::sync::Notify;
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::Context;

use crate::ops::ShardStatus;
use crate::shards::{ShardCount, ShardPlan, parse_range};

/// What serenity logs when Discord closed a shard with 4011.
const SHARDING_REQUIRED_LOG: &str = "Shard has too many guilds";

static SHARDING_REQUIRED: AtomicBool = AtomicBool::new(false);
static SHARDING_REQUIRED_NOTICE: Notify = Notify::const_new();

/// A tracing layer (installed by [`crate::telemetry::init`]) that notices serenity's log line
/// for a 4011 close.
pub struct RefusalWatch;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for RefusalWatch {
    fn on_event(&self, event: &tracing::Event<'_>, _ctx: Context<'_, S>) {
        if !event.metadata().target().starts_with("serenity::gateway") {
            return;
        }
        struct Message(bool);
        impl Visit for Message {
            fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
                if field.name() == "message" {
                    self.0 |= format!("{value:?}").contains(SHARDING_REQUIRED_LOG);
                }
            }
        }
        let mut message = Message(false);
        event.record(&mut message);
        if message.0 {
            SHARDING_REQUIRED.store(true, Ordering::SeqCst);
            SHARDING_REQUIRED_NOTICE.notify_one();
        }
    }
}

/// Resolves once Discord has refused a shard with 4011.
pub async fn sharding_required() {
    loop {
        if SHARDING_REQUIRED.load(Ordering::SeqCst) {
            return;
        }
        SHARDING_REQUIRED_NOTICE.notified().await;
    }
}

/// Asks Discord (`GET /gateway/bot`) how many shards it recommends and how many gateway
/// starts remain, and decides which shards this process runs.
pub async fn plan(
    http: &serenity::Http,
    settings: &crate::settings::DiscordSettings,
) -> anyhow::Result<ShardPlan> {
    let gateway = http.get_bot_gateway().await.context(
        "cannot ask Discord for the gateway (GET /gateway/bot); check the token and that \
         Discord (or discord.api_url) can be reached",
    )?;
    let count = ShardCount::parse(&settings.shards).map_err(anyhow::Error::msg)?;
    let range = parse_range(&settings.shard_range).map_err(anyhow::Error::msg)?;
    let plan = ShardPlan::decide(count, range, gateway.shards).map_err(anyhow::Error::msg)?;
    let limit = gateway.session_start_limit;
    plan.check_start_budget(
        u32::try_from(limit.remaining).unwrap_or(u32::MAX),
        limit.reset_after,
    )
    .map_err(anyhow::Error::msg)?;
    tracing::info!(
        shards = %plan,
        recommended = gateway.shards,
        starts_left = limit.remaining,
        max_concurrency = limit.max_concurrency,
        "gateway shards planned"
    );
    Ok(plan)
}

/// Each shard this process runs, its connection stage and heartbeat latency.
pub async fn shard_statuses(manager: &serenity::ShardManager) -> Vec<ShardStatus> {
    let runners = manager.runners.lock().await;
    let mut statuses: Vec<ShardStatus> = runners
        .iter()
        .map(|(id, info)| ShardStatus {
            id: id.0,
            stage: info.stage.to_string(),
            connected: info.stage == serenity::ConnectionStage::Connected,
            latency_ms: info.latency.map(|l| l.as_millis() as u64),
        })
        .collect();
    statuses.sort_by_key(|s| s.id);
    statuses
}
