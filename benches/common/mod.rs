//! What the benchmarks share: a PostgreSQL database of their own for one run, and which HTTP
//! path the bot under test takes to the fake Discord.

/// The bot's HTTP path: production's (serenity's own rate limiter, HTTPS to the fake as
/// discord.com) unless `SMALLACTS_BENCH_HTTP_PATH=proxy` asks for the proxy path
/// (`discord.api_url`, serenity's limiter off) to compare.
#[allow(dead_code)]
pub fn http_path() -> smallacts::against_fake::HttpPath {
    match std::env::var("SMALLACTS_BENCH_HTTP_PATH").as_deref() {
        Ok("proxy") => smallacts::against_fake::HttpPath::Proxy,
        _ => smallacts::against_fake::HttpPath::Production,
    }
}

#[allow(dead_code)]
/// A database created on the server named by `SMALLACTS_TEST_POSTGRES_URL` (default the local
/// test server), dropped by [`TempPostgres::drop_database`].
pub struct TempPostgres {
    admin: sqlx::PgConnection,
    name: String,
    pub url: String,
}

#[allow(dead_code)]
impl TempPostgres {
    pub async fn create(prefix: &str) -> anyhow::Result<TempPostgres> {
        use sqlx::{Connection, Executor};
        let admin_url = std::env::var("SMALLACTS_TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
        let name = format!("{prefix}_{}", std::process::id());
        let mut admin = sqlx::PgConnection::connect(&admin_url).await?;
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .await?;
        let mut url = url::Url::parse(&admin_url)?;
        url.set_path(&format!("/{name}"));
        Ok(TempPostgres {
            admin,
            name,
            url: url.to_string(),
        })
    }

    pub async fn drop_database(mut self) -> anyhow::Result<()> {
        use sqlx::Executor;
        let sql = format!("DROP DATABASE {} WITH (FORCE)", self.name);
        self.admin.execute(sqlx::AssertSqlSafe(sql)).await?;
        Ok(())
    }
}

/// Sets every server's daily post (`channels`: server -> channel) due at `due`, a whole
/// minute in UTC: the rush the rush benchmarks time.
#[allow(dead_code)]
pub async fn all_due_at(
    store: &smallacts::store::Store,
    channels: &std::collections::HashMap<u64, u64>,
    due: chrono::DateTime<chrono::Utc>,
) -> anyhow::Result<()> {
    let schedule = smallacts::calendar::Schedule::daily(&due.format("%H:%M").to_string(), "every")?
        .to_storage();
    for (guild, channel) in channels {
        let change = smallacts::store::DailyChange {
            channel_id: Some(smallacts::ids::ChannelId(*channel)),
            schedule: Some(schedule.clone()),
            timezone: Some("UTC".into()),
            next_at: Some(Some(due.timestamp_millis())),
            ..Default::default()
        };
        store
            .change_daily(
                smallacts::ids::GuildId(*guild),
                &change,
                due.timestamp_millis(),
            )
            .await?;
    }
    Ok(())
}

/// User + system CPU time of a process, from /proc (clock ticks of 10 ms on Linux); `None`
/// once it has gone.
#[allow(dead_code)]
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = stat.rsplit_once(')').map(|(_, rest)| rest)?;
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok());
    // utime and stime are fields 14 and 15 of the whole line: 12 and 13 after the name.
    Some((ticks(11)? + ticks(12)?) / 100.0)
}

/// How the bot's messages fell over the servers (`channels`: server -> channel).
#[allow(dead_code)]
pub struct Tally {
    pub exactly_once: usize,
    pub duplicates: usize,
    pub missing: usize,
}

/// Counts the bot's messages per channel against the servers that were due.
#[allow(dead_code)]
pub fn tally(
    sandbox: &fake_discord::Sandbox,
    channels: &std::collections::HashMap<u64, u64>,
) -> Tally {
    let mut per_channel: std::collections::HashMap<u64, usize> = Default::default();
    for message in sandbox.bot_messages() {
        if let Some(channel) = message["channel_id"].as_str().and_then(|c| c.parse().ok()) {
            *per_channel.entry(channel).or_default() += 1;
        }
    }
    let count = |wanted: fn(Option<&usize>) -> bool| {
        channels
            .values()
            .filter(|c| wanted(per_channel.get(c)))
            .count()
    };
    Tally {
        exactly_once: count(|n| n == Some(&1)),
        duplicates: count(|n| n.is_some_and(|n| *n > 1)),
        missing: count(|n| n.is_none()),
    }
}

/// A `smallacts run` child process whose memory and CPU are sampled while it lives (a killed
/// one keeps its last figures).
#[allow(dead_code)]
pub struct SampledProcess {
    pub child: std::process::Child,
    pub peak_rss_kib: u64,
    pub last_rss_kib: u64,
    pub cpu_seconds: f64,
}

#[allow(dead_code)]
impl SampledProcess {
    pub fn new(child: std::process::Child) -> SampledProcess {
        SampledProcess {
            child,
            peak_rss_kib: 0,
            last_rss_kib: 0,
            cpu_seconds: 0.0,
        }
    }

    pub fn sample(&mut self) {
        let pid = self.child.id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        if let Some(rss) = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse::<u64>().ok())
        {
            self.last_rss_kib = rss;
            self.peak_rss_kib = self.peak_rss_kib.max(rss);
        }
        if let Some(cpu) = cpu_seconds(pid) {
            self.cpu_seconds = cpu;
        }
    }
}

impl Drop for SampledProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Megabytes from /proc's KiB.
#[allow(dead_code)]
pub fn mb(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
