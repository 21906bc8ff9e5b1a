//! Crashes and deploys in the middle of a rush, on the real binary and the same database it
//! restarts on: `kill -9` strands claims that must be taken over once their leases run out;
//! SIGTERM must stop claiming, finish or hand back what is in flight, and exit 0. Either way
//! every server gets its post, once. (More runs, with figures: `cargo bench --bench
//! crash_recovery`, recorded in RELIABILITY.md.)

use std::time::Duration;

use crate::helpers::TestDb;
use crate::rush::{Interruption, RushOptions, rush_with_interruption};

const BINARY: &str = env!("CARGO_BIN_EXE_smallacts");

/// Interrupts two rushes at different points (early and late) and checks nothing is lost or
/// repeated.
async fn interrupted_rushes_lose_and_repeat_nothing(
    db: impl AsyncFn() -> TestDb,
    how: Interruption,
) {
    for interrupt_after in [Duration::from_millis(300), Duration::from_millis(2500)] {
        let db = db().await;
        let options = RushOptions {
            servers: 100,
            requests_per_second: 40,
            lease_seconds: 3,
            interruption: how,
            interrupt_after,
        };
        let outcome = rush_with_interruption(BINARY, &db.url, &options)
            .await
            .expect("the run");
        assert!(
            outcome.posted_before > 0 && outcome.posted_before < outcome.servers,
            "interrupted mid-rush: {outcome:?}"
        );
        assert_eq!(
            (outcome.missing, outcome.duplicates),
            (0, 0),
            "{how:?} after {interrupt_after:?}: {outcome:?}"
        );
        if how == Interruption::Terminate {
            assert_eq!(outcome.exit_code, Some(0), "SIGTERM exits 0: {outcome:?}");
        }
    }
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
