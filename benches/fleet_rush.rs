//! The 09:00 rush for a fleet: 20,000 servers whose daily post is due at the same instant,
//! two `smallacts run` processes (release build) on one PostgreSQL database running 4 of 8
//! gateway shards each, against a fake Discord enforcing 50 requests/s globally and its
//! per-route buckets. Prints whether every server got exactly one post, the 429s met, the
//! messages per second across both processes, the time until the last post and the last
//! thread, each process's peak resident memory, and CPU per post.
//!
//!     cargo bench --bench fleet_rush                               # both processes throughout
//!     SMALLACTS_BENCH_KILL=half cargo bench --bench fleet_rush     # one killed halfway
//!
//! `SMALLACTS_BENCH_SERVERS` changes the count; `SMALLACTS_TEST_POSTGRES_URL` the server
//! (default `postgres://postgres@127.0.0.1:5432/test`; a fresh database is made and dropped).
//! Figures only: nothing here asserts on time.

mod common;

use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Timelike;
use fake_discord::{Sandbox, SandboxOptions};
use smallacts::against_fake::{HttpPath, bot_env};
use smallacts::store::Store;

const SHARDS: u32 = 8;
const ENFORCED_PER_SECOND: u32 = 50;
const CONFIGURED_PER_SECOND: u32 = 45;

