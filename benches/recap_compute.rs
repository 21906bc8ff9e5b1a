//! The weekly recap for a server with 1,000,000 stored wins, 10,000 of them this week, on
//! SQLite and on PostgreSQL. Prints how long computing the recap takes (and rendering its
//! chart), over repeated runs.
//!
//!     cargo bench --bench recap_compute
//!
//! PostgreSQL: `SMALLACTS_TEST_POSTGRES_URL` (default postgres://postgres@127.0.0.1:5432/test);
//! a database is created for the run and dropped after. Figures only, no assertions.

#[path = "common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use smallacts::acts::Catalogue;
use smallacts::store::Store;

const TOTAL: i64 = 1_000_000;
const THIS_WEEK: i64 = 10_000;
const RUNS: usize = 20;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    run(
        "SQLite",
        &format!("sqlite://{}", dir.path().join("recap.db").display()),
    )
    .await?;
    let postgres = common::TempPostgres::create("smallacts_recap").await?;
    let outcome = run("PostgreSQL", &postgres.url).await;
    postgres.drop_database().await?;
    outcome
}

async fn run(backend: &str, url: &str) -> anyhow::Result<()> {
    let store = Store::connect_url(url).await?;
    store.migrate().await?;
    let guild = smallacts::ids::GuildId(1_234_567_890);
    // Friday 16:00 in London: the recap's usual moment.
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-06-12T15:00:00Z")?.to_utc();
    store
        .upsert_server(guild, "Benchmark Care Home", None, "Europe/London", 0)
        .await?;
    let acts = Catalogue::built_in()?.acts;
    store.sync_catalogue(&acts, 0).await?;
    let act_ids: Vec<smallacts::ids::ActId> = store
        .active_acts(None)
        .await?
        .iter()
        .map(|a| a.id)
        .collect();

    let loading = Instant::now();
    let week_start = DateTime::parse_from_rfc3339("2026-06-07T23:00:00Z")?.timestamp_millis();
    let span = now.timestamp_millis() - week_start;
    let history_start = week_start - 2 * 365 * 86_400_000;
    let mut batch = Vec::with_capacity(50_000);
    for n in 0..TOTAL {
        let at = if n < THIS_WEEK {
            week_start + (n * 7_919_777) % span
        } else {
            history_start + (n * 104_729) % (week_start - history_start)
        };
        let act = (n % 5 != 0).then(|| act_ids[(n as usize * 31) % act_ids.len()]);
        batch.push((smallacts::ids::MemberId((n % 400) as u64), at, act));
        if batch.len() == 50_000 {
            store.insert_wins_for_bench(guild, &batch).await?;
            batch.clear();
        }
    }
    store.insert_wins_for_bench(guild, &batch).await?;
    eprintln!(
        "{backend}: {TOTAL} wins stored in {:.1} s",
        loading.elapsed().as_secs_f64()
    );

    let mut compute = Vec::new();
    let mut chart = Vec::new();
    let mut recap = None;
    for _ in 0..RUNS {
        let started = Instant::now();
        let r = smallacts::recap::compute(&store, guild, chrono_tz::Europe::London, now).await?;
        compute.push(started.elapsed());
        let started = Instant::now();
        let _png = r.chart();
        chart.push(started.elapsed());
        recap = Some(r);
    }
    compute.sort();
    chart.sort();
    let recap = recap.expect("ran");
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "recap_compute on {backend}: {TOTAL} wins stored, {} this week, {RUNS} runs",
        recap.wins
    );
    println!(
        "  compute      median {:.1} ms   max {:.1} ms (week's wins, last week's count, day and week runs of {} and {})",
        ms(compute[RUNS / 2]),
        ms(compute[RUNS - 1]),
        recap.day_streak,
        recap.week_streak
    );
    println!(
        "  chart        median {:.1} ms   max {:.1} ms",
        ms(chart[RUNS / 2]),
        ms(chart[RUNS - 1])
    );
    store.close().await;
    Ok(())
}
