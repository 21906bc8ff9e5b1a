//! Buddy pairing for 5,000 members with a year of fortnightly history (26 rounds, each made by
//! `pair_round` itself from a seeded rng). Prints the history's size, how long rebuilding
//! `History` from the stored groups takes (what the bot does after loading them from its
//! database), and how long pairing the next round takes, over repeated runs.
//!
//!     cargo bench --bench buddy_pairing
//!
//! Then the same year stored in a real database, SQLite and PostgreSQL, and the bot's own
//! `Checkins::plan_round` timed: loading the 5,000 members and the year of groups, rebuilding
//! the history and pairing (what a buddy round does before its direct messages), plus storing
//! the new round's groups.
//!
//! Every line is `buddy_pairing <label>: <value>`. Exits non-zero if a timed round repeats a
//! pair or loses a member. PostgreSQL: `SMALLACTS_TEST_POSTGRES_URL` (default
//! postgres://postgres@127.0.0.1:5432/test); a database is created for the run and dropped.

#[path = "common/mod.rs"]
mod common;

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;
use smallacts::checkins::pairing::{History, MemberId, pair_round};
use smallacts::checkins::{CheckinConfig, Checkins, PromptBank, SupportLists};
use smallacts::clock::ManualClock;
use smallacts::ids::{self, GuildId};
use smallacts::settings::Settings;
use smallacts::store::{Claim, Lease, NewPost, Store};

const MEMBERS: u64 = 5_000;
const ROUNDS: i64 = 26;
const RUNS: u64 = 20;

fn main() {
    // Discord-snowflake-like ids.
    let members: Vec<MemberId> = (0..MEMBERS)
        .map(|i| 1_150_000_000_000_000_000 + i * 4_194_304 * 977)
        .collect();

    // A year of fortnightly rounds, each recorded as the bot would.
    let mut rng = StdRng::seed_from_u64(2026);
    let mut history = History::new();
    let mut past: Vec<(i64, Vec<MemberId>)> = Vec::new();
    let mut history_repeats = 0;
    for round in 1..=ROUNDS {
        let groups = pair_round(&members, &history, &mut rng);
        history_repeats += repeats(&history, &groups);
        for g in groups {
            history.record(round, &g);
            past.push((round, g));
        }
    }
    let pair_records: usize = past.iter().map(|(_, g)| g.len() * (g.len() - 1) / 2).sum();

    // Rebuilding History from the stored groups.
    let mut build_ms = Vec::new();
    for _ in 0..RUNS {
        let started = Instant::now();
        let mut rebuilt = History::new();
        for (round, group) in &past {
            rebuilt.record(*round, group);
        }
        build_ms.push(started.elapsed().as_secs_f64() * 1e3);
        assert_eq!(rebuilt.pair_count(), history.pair_count());
        black_box(rebuilt);
    }

    // The next round, timed.
    let mut pair_ms = Vec::new();
    let mut timed_repeats = 0;
    let mut broken = 0;
    for run in 0..RUNS {
        let mut rng = StdRng::seed_from_u64(run);
        let started = Instant::now();
        let groups = pair_round(black_box(&members), &history, &mut rng);
        pair_ms.push(started.elapsed().as_secs_f64() * 1e3);
        timed_repeats = timed_repeats.max(repeats(&history, &groups));
        let mut seen: Vec<MemberId> = groups.concat();
        seen.sort_unstable();
        if seen != members || groups.iter().any(|g| g.len() != 2) {
            broken += 1;
        }
    }

    let label = |name: &str, value: String| println!("buddy_pairing {name}: {value}");
    label("members", MEMBERS.to_string());
    label("rounds of history", ROUNDS.to_string());
    label("history groups recorded", past.len().to_string());
    label("history pairs recorded", pair_records.to_string());
    label("history distinct pairs", history.pair_count().to_string());
    label("history repeats", history_repeats.to_string());
    label("timed runs", RUNS.to_string());
    label(
        "timed round repeats (max over runs)",
        timed_repeats.to_string(),
    );
    label("timed round invalid groupings", broken.to_string());
    label(
        "pair_round p50 ms",
        format!("{:.3}", percentile(&mut pair_ms, 0.5)),
    );
    label(
        "pair_round max ms",
        format!("{:.3}", percentile(&mut pair_ms, 1.0)),
    );
    label(
        "history build p50 ms",
        format!("{:.3}", percentile(&mut build_ms, 0.5)),
    );
    label(
        "history build max ms",
        format!("{:.3}", percentile(&mut build_ms, 1.0)),
    );
    if timed_repeats != 0 || broken != 0 || history_repeats != 0 {
        eprintln!("buddy_pairing FAILED: repeats or invalid groupings");
        std::process::exit(1);
    }

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let sqlite = format!("sqlite://{}", dir.path().join("pairing.db").display());
        let mut failed = with_store("SQLite", &sqlite, &members, &past).await;
        let postgres = common::TempPostgres::create("smallacts_pairing")
            .await
            .expect("a PostgreSQL database (SMALLACTS_TEST_POSTGRES_URL)");
        failed |= with_store("PostgreSQL", &postgres.url, &members, &past).await;
        postgres.drop_database().await.expect("dropping it");
        if failed {
            eprintln!("buddy_pairing FAILED: a stored round repeated a pair or lost a member");
            std::process::exit(1);
        }
    });
}