fn start(sandbox: &Sandbox, url: &str, range: &str) -> anyhow::Result<common::SampledProcess> {
    let child = Command::new(env!("CARGO_BIN_EXE_smallacts"))
        .arg("run")
        .env("DISCORD_TOKEN", sandbox.token())
        .env_remove("DISCORD_API_URL")
        .envs(bot_env(sandbox, HttpPath::Production))
        .env("DATABASE_URL", url)
        .env("SMALLACTS__HTTP__LISTEN", "")
        .env("SMALLACTS__WEB__LISTEN", "")
        .env("SMALLACTS__LOG__LEVEL", "warn")
        .env("SMALLACTS__DISCORD__SHARDS", SHARDS.to_string())
        .env("SMALLACTS__DISCORD__SHARD_RANGE", range)
        .env(
            "SMALLACTS__DISCORD__REQUESTS_PER_SECOND",
            CONFIGURED_PER_SECOND.to_string(),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()?;
    Ok(common::SampledProcess::new(child))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let servers: usize = std::env::var("SMALLACTS_BENCH_SERVERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_000);
    let kill_half = std::env::var("SMALLACTS_BENCH_KILL").is_ok_and(|v| v == "half");
    let database = common::TempPostgres::create("fleet_rush").await?;
    let url = database.url.clone();

    let sandbox = Sandbox::start(SandboxOptions::default()).await?;
    sandbox.set_rate_limit(Some(ENFORCED_PER_SECOND));
    let joined = Instant::now();
    let channels: HashMap<u64, u64> = sandbox
        .add_guilds(servers, "Team")
        .into_iter()
        .map(|g| (g.id, g.channels[0].id))
        .collect();
    let mut processes = vec![
        start(&sandbox, &url, &format!("0-{}", SHARDS / 2 - 1))?,
        start(&sandbox, &url, &format!("{}-{}", SHARDS / 2, SHARDS - 1))?,
    ];
    let store = Store::connect_url(&url).await;
    // The first process to start makes the schema; wait for it.
    let store = match store {
        Ok(store) => store,
        Err(_) => {
            tokio::time::sleep(Duration::from_secs(2)).await;
            Store::connect_url(&url).await?
        }
    };
    loop {
        let recorded = store.active_server_count().await.unwrap_or(0) as usize;
        if recorded >= servers {
            break;
        }
        for p in &mut processes {
            p.sample();
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    eprintln!(
        "{servers} servers on {SHARDS} shards in two processes, recorded in {:.1} s",
        joined.elapsed().as_secs_f64()
    );
    // What each process holds for its servers once they have all arrived.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let held: Vec<u64> = processes
        .iter_mut()
        .map(|p| {
            p.sample();
            p.last_rss_kib
        })
        .collect();

    // Everyone's post is due at the same whole minute, after the set-up below.
    let soon = chrono::Utc::now() + chrono::Duration::seconds(60 + (servers / 150) as i64);
    let due = soon
        - chrono::Duration::seconds(i64::from(soon.second()))
        - chrono::Duration::nanoseconds(i64::from(soon.nanosecond()))
        + chrono::Duration::minutes(1);
    common::all_due_at(&store, &channels, due).await?;
    eprintln!("{servers} daily posts set for {due}");
    let wait = (due - chrono::Utc::now()).to_std().unwrap_or_default();
    anyhow::ensure!(
        !wait.is_zero(),
        "the set-up ran past the due time; fewer servers?"
    );
    tokio::time::sleep(wait).await;
    let cpu_before: Vec<f64> = processes
        .iter_mut()
        .map(|p| {
            p.sample();
            p.cpu_seconds
        })
        .collect();

    let started = Instant::now();
    let deadline = started + Duration::from_secs(3 * servers as u64 / 40 + 300);
    let (mut last_post, mut last_thread) = (None, None);
    let mut killed = false;
    loop {
        for p in &mut processes {
            if p.child.try_wait()?.is_none() {
                p.sample();
            }
        }
        let posts = sandbox.bot_message_count();
        let threads = sandbox.thread_count();
        if kill_half && !killed && posts >= servers / 2 {
            processes[0].child.kill()?;
            processes[0].child.wait()?;
            killed = true;
            eprintln!(
                "killed the first process at {posts} posts, {:.1} s in",
                started.elapsed().as_secs_f64()
            );
        }
        if last_post.is_none() && posts >= servers {
            last_post = Some(started.elapsed());
        }
        if last_thread.is_none() && threads >= servers {
            last_thread = Some(started.elapsed());
        }
        if (last_post.is_some() && last_thread.is_some()) || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    let common::Tally {
        exactly_once,
        duplicates,
        missing,
    } = common::tally(&sandbox, &channels);
    let posts = sandbox.bot_messages().len();
    let cpu: f64 = processes
        .iter()
        .zip(&cpu_before)
        .map(|(p, before)| p.cpu_seconds - before)
        .sum();
    let seconds = |d: Option<Duration>| {
        d.map(|d| format!("{:.1} s", d.as_secs_f64()))
            .unwrap_or_else(|| "not reached".into())
    };
    println!(
        "fleet_rush: {servers} servers due at the same instant; 2 processes x {} of {SHARDS} shards on PostgreSQL; fake Discord enforcing {ENFORCED_PER_SECOND} requests/s; {CONFIGURED_PER_SECOND}/s configured{}",
        SHARDS / 2,
        if kill_half {
            "; the first process killed at half"
        } else {
            ""
        }
    );
    println!(
        "  posted        {posts} posts; {exactly_once} servers exactly once; {duplicates} with duplicates; {missing} missing"
    );
    println!("  429s          {}", sandbox.rate_limited_count());
    if let Some(at) = last_post {
        let rate = servers as f64 / at.as_secs_f64();
        println!(
            "  messages/s    {rate:.1} ({:.1} % of the configured {CONFIGURED_PER_SECOND}/s)",
            100.0 * rate / f64::from(CONFIGURED_PER_SECOND)
        );
    }
    println!("  last post     {}", seconds(last_post));
    println!("  last thread   {}", seconds(last_thread));
    for (n, (p, held)) in processes.iter().zip(&held).enumerate() {
        println!(
            "  process {}     RSS {:.1} MB holding its servers, peak {:.1} MB",
            n + 1,
            common::mb(*held),
            common::mb(p.peak_rss_kib)
        );
    }
    println!(
        "  CPU           {cpu:.2} s over both processes, {:.3} ms per post",
        1000.0 * cpu / posts.max(1) as f64
    );
    drop(processes);
    store.close().await;
    database.drop_database().await?;
    Ok(())
}
