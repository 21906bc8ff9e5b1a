//! Drives many `/idea` interactions (and "Another idea" clicks) through the fake Discord at a
//! real `smallacts run` process, and prints round-trip times and the bot's resident memory.
//!
//!     cargo bench --bench idea_roundtrip
//!
//! Round trip: from the fake Discord sending INTERACTION_CREATE on the gateway to receiving
//! the bot's interaction callback over HTTP. Memory: VmRSS of the bot process, idle (after
//! start-up and a short warm-up) and the peak while under load. Figures only, no assertions.

mod common;

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fake_discord::{Sandbox, SandboxOptions};
use futures::StreamExt;
use serde_json::json;
use smallacts::against_fake::bot_env;

const MEMBERS: usize = 50;
const INTERACTIONS: usize = 4_000;
const CONCURRENCY: usize = 8;

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[index]
}

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    // The OpenAPI check costs the fake Discord time, not the bot; leave it off here so the
    // figures are about the bot.
    let sandbox = Sandbox::start(SandboxOptions::default()).await?;
    let path = common::http_path();
    let dir = tempfile::tempdir()?;
    let child = Command::new(env!("CARGO_BIN_EXE_smallacts"))
        .arg("run")
        .env("DISCORD_TOKEN", sandbox.token())
        .env_remove("DISCORD_API_URL")
        .envs(bot_env(&sandbox, path))
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.path().join("bench.db").display()),
        )
        .env("SMALLACTS__HTTP__LISTEN", "")
        .env("SMALLACTS__WEB__LISTEN", "")
        .env("SMALLACTS__LOG__LEVEL", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()?;
    let bot = KillOnDrop(child);
    let pid = bot.0.id();
    sandbox.wait_until_ready().await?;

    let users: Vec<_> = (0..MEMBERS)
        .map(|i| sandbox.new_user(&format!("Member {i}")))
        .collect();
    let guild = sandbox.add_guild("Benchmark Care Home", users.clone());
    let actors: Vec<_> = users.iter().map(|u| sandbox.member(&guild, u)).collect();
    let filters = [
        json!([]),
        json!([sandbox.choice("idea", "size", "Smallest: a few seconds")?]),
        json!([sandbox.choice("idea", "way", "Give")?]),
        json!([sandbox.choice("idea", "setting", "In care (shifts, residents, handovers)")?]),
    ];

    // Warm-up, then let the process settle before reading idle memory.
    for actor in actors.iter().take(20) {
        sandbox.slash(actor, "idea", json!([])).await?;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_kib = rss_kib(pid);

    let peak = Arc::new(AtomicU64::new(idle_kib));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(rss_kib(pid), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        })
    };

    let started = Instant::now();
    let sandbox = &sandbox;
    let results: Vec<anyhow::Result<Duration>> = futures::stream::iter(0..INTERACTIONS)
        .map(|n| {
            let actor = &actors[n % MEMBERS];
            let filter = filters[n % filters.len()].clone();
            async move {
                let reply = sandbox.slash(actor, "idea", filter).await?;
                if n % 4 == 3 {
                    let message = reply.message.clone().unwrap_or_default();
                    let button = reply.button("Another idea").unwrap_or_default();
                    return Ok(sandbox.click(actor, &message, &button).await?.round_trip);
                }
                Ok(reply.round_trip)
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    let elapsed = started.elapsed();
    sampling.store(false, Ordering::Relaxed);
    sampler.await?;

    let mut times: Vec<Duration> = results.into_iter().collect::<anyhow::Result<_>>()?;
    times.sort();
    let violations = sandbox.violations();
    println!(
        "idea_roundtrip: {INTERACTIONS} interactions ({} slash, {} button), {CONCURRENCY} at a time, {MEMBERS} members",
        INTERACTIONS - INTERACTIONS / 4,
        INTERACTIONS / 4
    );
    println!("  HTTP path    {path:?} (SMALLACTS_BENCH_HTTP_PATH=proxy for the other)");
    println!(
        "  round trip   p50 {:.2} ms   p99 {:.2} ms   max {:.2} ms",
        ms(percentile(&times, 0.50)),
        ms(percentile(&times, 0.99)),
        ms(*times.last().unwrap())
    );
    println!(
        "  throughput   {:.0} interactions/s",
        INTERACTIONS as f64 / elapsed.as_secs_f64()
    );
    println!(
        "  bot memory   idle {:.1} MB   peak under load {:.1} MB (VmRSS)",
        idle_kib as f64 / 1024.0,
        peak.load(Ordering::Relaxed) as f64 / 1024.0
    );
    println!("  refused by the fake Discord: {}", violations.len());
    drop(bot);
    Ok(())
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}
