//! What one `smallacts run` process (release build) holds in memory for the servers it is in:
//! a fake Discord with `SMALLACTS_BENCH_SERVERS` servers (default 10,000, the share of one of
//! two processes in the fleet benchmark), shards of 2,000 servers, PostgreSQL. Prints the
//! resident memory at its peak while they arrive and held once they are all recorded; nothing is due, so this is the cost of the servers alone.
//!
//!     cargo bench --bench servers_memory
//!
//! Figures only: nothing here asserts.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use fake_discord::{Sandbox, SandboxOptions};
use smallacts::against_fake::{HttpPath, bot_env};
use smallacts::store::Store;

const SERVERS_PER_SHARD: usize = 2_000;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let servers: usize = std::env::var("SMALLACTS_BENCH_SERVERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10_000);
    let shards = servers.div_ceil(SERVERS_PER_SHARD).max(1);
    let database = common::TempPostgres::create("servers_memory").await?;
    let sandbox = Sandbox::start(SandboxOptions::default()).await?;
    sandbox.add_guilds(servers, "Team");
    let child = Command::new(env!("CARGO_BIN_EXE_smallacts"))
        .arg("run")
        .env("DISCORD_TOKEN", sandbox.token())
        .env_remove("DISCORD_API_URL")
        .envs(bot_env(&sandbox, HttpPath::Production))
        .env("DATABASE_URL", &database.url)
        .env("SMALLACTS__HTTP__LISTEN", "")
        .env("SMALLACTS__WEB__LISTEN", "")
        .env("SMALLACTS__LOG__LEVEL", "warn")
        .env("SMALLACTS__DISCORD__SHARDS", shards.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()?;
    let mut process = common::SampledProcess::new(child);
    let started = Instant::now();
    let store = loop {
        process.sample();
        if let Ok(store) = Store::connect_url(&database.url).await {
            break store;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    loop {
        process.sample();
        anyhow::ensure!(
            process.child.try_wait()?.is_none(),
            "the bot stopped; run it by hand to see why"
        );
        let recorded = store.active_server_count().await.unwrap_or(0) as usize;
        if recorded >= servers {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let arrived = started.elapsed();
    // Settled: what it keeps, sampled for a few seconds.
    for _ in 0..20 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        process.sample();
    }
    let held = process.last_rss_kib;
    println!("servers_memory: {servers} servers on {shards} shards, one process, PostgreSQL");
    println!("  all recorded  {:.1} s after start", arrived.as_secs_f64());
    println!("  RSS peak      {:.1} MB", common::mb(process.peak_rss_kib));
    println!(
        "  RSS held      {:.1} MB once all are recorded ({:.2} KB per server, everything included)",
        common::mb(held),
        held as f64 / servers as f64
    );
    drop(process);
    store.close().await;
    database.drop_database().await?;
    Ok(())
}
