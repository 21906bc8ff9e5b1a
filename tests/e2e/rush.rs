//! A daily rush against the real binary, with the process killed (SIGKILL) or stopped
//! (SIGTERM) in the middle of it and started again on the same database: what an operator's
//! crash or deploy does. Used by the crash tests (tests/e2e/crash.rs, also run many times
//! with `SMALLACTS_CRASH_RUNS=20`, for the figures in RELIABILITY.md).

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use chrono::Timelike;
use fake_discord::{Sandbox, SandboxOptions};
use smallacts::against_fake::{HttpPath, bot_env};
use smallacts::calendar::Schedule;
use smallacts::ids::GuildId;
use smallacts::store::{DailyChange, Store};

/// How the process is interrupted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interruption {
    /// `kill -9`: nothing is finished or handed back.
    Kill,
    /// SIGTERM, as `docker stop` or a deploy sends: the bot must stop gracefully and exit 0.
    Terminate,
}

#[derive(Debug, Clone)]
pub struct RushOptions {
    pub servers: usize,
    /// The bot's pacing (`discord.requests_per_second`): sets how long the rush lasts.
    pub requests_per_second: u32,
    /// `schedule.lease_seconds`: how soon a stranded claim is taken over.
    pub lease_seconds: u32,
    pub interruption: Interruption,
    /// How far into the rush (after its first post) the process is interrupted.
    pub interrupt_after: Duration,
}

/// What one run left behind.
#[derive(Debug, Clone)]
pub struct RushOutcome {
    pub servers: usize,
    /// Daily posts out when the process was interrupted.
    pub posted_before: usize,
    /// Servers with no daily post at the end.
    pub missing: usize,
    /// Servers with more than one.
    pub duplicates: usize,
    /// For SIGTERM: the exit code, and how long the process took to exit.
    pub exit_code: Option<i32>,
    pub stop_took: Duration,
    /// From the restart until every server had its post.
    pub recovered_in: Duration,
    /// Claims the restarted process took over (from its log).
    pub taken_over: usize,
    /// For SIGTERM: claims the stopping process handed back unsent (from its log).
    pub handed_back: u64,
    /// The close code the interrupted process sent on its gateway connection, if any.
    pub gateway_close: Option<u16>,
}

pub struct BotProcess(pub Child);

impl Drop for BotProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the real binary against the fake Discord (production's HTTP path) and
/// `database_url`, logging JSON to `log`; `extra` sets further settings (shards, say).
pub fn start_bot(
    binary: &str,
    sandbox: &Sandbox,
    database_url: &str,
    options: &RushOptions,
    log: &Path,
    extra: &[(&str, String)],
) -> anyhow::Result<BotProcess> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)?;
    let child = Command::new(binary)
        .arg("run")
        .env("DISCORD_TOKEN", sandbox.token())
        // Production's HTTP path: serenity's own rate limiter, HTTPS to discord.com (the fake).
        .env_remove("DISCORD_API_URL")
        .envs(bot_env(sandbox, HttpPath::Production))
        .env("DATABASE_URL", database_url)
        .env("SMALLACTS__HTTP__LISTEN", "")
        .env("SMALLACTS__WEB__LISTEN", "")
        .env("SMALLACTS__LOG__LEVEL", "info")
        .env("SMALLACTS__LOG__FORMAT", "json")
        .env("SMALLACTS__SCHEDULE__TICK_SECONDS", "1")
        .env(
            "SMALLACTS__SCHEDULE__LEASE_SECONDS",
            options.lease_seconds.to_string(),
        )
        .env(
            "SMALLACTS__DISCORD__REQUESTS_PER_SECOND",
            options.requests_per_second.to_string(),
        )
        .envs(extra.iter().map(|(k, v)| (*k, v.as_str())))
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()?;
    Ok(BotProcess(child))
}

/// A fixed-offset zone where it is around midday now, so the run never straddles a local
/// midnight (after which the catch-up rules would rightly skip yesterday's post).
pub fn midday_zone() -> String {
    let hour = chrono::Utc::now().hour() as i32;
    let offset = (12 - hour).clamp(-12, 14);
    match offset {
        0 => "Etc/UTC".into(),
        // POSIX-style names: Etc/GMT-3 is three hours ahead of UTC.
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    }
}

/// Daily posts in a channel (the ones with the "I did it" button).
pub fn daily_posts(sandbox: &Sandbox, channel: u64) -> usize {
    sandbox
        .channel_messages(channel)
        .iter()
        .filter(|m| m["components"][0]["components"][0]["label"] == "I did it")
        .count()
}

pub fn posts_by_channel(sandbox: &Sandbox, channels: &[u64]) -> Vec<usize> {
    channels.iter().map(|c| daily_posts(sandbox, *c)).collect()
}

