//! Shared test fixtures: a fresh database per test on either backend.

use smallacts::store::Store;

/// The environment variable that names a PostgreSQL server for the PostgreSQL suite, e.g.
/// `postgres://postgres@127.0.0.1:5432/test`. Each test creates its own database there and
/// drops it afterwards.
pub const POSTGRES_URL_VAR: &str = "SMALLACTS_TEST_POSTGRES_URL";

/// A migrated, empty database that is removed when dropped.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    postgres: Option<PostgresCleanup>,
}

struct PostgresCleanup {
    admin_url: String,
    database: String,
}

impl TestDb {
    /// A temporary SQLite file.
    pub async fn sqlite() -> TestDb {
        TestDb::fresh_sqlite().await.migrated().await
    }

    /// A new database on the server named by SMALLACTS_TEST_POSTGRES_URL.
    pub async fn postgres() -> TestDb {
        TestDb::fresh_postgres().await.migrated().await
    }

    async fn migrated(self) -> TestDb {
        self.store.migrate().await.expect("migrate");
        self
    }

    /// A temporary SQLite file, not yet migrated (as a first start finds it).
    pub async fn fresh_sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let store = Store::connect_url(&url).await.expect("open sqlite");
        TestDb {
            store,
            url,
            _dir: Some(dir),
            postgres: None,
        }
    }

    /// A new, empty database on the server named by SMALLACTS_TEST_POSTGRES_URL, not yet
    /// migrated (as a first start finds it).
    pub async fn fresh_postgres() -> TestDb {
        let admin_url = postgres_admin_url();
        let database = format!("smallacts_test_{}", rand::random::<u64>());
        let mut admin = connect_admin(&admin_url).await;
        use sqlx::Executor;
        admin
            .execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {database}")))
            .await
            .expect("create test database");
        let url = with_database(&admin_url, &database);
        let store = Store::connect_url(&url).await.expect("open postgres");
        TestDb {
            store,
            url,
            _dir: None,
            postgres: Some(PostgresCleanup {
                admin_url,
                database,
            }),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(cleanup) = self.postgres.take() {
            // Drop runs inside the test's runtime, which cannot block on async work: use a
            // thread with a runtime of its own. FORCE ends the pool's open connections.
            std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("runtime")
                    .block_on(async {
                        use sqlx::Executor;
                        let mut admin = connect_admin(&cleanup.admin_url).await;
                        let _ = admin
                            .execute(sqlx::AssertSqlSafe(format!(
                                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                                cleanup.database
                            )))
                            .await;
                    });
            })
            .join()
            .expect("drop test database");
        }
    }
}

pub fn postgres_admin_url() -> String {
    std::env::var(POSTGRES_URL_VAR).unwrap_or_else(|_| {
        panic!(
            "the PostgreSQL suite needs {POSTGRES_URL_VAR}, e.g. \
             {POSTGRES_URL_VAR}=postgres://postgres@127.0.0.1:5432/test cargo nextest run --profile postgres"
        )
    })
}

async fn connect_admin(url: &str) -> sqlx::PgConnection {
    use sqlx::Connection;
    sqlx::PgConnection::connect(url)
        .await
        .unwrap_or_else(|e| panic!("cannot reach PostgreSQL at {url}: {e}"))
}

/// The same server URL with another database name.
pub fn with_database(url: &str, database: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("postgres URL");
    parsed.set_path(&format!("/{database}"));
    parsed.to_string()
}

/// Generates one test per backend from an `async fn(TestDb)`: `sqlite::name` always runs,
/// `postgres::name` runs in the PostgreSQL suite.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::TestDb::sqlite().await).await
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::helpers::TestDb::postgres().await).await
                }
            )*
        }
    };
}

/// Sends one HTTP/1.1 request over a plain TCP connection; returns (status, body).
pub async fn http_request(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&str>,
) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut request = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (key, value) in headers {
        request.push_str(&format!("{key}: {value}\r\n"));
    }
    if let Some(body) = body {
        request.push_str(&format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            body.len()
        ));
    }
    request.push_str("\r\n");
    request.push_str(body.unwrap_or_default());
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8_lossy(&response).into_owned();
    let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    // Undo chunked transfer encoding if the server used it.
    let body = if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        let mut out = String::new();
        let mut rest = body;
        while let Some((size, tail)) = rest.split_once("\r\n") {
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            if n == 0 {
                break;
            }
            out.push_str(&tail[..n]);
            rest = &tail[n + 2..];
        }
        out
    } else {
        body.to_owned()
    };
    (status, body)
}

