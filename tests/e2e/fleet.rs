//! Several processes on one database: they start together safely on a fresh database, see
//! each other through their heartbeats, split the bot's request budget, and take turns with
//! named locks.

use std::sync::Arc;
use std::time::Duration;

use fake_discord::{Sandbox, SandboxOptions};
use smallacts::acts::Catalogue;
use smallacts::against_fake::{HttpPath, bot_env};
use smallacts::clock::{Clock, ManualClock};
use smallacts::fleet::{Fleet, Share};
use smallacts::settings::{DatabaseUrl, Settings};
use smallacts::startup::Application;
use smallacts::store::Store;

use crate::helpers::{TestDb, http_request, utc};
use crate::on_both_backends;

const T0: i64 = 1_780_000_000_000;

/// `Application::build` as a process runs it at start (migrations, then the catalogue), by
/// `processes` tasks at once on a database nobody has used yet: all must succeed, and the
/// catalogue must be there once.
async fn processes_starting_together_on_a_fresh_database(db: TestDb, processes: usize) {
    let mut settings = Settings::defaults();
    settings.database.url = DatabaseUrl::new(db.url.clone());
    settings.http.listen = String::new();
    settings.web.listen = String::new();
    let starts: Vec<_> = (0..processes)
        .map(|_| {
            let settings = settings.clone();
            tokio::spawn(async move {
                let clock = Arc::new(ManualClock::new(chrono::Utc::now()));
                let app = Application::build(settings, clock).await?;
                app.store.close().await;
                anyhow::Ok(app.sync)
            })
        })
        .collect();
    let mut added = 0;
    for start in starts {
        let sync = start.await.unwrap().unwrap_or_else(|e| panic!("{e:#}"));
        added += sync.added;
    }
    let catalogue = Catalogue::built_in().unwrap();
    // Each act was added by at least one of them (more than one may have found it missing
    // and written the same row over).
    assert!(added >= catalogue.acts.len(), "{added}");
    let stored = db.store.active_acts(None).await.unwrap();
    let mut slugs: Vec<&str> = stored.iter().map(|a| a.act.slug.as_str()).collect();
    slugs.sort_unstable();
    let mut expected: Vec<&str> = catalogue.acts.iter().map(|a| a.slug.as_str()).collect();
    expected.sort_unstable();
    assert_eq!(slugs, expected, "every act once");
    assert_eq!(db.store.retired_catalogue_count().await.unwrap(), 0);
    // A later start on the same database finds everything in place.
    let report = db.store.sync_catalogue(&catalogue.acts, T0).await.unwrap();
    assert_eq!(report.unchanged, catalogue.acts.len(), "{report:?}");
}

/// What two processes on one database see of each other, with explicit times.
async fn processes_split_the_budget_and_the_survivors_take_it_back(db: TestDb) {
    let clock = Arc::new(ManualClock::new(utc("2026-05-04T08:00:00Z")));
    let heartbeat = Duration::from_secs(5);
    let process =
        |name: &str| Fleet::new(db.store.clone(), clock.clone(), name.into(), 45, heartbeat);
    let share = |processes, per_second| Share {
        processes,
        per_second,
    };
    let (a, b) = (process("host-a:1:aa"), process("host-b:1:bb"));
    assert_eq!(a.current(), share(1, 45), "alone until counted");
    assert_eq!(a.join().await.unwrap(), share(1, 45));
    assert_eq!(b.join().await.unwrap(), share(2, 22));
    clock.advance(chrono::Duration::seconds(5));
    assert_eq!(a.beat().await.unwrap(), share(2, 22));
    assert_eq!(b.beat().await.unwrap(), share(2, 22));
    assert_eq!(a.current(), share(2, 22));

    // A graceful stop: the other takes the whole budget at its next heartbeat.
    b.leave().await.unwrap();
    assert_eq!(a.beat().await.unwrap(), share(1, 45));

    // A third is killed (no stop): still counted until it has been quiet for three
    // heartbeats, then the budget is the survivor's again.
    let c = process("host-c:1:cc");
    assert_eq!(c.join().await.unwrap(), share(2, 22));
    clock.advance(chrono::Duration::seconds(15));
    assert_eq!(
        a.beat().await.unwrap(),
        share(2, 22),
        "quiet exactly 3 beats"
    );
    clock.advance(chrono::Duration::milliseconds(1));
    assert_eq!(a.beat().await.unwrap(), share(1, 45), "quiet for longer");

    // A process whose row was cleaned up re-appears with its next heartbeat, shards and all.
    let removed = db
        .store
        .forget_quiet_processes(clock.now_ms() - 1)
        .await
        .unwrap();
    assert_eq!(removed, 1, "c's row");
    c.set_shards(Some("0-1/4".into()));
    assert_eq!(c.beat().await.unwrap(), share(2, 22));
    let live = db
        .store
        .live_processes(clock.now_ms(), 15_000)
        .await
        .unwrap();
    let rows: Vec<(&str, Option<&str>)> = live
        .iter()
        .map(|p| (p.owner.as_str(), p.shards.as_deref()))
        .collect();
    assert_eq!(
        rows,
        [("host-a:1:aa", None), ("host-c:1:cc", Some("0-1/4"))]
    );

    // A starting process removes rows quiet for over a day.
    clock.advance(chrono::Duration::days(1) + chrono::Duration::milliseconds(1));
    let d = process("host-d:1:dd");
    assert_eq!(d.join().await.unwrap(), share(1, 45));
    let all = db
        .store
        .live_processes(clock.now_ms(), i64::MAX / 2)
        .await
        .unwrap();
    assert_eq!(all.len(), 1, "{all:?}");

    // A heartbeat that cannot reach the database keeps the last share.
    assert_eq!(a.beat().await.unwrap(), share(2, 22));
    db.store.close().await;
    assert!(a.beat().await.is_err());
    assert_eq!(a.current(), share(2, 22));
}

