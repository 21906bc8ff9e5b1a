//! Past one process, on the real binary: gateway shards as Discord hands them out, several
//! processes on one PostgreSQL database splitting the shards and the day's posts, one of them
//! killed mid-rush, and together never past the global limit the fake Discord enforces.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use fake_discord::{IdentifyOutcome, Sandbox, SandboxOptions};
use smallacts::store::Store;

use crate::helpers::TestDb;
use crate::rush::{
    BotProcess, Interruption, RushOptions, make_all_due_now, posts_by_channel, start_bot,
    wait_until,
};

fn binary() -> String {
    env!("CARGO_BIN_EXE_smallacts").into()
}

/// Waits until the database has recorded `count` servers (each process records the servers
/// its shards receive).
async fn wait_for_servers(url: &str, count: usize, patience: Duration) -> anyhow::Result<()> {
    let store = Store::connect_url(url).await?;
    let until = Instant::now() + patience;
    loop {
        let recorded = store.active_server_count().await? as usize;
        if recorded >= count {
            break;
        }
        anyhow::ensure!(
            Instant::now() < until,
            "only {recorded} of {count} servers were recorded"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    store.close().await;
    Ok(())
}

fn options(lease_seconds: u32) -> RushOptions {
    RushOptions {
        servers: 0,
        requests_per_second: 45,
        lease_seconds,
        interruption: Interruption::Kill,
        interrupt_after: Duration::ZERO,
    }
}

fn shard_settings(total: &str, range: &str) -> Vec<(&'static str, String)> {
    vec![
        ("SMALLACTS__DISCORD__SHARDS", total.to_owned()),
        ("SMALLACTS__DISCORD__SHARD_RANGE", range.to_owned()),
        ("SMALLACTS__FLEET__HEARTBEAT_SECONDS", "1".to_owned()),
    ]
}

fn log_of(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_in_6000_servers_starts_the_shards_discord_recommends_and_hears_every_server() {
    let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
    sandbox.add_guilds(6_000, "Team");
    let db = TestDb::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("bot.log");
    let _bot = start_bot(
        &binary(),
        &sandbox,
        &db.url,
        &options(60),
        &log,
        &shard_settings("auto", ""),
    )
    .unwrap();
    // Six shards, one identify every 5 seconds: about half a minute to start them all.
    wait_for_servers(&db.url, 6_000, Duration::from_secs(180))
        .await
        .unwrap_or_else(|e| panic!("{e}; the bot's log:\n{}", log_of(&log)));
    let sessions = sandbox.shard_sessions();
    let mut shards: Vec<(u32, u32)> = sessions.iter().map(|s| (s.shard, s.total)).collect();
    shards.sort();
    assert_eq!(shards, (0..6).map(|n| (n, 6)).collect::<Vec<_>>());
    assert!(sessions.iter().all(|s| s.connected));
    // Discord's routing: every shard holds about a sixth of the servers, none over 2,500.
    let held: usize = sessions.iter().map(|s| s.guilds).sum();
    assert_eq!(held, 6_000);
    assert!(sessions.iter().all(|s| s.guilds < 2_500), "{sessions:?}");
    // One session per shard, and any IDENTIFY refused as too early was made good. serenity
    // spaces the *starts* of its shards by 5 s, not their IDENTIFYs: on a loaded machine a
    // late IDENTIFY and the next shard's prompt one can land closer than 5 s apart, and then
    // Discord (and the fake) answers INVALID_SESSION and serenity identifies again. What
    // matters is that it does, and that no shard ends up with two sessions.
    let log = sandbox.identify_log();
    for shard in 0..6 {
        let of_shard: Vec<_> = log.iter().filter(|i| i.shard == shard).collect();
        let accepted = of_shard
            .iter()
            .filter(|i| i.outcome == IdentifyOutcome::Accepted)
            .count();
        assert_eq!(accepted, 1, "shard {shard}: {of_shard:?}");
        assert_eq!(
            of_shard.last().map(|i| &i.outcome),
            Some(&IdentifyOutcome::Accepted),
            "shard {shard} was refused and never identified again: {of_shard:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_shard_over_2500_servers_is_refused_and_the_bot_says_what_to_set() {
    let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
    sandbox.add_guilds(2_600, "Team");
    let db = TestDb::sqlite().await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("bot.log");
    let mut bot = start_bot(
        &binary(),
        &sandbox,
        &db.url,
        &options(60),
        &log,
        &shard_settings("1", ""),
    )
    .unwrap();
    // Generous: a loaded CI machine once took over a minute to start a debug build, be
    // refused and stop; a bot that ignores 4011 never stops at all.
    let until = Instant::now() + Duration::from_secs(180);
    let status = loop {
        if let Some(status) = bot.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < until,
            "the bot kept going after 4011; its log:\n{}",
            log_of(&log)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(!status.success(), "a refused shard is a failed start");
    assert!(sandbox.gateway_close_codes_sent().contains(&4011));
    let said = log_of(&log);
    assert!(
        said.contains("4011") && said.contains("discord.shards"),
        "the operator is told what to change: {said}"
    );
}

/// What a fleet run left behind.
struct FleetOutcome {
    missing: usize,
    duplicates: usize,
    posted_before_kill: usize,
    rate_limited: u64,
}

/// Two processes on one PostgreSQL database, shards 0-1 and 2-3 of 4, every server due at
/// once; the first is killed (`kill -9`) after `kill_after` posts, if given.
async fn two_process_rush(db: TestDb, servers: usize, kill_after: Option<usize>) -> FleetOutcome {
    let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
    // Discord's global limit, enforced: the two processes must share it.
    sandbox.set_rate_limit(Some(50));
    let guilds: HashMap<u64, u64> = sandbox
        .add_guilds(servers, "Team")
        .into_iter()
        .map(|g| (g.id, g.channels[0].id))
        .collect();
    let channels: Vec<u64> = guilds.values().copied().collect();
    let dir = tempfile::tempdir().unwrap();
    let logs = [dir.path().join("first.log"), dir.path().join("second.log")];
    let lease = 3;
    let mut first: Option<BotProcess> = Some(
        start_bot(
            &binary(),
            &sandbox,
            &db.url,
            &options(lease),
            &logs[0],
            &shard_settings("4", "0-1"),
        )
        .unwrap(),
    );
    let _second = start_bot(
        &binary(),
        &sandbox,
        &db.url,
        &options(lease),
        &logs[1],
        &shard_settings("4", "2-3"),
    )
    .unwrap();
    let both_logs = || format!("{}\n---\n{}", log_of(&logs[0]), log_of(&logs[1]));
    wait_for_servers(&db.url, servers, Duration::from_secs(120))
        .await
        .unwrap_or_else(|e| panic!("{e}; the logs:\n{}", both_logs()));
    let mut shards: Vec<u32> = sandbox.shard_sessions().iter().map(|s| s.shard).collect();
    shards.sort();
    assert_eq!(shards, vec![0, 1, 2, 3], "each process runs its own range");
    // Both have seen each other before the rush, so each paces at its share.
    let store = Store::connect_url(&db.url).await.unwrap();
    let until = Instant::now() + Duration::from_secs(30);
    while store
        .live_processes(chrono::Utc::now().timestamp_millis(), 3_000)
        .await
        .unwrap()
        .len()
        < 2
    {
        assert!(Instant::now() < until, "the processes never saw each other");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    make_all_due_now(&store, &guilds).await.unwrap();

    let mut posted_before_kill = 0;
    if let Some(after) = kill_after {
        assert!(
            wait_until(Duration::from_secs(60), || {
                posts_by_channel(&sandbox, &channels)
                    .iter()
                    .filter(|n| **n > 0)
                    .count()
                    >= after
            })
            .await,
            "the rush never got going; the logs:\n{}",
            both_logs()
        );
        let mut killed = first.take().unwrap();
        killed.0.kill().unwrap();
        killed.0.wait().unwrap();
        posted_before_kill = posts_by_channel(&sandbox, &channels)
            .iter()
            .filter(|n| **n > 0)
            .count();
    }
    // The whole rush at the shared pace, plus a lease and the others noticing the dead one.
    let patience = Duration::from_secs_f64(2.0 * servers as f64 / 45.0 + 60.0);
    wait_until(patience, || {
        posts_by_channel(&sandbox, &channels).iter().all(|n| *n > 0)
    })
    .await;
    // Long enough for a late duplicate to show.
    tokio::time::sleep(Duration::from_secs(lease as u64 + 3)).await;
    let counts = posts_by_channel(&sandbox, &channels);
    let outcome = FleetOutcome {
        missing: counts.iter().filter(|n| **n == 0).count(),
        duplicates: counts.iter().filter(|n| **n > 1).count(),
        posted_before_kill,
        rate_limited: sandbox.rate_limited_count(),
    };
    if outcome.missing + outcome.duplicates > 0 || outcome.rate_limited > 0 {
        eprintln!("the logs:\n{}", both_logs());
    }
    drop(first);
    store.close().await;
    outcome
}

mod postgres {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_processes_split_four_shards_and_post_each_server_once_under_the_global_limit() {
        let outcome = two_process_rush(TestDb::postgres().await, 300, None).await;
        assert_eq!((outcome.missing, outcome.duplicates), (0, 0));
        assert_eq!(outcome.rate_limited, 0, "together under Discord's 50/s");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn one_process_killed_mid_rush_the_other_delivers_the_rest() {
        let outcome = two_process_rush(TestDb::postgres().await, 300, Some(60)).await;
        assert!(outcome.posted_before_kill < 300, "killed mid-rush");
        assert_eq!((outcome.missing, outcome.duplicates), (0, 0));
        assert_eq!(outcome.rate_limited, 0);
    }
}