/// The year of rounds stored through the bot's store, then `plan_round` timed. Returns
/// whether anything was wrong with the planned round.
async fn with_store(
    backend: &str,
    url: &str,
    members: &[MemberId],
    past: &[(i64, Vec<MemberId>)],
) -> bool {
    let store = Store::connect_url(url).await.expect("the database");
    store.migrate().await.expect("migrations");
    let guild = GuildId(1_234_567_890);
    let now: DateTime<Utc> = DateTime::parse_from_rfc3339("2026-11-23T10:00:00Z")
        .expect("a time")
        .to_utc();
    let t0 = now.timestamp_millis();
    store
        .upsert_server(guild, "Benchmark Care Home", None, "Europe/London", 0)
        .await
        .expect("the server");
    let loading = Instant::now();
    for member in members {
        store
            .join_buddies(guild, ids::MemberId(*member), 0)
            .await
            .expect("joining");
    }
    for round in 1..=ROUNDS {
        let at = now - Duration::weeks(2 * (ROUNDS + 1 - round));
        let Claim::Won(round_id) = store
            .claim_post(
                &NewPost {
                    guild_id: guild,
                    job: "buddy-round",
                    slot: &format!("round-{round}"),
                    act_id: None,
                    channel_id: None,
                    scheduled_for: at.timestamp_millis(),
                    thread_name: None,
                },
                &bench_lease(t0),
                t0,
            )
            .await
            .expect("claiming a round")
        else {
            unreachable!("a fresh database")
        };
        let groups: Vec<Vec<ids::MemberId>> = past
            .iter()
            .filter(|(r, _)| *r == round)
            .map(|(_, g)| g.iter().copied().map(ids::MemberId).collect())
            .collect();
        store
            .insert_buddy_groups(round_id, guild, &groups)
            .await
            .expect("storing a round");
    }
    let loaded_s = loading.elapsed().as_secs_f64();

    let clock = Arc::new(ManualClock::new(now));
    let settings = Settings::defaults();
    let checkins = Checkins::new(
        store.clone(),
        clock,
        PromptBank::builtin(),
        SupportLists::builtin(),
        CheckinConfig::from_settings(&settings).expect("default settings"),
    );
    let mut history = History::new();
    for (round, group) in past {
        history.record(*round, group);
    }
    let mut plan_ms = Vec::new();
    let mut wrong = false;
    let mut planned = Vec::new();
    for run in 0..RUNS {
        let started = Instant::now();
        let typed = checkins
            .plan_round(guild, &format!("next-{run}"), now)
            .await
            .expect("planning a round");
        plan_ms.push(started.elapsed().as_secs_f64() * 1e3);
        let groups: Vec<Vec<MemberId>> = typed
            .iter()
            .map(|g| g.iter().map(|m| m.get()).collect())
            .collect();
        let mut seen: Vec<MemberId> = groups.concat();
        seen.sort_unstable();
        wrong |= repeats(&history, &groups) > 0 || seen != members;
        planned = typed;
    }
    let Claim::Won(next_round) = store
        .claim_post(
            &NewPost {
                guild_id: guild,
                job: "buddy-round",
                slot: "next",
                act_id: None,
                channel_id: None,
                scheduled_for: t0,
                thread_name: None,
            },
            &bench_lease(t0),
            t0,
        )
        .await
        .expect("claiming the next round")
    else {
        unreachable!("a fresh slot")
    };
    let started = Instant::now();
    store
        .insert_buddy_groups(next_round, guild, &planned)
        .await
        .expect("storing the round");
    let store_ms = started.elapsed().as_secs_f64() * 1e3;

    let label = |name: &str, value: String| println!("buddy_pairing {backend} {name}: {value}");
    label(
        "setup s (5,000 joins + 26 stored rounds)",
        format!("{loaded_s:.1}"),
    );
    label("plan_round runs", RUNS.to_string());
    label(
        "plan_round p50 ms",
        format!("{:.1}", percentile(&mut plan_ms, 0.5)),
    );
    label(
        "plan_round max ms",
        format!("{:.1}", percentile(&mut plan_ms, 1.0)),
    );
    label("store the round's groups ms", format!("{store_ms:.1}"));
    label(
        "planned round repeats or losses",
        u8::from(wrong).to_string(),
    );
    store.close().await;
    wrong
}

/// Pairs in `groups` that had met before.
fn repeats(history: &History, groups: &[Vec<MemberId>]) -> usize {
    groups
        .iter()
        .map(|g| {
            let mut n = 0;
            for (i, &a) in g.iter().enumerate() {
                n += g[i + 1..]
                    .iter()
                    .filter(|&&b| history.times_met(a, b) > 0)
                    .count();
            }
            n
        })
        .sum()
}

/// `q` in 0..=1 of the samples (nearest rank).
fn percentile(samples: &mut [f64], q: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    let rank = ((q * samples.len() as f64).ceil() as usize).clamp(1, samples.len());
    samples[rank - 1]
}

/// A lease for the benchmark's claims.
fn bench_lease(at: i64) -> Lease {
    Lease {
        owner: "bench".into(),
        until_ms: at + 60_000,
    }
}
