//! Crashes and deploys in the middle of a rush, on the real binary and the same database it
//! restarts on: `kill -9` strands claims that must be taken over once their leases run out;
//! SIGTERM must stop claiming, finish or hand back what is in flight, and exit 0. Either way
//! every server gets its post, once. `SMALLACTS_CRASH_RUNS=20` runs each twenty times, for the
//! figures in RELIABILITY.md.

use std::time::Duration;

use crate::helpers::TestDb;
use crate::rush::{Interruption, RushOptions, rush_with_interruption};

/// The binary under test: the one cargo built, or a copy named by `SMALLACTS_CRASH_BIN` (for
/// long series run from a snapshot while the tree keeps changing).
fn binary() -> String {
    std::env::var("SMALLACTS_CRASH_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_smallacts").into())
}

/// Interrupts rushes at points spread over the rush (two by default; more with
/// `SMALLACTS_CRASH_RUNS=N`, as RELIABILITY.md's figures were taken) and checks nothing is lost
/// or repeated. Each run prints one line of figures (see them with `--no-capture`).
async fn interrupted_rushes_lose_and_repeat_nothing(
    db: impl AsyncFn() -> TestDb,
    how: Interruption,
) {
    let runs: u32 = std::env::var("SMALLACTS_CRASH_RUNS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2)
        .max(1);
    let (servers, requests_per_second) = (100, 40);
    // The rush is two requests a post at the bot's pace; interrupt from early to late in it.
    let rush = Duration::from_secs_f64(2.0 * servers as f64 / f64::from(requests_per_second));
    let (mut missing, mut duplicates) = (0, 0);
    for run in 0..runs {
        let db = db().await;
        let interrupt_after =
            Duration::from_millis(200) + rush.mul_f64(0.8 * f64::from(run) / f64::from(runs));
        let options = RushOptions {
            servers,
            requests_per_second,
            lease_seconds: 3,
            interruption: how,
            interrupt_after,
        };
        let outcome = rush_with_interruption(&binary(), &db.url, &options)
            .await
            .expect("the run");
        eprintln!(
            "crash run {}/{runs} ({how:?} after {:.1} s): {} of {servers} posted before, {} missing, {} duplicated, exit {:?}, stopped in {:.2} s ({} handed back), {} taken over, all posted {:.1} s after the restart",
            run + 1,
            interrupt_after.as_secs_f64(),
            outcome.posted_before,
            outcome.missing,
            outcome.duplicates,
            outcome.exit_code,
            outcome.stop_took.as_secs_f64(),
            outcome.handed_back,
            outcome.taken_over,
            outcome.recovered_in.as_secs_f64(),
        );
        assert!(
            outcome.posted_before > 0 && outcome.posted_before < outcome.servers,
            "interrupted mid-rush: {outcome:?}"
        );
        match how {
            Interruption::Terminate => {
                assert_eq!(outcome.exit_code, Some(0), "SIGTERM exits 0: {outcome:?}");
                assert_eq!(
                    outcome.gateway_close,
                    Some(1000),
                    "and closes the gateway normally: {outcome:?}"
                );
            }
            Interruption::Kill => assert_eq!(outcome.gateway_close, None, "{outcome:?}"),
        }
        missing += outcome.missing;
        duplicates += outcome.duplicates;
    }
    eprintln!(
        "crash runs ({how:?}): {runs} runs of {servers} servers, {missing} missing, {duplicates} duplicated"
    );
    assert_eq!((missing, duplicates), (0, 0), "{how:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_rush_leaves_no_server_without_its_post_and_none_with_two() {
    interrupted_rushes_lose_and_repeat_nothing(TestDb::sqlite, Interruption::Kill).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_rush_stops_cleanly_and_the_next_process_finishes_the_rush() {
    interrupted_rushes_lose_and_repeat_nothing(TestDb::sqlite, Interruption::Terminate).await;
}

mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn kill_9_mid_rush_leaves_no_server_without_its_post_and_none_with_two() {
        interrupted_rushes_lose_and_repeat_nothing(TestDb::postgres, Interruption::Kill).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sigterm_mid_rush_stops_cleanly_and_the_next_process_finishes_the_rush() {
        interrupted_rushes_lose_and_repeat_nothing(TestDb::postgres, Interruption::Terminate).await;
    }
}

/// A stop that cannot finish in time (Discord is holding the post back with a 429) hands the
/// claim back at once rather than leaving it to its lease: the next process sends it straight
/// away, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_that_cannot_finish_in_time_hands_its_claim_back_for_the_next_process() {
    use fake_discord::RequestFilter;

    use crate::bot::TestBot;
    use crate::helpers::utc;

    let mut bot = TestBot::start_at(utc("2026-05-04T07:59:00Z"), |settings| {
        settings.schedule.tick_seconds = 1;
        settings.schedule.stop_timeout_seconds = 1;
        // Long enough that only a hand-back explains a prompt takeover.
        settings.schedule.lease_seconds = 600;
    })
    .await;
    let (guild, admin, _) = crate::helpers::server_with(&bot, "Ash Grove", &["Ada"]).await;
    let channel = bot.sandbox.add_channel(guild.id, "daily").id;
    crate::helpers::daily_setup(&bot, &admin, channel, "09:00").await;
    // Discord answers the day's post with a 429 for the next 12 seconds: longer than the
    // restart, whose new IDENTIFY Discord (and the fake) hold back until 5 s after the last.
    bot.sandbox
        .force_rate_limit(12.0, false, RequestFilter::create_message(channel));
    bot.clock.set(utc("2026-05-04T08:00:10Z"));
    let posts = |bot: &TestBot| crate::daily::daily_posts(&bot.sandbox, channel).len();
    let until = std::time::Instant::now() + Duration::from_secs(20);
    while bot.sandbox.rate_limited_count() == 0 {
        assert!(
            std::time::Instant::now() < until,
            "the post was never tried"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Stopped while the send waits out the 429: it cannot finish within a second.
    let stop = bot.restart().await;
    assert!(!stop.finished_in_time, "{stop:?}");
    assert_eq!(stop.released, 1, "{stop:?}");
    assert_eq!(posts(&bot), 0);
    // The next process takes it over at once (its lease was handed back, not left for ten
    // minutes) and sends it once the 429 has passed.
    let until = std::time::Instant::now() + Duration::from_secs(30);
    while posts(&bot) == 0 {
        assert!(
            std::time::Instant::now() < until,
            "the handed-back post never went out"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(posts(&bot), 1);
    bot.finish().await;
}
