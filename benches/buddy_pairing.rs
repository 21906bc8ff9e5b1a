//! Buddy pairing for 5,000 members with a year of fortnightly history (26 rounds, each made by
//! `pair_round` itself from a seeded rng). Prints the history's size, how long rebuilding
//! `History` from the stored groups takes (what the bot does after loading them from its
//! database), and how long pairing the next round takes, over repeated runs.
//!
//!     cargo bench --bench buddy_pairing
//!
//! Every line is `buddy_pairing <label>: <value>`. Exits non-zero if a timed round repeats a
//! pair or loses a member.

use std::hint::black_box;
use std::time::Instant;

use rand::SeedableRng;
use rand::rngs::StdRng;
use smallacts::checkins::pairing::{History, MemberId, pair_round};

const MEMBERS: i64 = 5_000;
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