/// A server in the fake Discord with these people in it, once the bot has recorded it; the
/// first person is an admin (Manage Server).
pub async fn server_with(
    bot: &crate::bot::TestBot,
    name: &str,
    people: &[&str],
) -> (
    fake_discord::FakeGuild,
    fake_discord::Actor,
    Vec<fake_discord::Actor>,
) {
    use fake_discord::{Actor, permissions};
    let sandbox = &bot.sandbox;
    let users: Vec<_> = people.iter().map(|n| sandbox.new_user(n)).collect();
    let guild = sandbox.add_guild(name, users.clone());
    for _ in 0..250 {
        if bot
            .db
            .store
            .server(smallacts::ids::GuildId(guild.id))
            .await
            .unwrap()
            .is_some()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let members: Vec<Actor> = users.iter().map(|u| sandbox.member(&guild, u)).collect();
    let admin = Actor {
        permissions: permissions::MEMBER | permissions::MANAGE_GUILD,
        ..members[0].clone()
    };
    (guild, admin, members)
}

/// An instant written as RFC 3339, e.g. "2026-11-23T07:30:00Z".
pub fn utc(text: &str) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::parse_from_rfc3339(text)
        .unwrap()
        .with_timezone(&chrono::Utc)
}

/// A slash command's subcommand with its options, as Discord sends it.
pub fn sub(name: &str, options: serde_json::Value) -> serde_json::Value {
    serde_json::json!([{"name": name, "type": 1, "options": options}])
}

/// A string option.
pub fn text(name: &str, value: &str) -> serde_json::Value {
    serde_json::json!({"name": name, "type": 3, "value": value})
}

/// A post of `job` in `slot` for `guild`, due at `at`, to claim in a store test.
pub fn new_post<'a>(
    guild: smallacts::ids::GuildId,
    job: &'a str,
    slot: &'a str,
    at: i64,
) -> smallacts::store::NewPost<'a> {
    smallacts::store::NewPost {
        guild_id: guild,
        job,
        slot,
        act_id: None,
        channel_id: None,
        scheduled_for: at,
        thread_name: None,
    }
}

/// A lease held by a test "process" for a minute from `at`.
pub fn lease(owner: &str, at: i64) -> smallacts::store::Lease {
    smallacts::store::Lease {
        owner: owner.into(),
        until_ms: at + 60_000,
    }
}

/// A pulse check-in `checkin` of `guild` held at `at` in `slot`: its post claimed and sent,
/// `answers` recorded one per member, and the pulse closed (counts kept only when at least 3
/// answered), as the check-ins job would leave it.
pub async fn held_pulse(
    store: &smallacts::store::Store,
    guild: smallacts::ids::GuildId,
    checkin: smallacts::ids::CheckinId,
    slot: &str,
    at: i64,
    answers: &[i64],
) {
    let smallacts::store::Claim::Won(post) = store
        .claim_post(
            &new_post(guild, "checkin:1", slot, at),
            &lease("test", at),
            at,
        )
        .await
        .unwrap()
    else {
        unreachable!("a test's check-in slot is claimed once")
    };
    store
        .mark_post_sent(post, smallacts::ids::MessageId(1), None, at)
        .await
        .unwrap();
    let run = store
        .insert_run(&smallacts::store::NewRun {
            guild_id: guild,
            checkin_id: checkin,
            post_id: post,
            prompt_id: "p",
            style: "pulse",
            opened_at: at,
            closes_at: at + 1,
        })
        .await
        .unwrap();
    for (member, answer) in answers.iter().enumerate() {
        store
            .record_pulse_answer(
                guild,
                run,
                smallacts::ids::MemberId(member as u64),
                *answer,
                at,
            )
            .await
            .unwrap();
    }
    store
        .close_run(run, at + 1, |scores| {
            let r = smallacts::checkins::add_up(scores, 3);
            (r.answers, r.counts)
        })
        .await
        .unwrap();
}

/// `/daily setup` by `admin`: the daily act in `channel` at `time` (server time).
pub async fn daily_setup(
    bot: &crate::bot::TestBot,
    admin: &fake_discord::Actor,
    channel: u64,
    time: &str,
) -> fake_discord::Reply {
    let options = serde_json::json!([
        {"name": "channel", "type": 7, "value": channel.to_string()},
        text("time", time),
    ]);
    bot.sandbox
        .slash(admin, "daily", sub("setup", options))
        .await
        .unwrap()
}

/// Waits (up to about 5 s) until the bot's counter `name` on /metrics reaches `at_least`, and
/// returns its value then (lower if it never got there).
pub async fn counter_reaching(bot: &crate::bot::TestBot, name: &str, at_least: u64) -> u64 {
    let addr = bot.ops_addr.expect("the operator endpoints");
    let mut value = 0;
    for _ in 0..200 {
        let (_, metrics) = http_request(addr, "GET", "/metrics", &[], None).await;
        value = metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(' '))
            .and_then(|n| n.parse::<u64>().ok())
            .unwrap_or(0);
        if value >= at_least {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    value
}
