//! Replies to the day's post arriving through the fake Discord's gateway, stored as wins, on
//! SQLite and on PostgreSQL. Prints sustained replies per second and the time from
//! MESSAGE_CREATE leaving the fake Discord to the win being stored (p50, p99, max).
//!
//!     cargo bench --bench reply_ingest
//!
//! PostgreSQL: `SMALLACTS_TEST_POSTGRES_URL` (default postgres://postgres@127.0.0.1:5432/test);
//! a database is created for the run and dropped after. The bot runs in this process with the
//! real start-up code; acknowledgement reactions are off so the figures are about storing.
//! Figures only, no assertions.

#[path = "common/mod.rs"]
mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fake_discord::{Actor, Sandbox, SandboxOptions, permissions};
use serde_json::json;
use smallacts::against_fake;
use smallacts::clock::SystemClock;
use smallacts::startup::Application;

const REPLIES: usize = 20_000;
const MEMBERS: usize = 1_000;
/// Offered load: replies per second sent by the fake Discord.
const OFFERED_PER_SECOND: usize = 4_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    run(
        "SQLite",
        &format!("sqlite://{}", dir.path().join("ingest.db").display()),
    )
    .await?;
    let postgres = common::TempPostgres::create("smallacts_bench").await?;
    let outcome = run("PostgreSQL", &postgres.url).await;
    postgres.drop_database().await?;
    outcome
}

async fn run(backend: &str, database_url: &str) -> anyhow::Result<()> {
    let sandbox = Sandbox::start(SandboxOptions::default()).await?;
    let mut settings =
        against_fake::settings(&sandbox, common::http_path(), database_url.to_owned());
    settings.database.max_connections = 8;
    settings.discord.message_content_intent = true;
    settings.privacy.acknowledge_emoji = String::new();
    settings.privacy.max_wins_per_hour = 1_000_000;
    settings.log.level = "warn".into();
    let app = Application::build(settings, Arc::new(SystemClock)).await?;
    let store = app.store.clone();
    let running = app.start().await?;
    sandbox.wait_until_ready().await?;

    // A server with members and today's post, posted now.
    let users: Vec<_> = (0..MEMBERS)
        .map(|i| sandbox.new_user(&format!("Member {i}")))
        .collect();
    let guild = sandbox.add_guild("Ingest Care Home", users.clone());
    while store
        .server(smallacts::ids::GuildId(guild.id))
        .await?
        .is_none()
    {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let admin = Actor {
        permissions: permissions::MEMBER | permissions::MANAGE_GUILD,
        ..sandbox.member(&guild, &users[0])
    };
    let now = chrono::Utc::now() + chrono::Duration::minutes(1);
    let time = now.format("%H:%M").to_string();
    let setup = json!([{"name": "setup", "type": 1, "options": [
        {"name": "channel", "type": 7, "value": guild.channels[0].id.to_string()},
        {"name": "time", "type": 3, "value": time},
        {"name": "timezone", "type": 3, "value": "UTC"},
    ]}]);
    sandbox.slash(&admin, "daily", setup).await?;
    let due = store
        .daily_config(smallacts::ids::GuildId(guild.id))
        .await?
        .and_then(|c| c.next_at)
        .unwrap_or_default();
    tokio::time::sleep(Duration::from_millis(
        (due - chrono::Utc::now().timestamp_millis()).max(0) as u64 + 50,
    ))
    .await;
    running.tick().await?;
    let thread = sandbox
        .threads()
        .first()
        .map(|(_, t)| t.id)
        .ok_or_else(|| anyhow::anyhow!("no thread"))?;
    let actors: Vec<Actor> = users
        .iter()
        .map(|u| Actor {
            channel_id: thread,
            ..sandbox.member(&guild, u)
        })
        .collect();

    // Offer replies at a steady rate, remembering when each left.
    let mut sent_at: HashMap<smallacts::ids::MessageId, i64> = HashMap::with_capacity(REPLIES);
    let started = Instant::now();
    let interval = Duration::from_secs(1) / OFFERED_PER_SECOND as u32;
    for n in 0..REPLIES {
        let due = started + interval * n as u32;
        if let Some(wait) = due.checked_duration_since(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
        let message = sandbox.post_message(
            &actors[n % MEMBERS],
            &format!("Did today's act, reply {n}"),
            None,
        )?;
        let id: smallacts::ids::MessageId = message["id"].as_str().unwrap_or("0").parse()?;
        sent_at.insert(id, chrono::Utc::now().timestamp_micros());
    }
    // Wait until every reply is stored.
    let deadline = Instant::now() + Duration::from_secs(120);
    let stored = loop {
        let wins = store
            .member_wins_count_for_bench(smallacts::ids::GuildId(guild.id))
            .await?;
        if wins >= REPLIES as i64 || Instant::now() > deadline {
            break wins;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let elapsed = started.elapsed().as_secs_f64();
    let mut latencies: Vec<f64> = store
        .win_store_times_for_bench(smallacts::ids::GuildId(guild.id))
        .await?
        .into_iter()
        .filter_map(|(message_id, created_ms)| {
            sent_at
                .get(&message_id)
                .map(|sent| (created_ms * 1000 - sent) as f64 / 1000.0)
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let pick = |p: f64| latencies[((latencies.len() as f64 - 1.0) * p).round() as usize].max(0.0);
    println!(
        "reply_ingest on {backend}: {REPLIES} replies offered at {OFFERED_PER_SECOND}/s from {MEMBERS} members"
    );
    println!(
        "  stored       {stored} wins; sustained {:.0} replies/s",
        stored as f64 / elapsed
    );
    println!(
        "  to stored    p50 {:.1} ms   p99 {:.1} ms   max {:.1} ms (MESSAGE_CREATE sent to row written; ms clock)",
        pick(0.5),
        pick(0.99),
        latencies.last().copied().unwrap_or_default()
    );
    running.stop().await;
    Ok(())
}