/// Many processes try for the same lock at once: exactly one gets it, and it stays theirs
/// until it expires or they release it.
async fn a_fleet_lock_has_one_holder_at_a_time(db: TestDb) {
    const UNTIL: i64 = T0 + 5_000;
    // Separate pools, so the tries really are concurrent connections.
    let mut stores = Vec::new();
    for _ in 0..12 {
        stores.push(Store::connect_url(&db.url).await.unwrap());
    }
    for round in 0..5 {
        let name = format!("identify-{round}");
        let barrier = Arc::new(tokio::sync::Barrier::new(stores.len()));
        let tries: Vec<_> = stores
            .iter()
            .enumerate()
            .map(|(i, store)| {
                let (store, name, barrier) = (store.clone(), name.clone(), barrier.clone());
                tokio::spawn(async move {
                    barrier.wait().await;
                    store
                        .try_fleet_lock(&name, &format!("p{i}"), T0, UNTIL)
                        .await
                        .unwrap()
                })
            })
            .collect();
        let mut winners = Vec::new();
        for (i, attempt) in tries.into_iter().enumerate() {
            if attempt.await.unwrap() {
                winners.push(i);
            }
        }
        assert_eq!(winners.len(), 1, "round {round}: {winners:?}");
    }
    // Who holds identify-0: only its holder can extend it.
    let store = &db.store;
    let mut holders = Vec::new();
    for i in 0..stores.len() {
        let owner = format!("p{i}");
        if take(store, &owner, T0 + 1, UNTIL).await {
            holders.push(owner);
        }
    }
    let [holder] = &holders[..] else {
        panic!("{holders:?}")
    };
    assert!(!take(store, "late", UNTIL - 1, UNTIL + 5_000).await);
    // Extended: still held past the first expiry.
    assert!(take(store, holder, T0 + 2, UNTIL + 1_000).await);
    assert!(!take(store, "late", UNTIL, UNTIL + 5_000).await);
    // Expired: anyone takes it.
    assert!(take(store, "late", UNTIL + 1_000, UNTIL + 6_000).await);
    assert!(!take(store, holder, UNTIL + 1_001, UNTIL + 7_000).await);
    // Releasing someone else's lock does nothing; releasing one's own frees it at once.
    store
        .release_fleet_lock("identify-0", holder)
        .await
        .unwrap();
    assert!(!take(store, "third", UNTIL + 1_002, UNTIL + 7_000).await);
    store
        .release_fleet_lock("identify-0", "late")
        .await
        .unwrap();
    assert!(take(store, "third", UNTIL + 1_003, UNTIL + 7_000).await);

    // The same through two processes' fleet memberships, on their clock.
    let clock = Arc::new(ManualClock::new(utc("2026-05-04T08:00:00Z")));
    let process = |name: &str| {
        Fleet::new(
            store.clone(),
            clock.clone(),
            name.into(),
            45,
            Duration::from_secs(5),
        )
    };
    let (a, b) = (process("a"), process("b"));
    let hold = Duration::from_secs(5);
    assert!(a.try_lock("identify", hold).await.unwrap());
    assert!(!b.try_lock("identify", hold).await.unwrap());
    clock.advance(chrono::Duration::seconds(5));
    assert!(b.try_lock("identify", hold).await.unwrap(), "a's ran out");
    b.release("identify").await.unwrap();
    assert!(a.try_lock("identify", hold).await.unwrap());
    for store in stores {
        store.close().await;
    }
}