pub async fn wait_until(deadline: Duration, mut done: impl FnMut() -> bool) -> bool {
    let until = Instant::now() + deadline;
    while Instant::now() < until {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    done()
}

/// Sets every server's daily post (in `guilds`: server -> channel) due this very minute, at
/// local midday.
pub async fn make_all_due_now(store: &Store, guilds: &HashMap<u64, u64>) -> anyhow::Result<()> {
    // Every server due this very minute, local midday.
    let zone = midday_zone();
    let tz = smallacts::calendar::parse_timezone(&zone)?;
    let now = chrono::Utc::now();
    let local = now.with_timezone(&tz);
    let schedule = Schedule::daily(&local.format("%H:%M").to_string(), "every")?.to_storage();
    let due = now
        - chrono::Duration::seconds(i64::from(now.second()))
        - chrono::Duration::nanoseconds(i64::from(now.nanosecond()));
    for (guild, channel) in guilds {
        let change = DailyChange {
            channel_id: Some(smallacts::ids::ChannelId(*channel)),
            schedule: Some(schedule.clone()),
            timezone: Some(zone.clone()),
            next_at: Some(Some(due.timestamp_millis())),
            ..Default::default()
        };
        store
            .change_daily(GuildId(*guild), &change, now.timestamp_millis())
            .await?;
    }
    Ok(())
}

/// One run: a fresh fake Discord with `servers` servers all due at once, the bot started on
/// `database_url` (empty), interrupted mid-rush, started again, and every server's daily
/// posts counted.
pub async fn rush_with_interruption(
    binary: &str,
    database_url: &str,
    options: &RushOptions,
) -> anyhow::Result<RushOutcome> {
    let sandbox = Sandbox::start(SandboxOptions::default()).await?;
    let dir = tempfile::tempdir()?;
    let log = dir.path().join("bot.log");
    let mut bot = start_bot(binary, &sandbox, database_url, options, &log, &[])?;
    sandbox.wait_until_ready().await?;

    let mut channels = Vec::new();
    let mut guilds = HashMap::new();
    for n in 0..options.servers {
        let guild = sandbox.add_guild(&format!("Team {n}"), vec![]);
        channels.push(guild.channels[0].id);
        guilds.insert(guild.id, guild.channels[0].id);
    }
    let store = Store::connect_url(database_url).await?;
    let until = Instant::now() + Duration::from_secs(60);
    while (store.active_server_count().await? as usize) < options.servers {
        anyhow::ensure!(
            Instant::now() < until,
            "the bot never recorded every server"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    make_all_due_now(&store, &guilds).await?;
    store.close().await;

    // Interrupt it mid-rush.
    anyhow::ensure!(
        wait_until(Duration::from_secs(30), || !sandbox
            .bot_messages()
            .is_empty())
        .await,
        "the rush never started; see {}",
        log.display()
    );
    tokio::time::sleep(options.interrupt_after).await;
    let posted_before = posts_by_channel(&sandbox, &channels)
        .iter()
        .filter(|n| **n > 0)
        .count();
    let stopping = Instant::now();
    let exit_code = match options.interruption {
        Interruption::Kill => {
            bot.0.kill()?;
            bot.0.wait()?;
            None
        }
        Interruption::Terminate => {
            Command::new("kill")
                .args(["-TERM", &bot.0.id().to_string()])
                .status()?;
            let until = Instant::now() + Duration::from_secs(30);
            loop {
                if let Some(status) = bot.0.try_wait()? {
                    break status.code();
                }
                anyhow::ensure!(Instant::now() < until, "the bot did not stop on SIGTERM");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    };
    let stop_took = stopping.elapsed();
    drop(bot);
    let gateway_close = sandbox.client_close_codes().last().copied();

    // Started again on the same database: everything claimed and everything not yet claimed
    // goes out, once.
    let restarted = Instant::now();
    let bot = start_bot(binary, &sandbox, database_url, options, &log, &[])?;
    let rush_time = Duration::from_secs_f64(
        2.0 * options.servers as f64 / f64::from(options.requests_per_second),
    );
    let patience = rush_time + Duration::from_secs(u64::from(options.lease_seconds) + 60);
    wait_until(patience, || {
        posts_by_channel(&sandbox, &channels).iter().all(|n| *n > 0)
    })
    .await;
    let recovered_in = restarted.elapsed();
    // Long enough for a late duplicate to show: another lease and a few passes.
    tokio::time::sleep(Duration::from_secs(u64::from(options.lease_seconds) + 3)).await;
    let counts = posts_by_channel(&sandbox, &channels);
    drop(bot);
    let logged = std::fs::read_to_string(&log).unwrap_or_default();
    let events: Vec<serde_json::Value> = logged
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    let message = |e: &serde_json::Value| e["message"].as_str().unwrap_or_default().to_owned();
    let taken_over = events
        .iter()
        .filter(|e| message(e).starts_with("taking over a claim"))
        .count();
    let handed_back = events
        .iter()
        .filter(|e| message(e) == "stopped")
        .filter_map(|e| e["released"].as_u64())
        .sum();
    let outcome = RushOutcome {
        servers: options.servers,
        posted_before,
        missing: counts.iter().filter(|n| **n == 0).count(),
        duplicates: counts.iter().filter(|n| **n > 1).count(),
        exit_code,
        stop_took,
        recovered_in,
        taken_over,
        handed_back,
        gateway_close,
    };
    if outcome.missing + outcome.duplicates > 0 {
        eprintln!("{outcome:?}\nthe bot's log:\n{logged}");
    }
    Ok(outcome)
}
