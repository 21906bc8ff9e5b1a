//! 10,000 servers whose daily post is due in the same minute, against a fake Discord that
//! enforces 50 requests per second. Prints whether every server got exactly one post, how
//! many 429s the bot met, the request rate it kept, and the bot's CPU time per post.
//!
//!     cargo bench --bench daily_rush
//!
//! A real `smallacts run` process (release build, SQLite, default pacing of 45 requests/s).
//! Each post is two requests: the message, and the thread for the day's wins. Figures only.

mod common;

use std::collections::HashMap;

use chrono::Timelike;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fake_discord::{Sandbox, SandboxOptions};
use smallacts::against_fake::bot_env;
use smallacts::store::Store;

const SERVERS: usize = 10_000;
const ENFORCED_PER_SECOND: u32 = 50;
const CONFIGURED_PER_SECOND: u32 = 45;

struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let sandbox = Sandbox::start(SandboxOptions::default()).await?;
    let path = common::http_path();
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("rush.db").display());
    let child = Command::new(env!("CARGO_BIN_EXE_smallacts"))
        .arg("run")
        .env("DISCORD_TOKEN", sandbox.token())
        .env_remove("DISCORD_API_URL")
        .envs(bot_env(&sandbox, path))
        .env("DATABASE_URL", &url)
        .env("SMALLACTS__HTTP__LISTEN", "")
        .env("SMALLACTS__WEB__LISTEN", "")
        .env("SMALLACTS__LOG__LEVEL", "warn")
        .env(
            "SMALLACTS__DISCORD__REQUESTS_PER_SECOND",
            CONFIGURED_PER_SECOND.to_string(),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .spawn()?;
    let bot = KillOnDrop(child);
    let pid = bot.0.id();
    sandbox.wait_until_ready().await?;

    let joined = Instant::now();
    let mut channels = HashMap::new();
    for n in 0..SERVERS {
        let guild = sandbox.add_guild(&format!("Team {n}"), vec![]);
        channels.insert(guild.id, guild.channels[0].id);
    }
    let store = Store::connect_url(&url).await?;
    while (store.active_server_count().await? as usize) < SERVERS {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    eprintln!(
        "{SERVERS} servers joined in {:.1} s",
        joined.elapsed().as_secs_f64()
    );

    // Everyone's post is due at the same instant: the start of a minute about four minutes away, after the set-up below
    // (a daily time is a whole minute).
    let soon = chrono::Utc::now() + chrono::Duration::seconds(240);
    let due = soon
        - chrono::Duration::seconds(i64::from(soon.second()))
        - chrono::Duration::nanoseconds(i64::from(soon.nanosecond()));
    common::all_due_at(&store, &channels, due).await?;
    eprintln!("{SERVERS} daily posts set for {due}");
    let cpu_before = common::cpu_seconds(pid).unwrap_or_default();
    let requests_before = sandbox.requests().len();
    tokio::time::sleep((due - chrono::Utc::now()).to_std().unwrap_or_default()).await;

    let started = Instant::now();
    let deadline = started + Duration::from_secs(900);
    let posts = loop {
        let posts = sandbox.bot_message_count();
        if posts >= SERVERS || Instant::now() > deadline {
            break posts;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    // Let the last posts' threads finish.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let elapsed = started.elapsed().as_secs_f64() - 2.0;
    let cpu = common::cpu_seconds(pid).unwrap_or_default() - cpu_before;
    let requests = sandbox.requests().len() - requests_before;

    let common::Tally {
        exactly_once,
        duplicates,
        ..
    } = common::tally(&sandbox, &channels);
    let rate = requests as f64 / elapsed;
    println!(
        "daily_rush: {SERVERS} servers due at the same instant, fake Discord enforcing {ENFORCED_PER_SECOND} requests/s, bot pacing at {CONFIGURED_PER_SECOND}/s"
    );
    println!(
        "  posted       {posts} posts; {exactly_once} servers exactly once; {duplicates} with duplicates"
    );
    println!("  HTTP path    {path:?} (SMALLACTS_BENCH_HTTP_PATH=proxy for the other)");
    println!("  429s         {}", sandbox.rate_limited_count());
    println!(
        "  requests     {requests} in {elapsed:.1} s = {rate:.1}/s ({:.1} % of the configured {CONFIGURED_PER_SECOND}/s)",
        100.0 * rate / f64::from(CONFIGURED_PER_SECOND)
    );
    println!("  posts/s      {:.1}", posts as f64 / elapsed);
    println!(
        "  bot CPU      {cpu:.2} s in all, {:.3} ms per post",
        1000.0 * cpu / posts.max(1) as f64
    );
    println!(
        "  refused by the fake Discord: {}",
        sandbox.violations().len()
    );
    drop(bot);
    Ok(())
}