async fn take(store: &Store, owner: &str, now_ms: i64, until_ms: i64) -> bool {
    store
        .try_fleet_lock("identify-0", owner, now_ms, until_ms)
        .await
        .unwrap()
}

on_both_backends!(
    processes_split_the_budget_and_the_survivors_take_it_back,
    a_fleet_lock_has_one_holder_at_a_time,
);

/// Starting at once on a fresh database: the PostgreSQL tests, and SQLite for comparison.
mod together {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn eight_processes_start_at_once_on_a_fresh_sqlite_database() {
        processes_starting_together_on_a_fresh_database(TestDb::fresh_sqlite().await, 8).await;
    }

    mod postgres {
        use super::*;

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn eight_processes_start_at_once_on_a_fresh_database() {
            processes_starting_together_on_a_fresh_database(TestDb::fresh_postgres().await, 8)
                .await;
        }

        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn three_binaries_start_at_once_share_the_budget_and_take_it_back() {
            three_binaries_start_at_once(TestDb::fresh_postgres().await).await;
        }
    }
}

/// A real `smallacts run`, killed if still running when dropped.
struct BotProcess {
    child: std::process::Child,
    log: std::path::PathBuf,
}

impl Drop for BotProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl BotProcess {
    fn start(sandbox: &Sandbox, database_url: &str, log: std::path::PathBuf) -> BotProcess {
        let file = std::fs::File::create(&log).unwrap();
        let child = std::process::Command::new(env!("CARGO_BIN_EXE_smallacts"))
            .arg("run")
            .env("DISCORD_TOKEN", sandbox.token())
            .env_remove("DISCORD_API_URL")
            .envs(bot_env(sandbox, HttpPath::Production))
            .env("DATABASE_URL", database_url)
            .env("SMALLACTS__HTTP__LISTEN", "127.0.0.1:0")
            .env("SMALLACTS__WEB__LISTEN", "127.0.0.1:0")
            .env("SMALLACTS__LOG__FORMAT", "json")
            .env("SMALLACTS__LOG__LEVEL", "info")
            .env("SMALLACTS__FLEET__HEARTBEAT_SECONDS", "1")
            .stdin(std::process::Stdio::null())
            .stdout(file.try_clone().unwrap())
            .stderr(file)
            .spawn()
            .unwrap();
        BotProcess { child, log }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn events(&self) -> Vec<serde_json::Value> {
        self.log()
            .lines()
            .filter_map(|line| serde_json::from_str(line).ok())
            .collect()
    }

    /// Where its /healthz and /metrics listen (a free port it chose), once it says so.
    async fn ops_addr(&mut self) -> std::net::SocketAddr {
        for _ in 0..1200 {
            let addr = self.events().iter().find_map(|e| {
                (e["message"] == "serving /healthz and /metrics").then(|| e["addr"].clone())
            });
            if let Some(addr) = addr.as_ref().and_then(|a| a.as_str()) {
                return addr.parse().unwrap();
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("exited with {status} before serving:\n{}", self.log());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("never served /healthz:\n{}", self.log());
    }
}

async fn healthz(addr: std::net::SocketAddr) -> (u16, serde_json::Value) {
    let (status, body) = http_request(addr, "GET", "/healthz", &[], None).await;
    (status, serde_json::from_str(&body).unwrap_or_default())
}

/// Polls `/healthz` of each of `addrs` until every one answers 200 and counts `processes`
/// in the fleet (each heartbeat is a second; a killed process falls quiet after three);
/// returns the last answers.
async fn until_each_counts(
    addrs: &[std::net::SocketAddr],
    processes: usize,
) -> Vec<serde_json::Value> {
    let mut answers = Vec::new();
    for _ in 0..600 {
        answers.clear();
        for addr in addrs {
            answers.push(healthz(*addr).await);
        }
        if answers
            .iter()
            .all(|(status, body)| *status == 200 && body["fleet"]["processes"] == processes)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        answers
            .iter()
            .all(|(status, body)| *status == 200 && body["fleet"]["processes"] == processes),
        "not all count {processes}: {answers:?}"
    );
    answers.into_iter().map(|(_, body)| body).collect()
}

/// Three real processes started at the same moment on a database nobody has used, with the
/// fake Discord sending each the same servers: all come up healthy (migrations, catalogue and
/// servers recorded once), see each other, and keep to a third of the budget each; a stop
/// and a `kill -9` hand their parts back to the survivor.
async fn three_binaries_start_at_once(db: TestDb) {
    let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let servers = 20;
    for n in 0..servers {
        sandbox.add_guild(&format!("Team {n}"), vec![]);
    }
    let dir = tempfile::tempdir().unwrap();
    let mut bots: Vec<BotProcess> = (0..3)
        .map(|n| BotProcess::start(&sandbox, &db.url, dir.path().join(format!("bot{n}.log"))))
        .collect();
    let mut addrs = Vec::new();
    for bot in &mut bots {
        addrs.push(bot.ops_addr().await);
    }

    let answers = until_each_counts(&addrs, 3).await;
    let mut owners: Vec<&str> = answers
        .iter()
        .map(|a| a["process"].as_str().unwrap())
        .collect();
    owners.sort_unstable();
    owners.dedup();
    assert_eq!(owners.len(), 3, "{answers:?}");
    for answer in &answers {
        assert_eq!(answer["status"], "ok", "{answer}");
        assert_eq!(
            answer["fleet"],
            serde_json::json!({"processes": 3, "share_per_second": 15, "requests_per_second": 45}),
        );
    }
    for bot in &mut bots {
        assert!(
            bot.child.try_wait().unwrap().is_none(),
            "a process exited:\n{}",
            bot.log()
        );
    }
    let catalogue = Catalogue::built_in().unwrap();
    assert_eq!(
        db.store.active_acts(None).await.unwrap().len(),
        catalogue.acts.len()
    );
    for _ in 0..600 {
        if db.store.active_server_count().await.unwrap() == servers {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(db.store.active_server_count().await.unwrap(), servers);

    // A graceful stop leaves at once: the other two split the budget.
    let stopping = std::time::Instant::now();
    std::process::Command::new("kill")
        .args(["-TERM", &bots[0].child.id().to_string()])
        .status()
        .unwrap();
    let stopped = bots[0].child.wait().unwrap();
    assert_eq!(stopped.code(), Some(0), "{}", bots[0].log());
    let answers = until_each_counts(&addrs[1..], 2).await;
    assert!(answers.iter().all(|a| a["fleet"]["share_per_second"] == 22));
    let after_stop = stopping.elapsed();

    // `kill -9` leaves nothing behind: the survivor notices once it has been quiet for three
    // heartbeats, and takes the whole budget back.
    let killing = std::time::Instant::now();
    bots[1].child.kill().unwrap();
    bots[1].child.wait().unwrap();
    let answers = until_each_counts(&addrs[2..], 1).await;
    // Figures (with --no-capture): heartbeats are a second apart here.
    eprintln!(
        "fleet: the others counted 2 {:.1} s after a SIGTERM, the survivor 1 {:.1} s after a kill -9",
        after_stop.as_secs_f64(),
        killing.elapsed().as_secs_f64()
    );
    assert_eq!(answers[0]["fleet"]["share_per_second"], 45);
    let (_, metrics) = http_request(addrs[2], "GET", "/metrics", &[], None).await;
    assert!(
        metrics.contains("\nsmallacts_fleet_processes 1\n"),
        "{metrics}"
    );
    assert!(
        metrics.contains("\nsmallacts_request_share_per_second 45\n"),
        "{metrics}"
    );
    let errors: Vec<String> = bots
        .iter()
        .flat_map(|bot| bot.events())
        .filter(|e| e["level"] == "ERROR")
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}
