//! Storage: the only module with SQL in it.
//!
//! One pool for SQLite or PostgreSQL, chosen by the URL scheme (sqlx's `Any` driver, so every
//! query is written once). The SQL sticks to what both dialects share: `$1` placeholders,
//! `ON CONFLICT`, `RETURNING`, 64-bit integers for ids, times (Unix milliseconds) and flags.
//! Where a dialect differs, only the migrations do: `migrations/sqlite` and
//! `migrations/postgres` describe the same schema.

mod acts;
mod barriers;
mod checkins;
mod daily;
mod events;
mod fleet;
mod ids;
mod links;
mod posts;
mod recap;
mod schema;
mod servers;
mod tallies;
mod wins;

use std::future::Future;
use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::Migrator;
use sqlx::{Any, AnyPool, Transaction};

use crate::settings::{DatabaseSettings, DatabaseUrl};

pub use acts::{StoredAct, SyncReport};
pub use barriers::AvoidExport;
pub use checkins::{
    BuddyRecord, BuddySettings, CheckinRecord, CheckinTotals, NewCheckin, NewDm, NewRun,
    PulseAnswer, QueuedDm, QuietBuddy, RunRecord, ServerResource,
};
pub use daily::{DailyChange, DailyConfig, Suggestion};
pub use events::{EventChange, EventRecord, NewEvent, REMINDER_BEFORE_MS};
pub use fleet::ProcessRow;
pub use posts::{Claim, Created, Lease, NewPost, PostRecord, PostStatus, Takeover};
pub use recap::{RangeWin, RecapChange, RecapConfig};
pub use schema::ColumnShape;
pub use servers::{CountrySetting, ServerChange, ServerRecord};
pub use tallies::{DaySpan, DayTally, MemberWeek, Tallies, WeekTally, WeekWins};
pub use wins::{ForgetReport, MEMBER_COLUMNS, MemberExport, MemberPrefs, NewWin, WinRecord};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// Runs of the SQLite migrations before one that fails is taken as the answer: enough for a
/// few processes racing through the migrations of a new file, each run applying what the
/// others had not yet.
const SQLITE_MIGRATION_TRIES: u32 = 10;

/// Which database is behind the pool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// Where the database is, for messages that must help an operator without leaking a
/// password: `host:port/database` for PostgreSQL, the file for SQLite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub backend: Backend,
    pub place: String,
}

impl Location {
    fn of(backend: Backend, url: &str) -> Location {
        let place = match backend {
            Backend::Sqlite => url
                .trim_start_matches("sqlite:")
                .trim_start_matches("//")
                .split('?')
                .next()
                .unwrap_or_default()
                .to_owned(),
            Backend::Postgres => match url::Url::parse(url) {
                Ok(parsed) => format!(
                    "{}:{}{}",
                    parsed.host_str().unwrap_or("localhost"),
                    parsed.port().unwrap_or(5432),
                    parsed.path()
                ),
                Err(_) => "(an unreadable URL)".to_owned(),
            },
        };
        Location { backend, place }
    }

    /// `host:port` of a PostgreSQL server, for a direct connection test.
    fn host_and_port(&self) -> Option<String> {
        match self.backend {
            Backend::Postgres => self.place.split('/').next().map(str::to_owned),
            Backend::Sqlite => None,
        }
    }

    /// Why the database did not answer in time, in the words that fit its kind.
    fn no_answer(&self, detail: &str) -> String {
        match self.backend {
            Backend::Postgres => {
                format!(
                    "cannot reach the PostgreSQL database at {}: {detail}",
                    self.place
                )
            }
            Backend::Sqlite => format!(
                "the SQLite database {} is busy or locked ({detail}); another process may be \
                 holding a write lock: if this is routine, raise database.busy_timeout_ms",
                self.place
            ),
        }
    }
}

/// A storage failure, sorted by what the user or operator can do about it.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the database is busy (another process is writing); try again in a moment, \
         or raise database.busy_timeout_ms"
    )]
    Busy(#[source] sqlx::Error),
    /// Every connection in the pool stayed in use, or none could be opened, until the pool's
    /// wait ran out.
    #[error(
        "no database connection became free in time: the database is unreachable or overloaded"
    )]
    NoConnection(#[source] sqlx::Error),
    /// An operation given a deadline did not finish within it. Nothing it would have written
    /// was committed unless the commit itself was under way.
    #[error("{}", .location.no_answer(.detail))]
    NoAnswer { location: Location, detail: String },
    #[error(
        "cannot use the SQLite database file {path}: {source}; check that the file and its \
         folder exist and that the bot may read and write them"
    )]
    SqliteFile {
        path: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("cannot reach the {backend} database at {url}: {source}")]
    Unreachable {
        backend: &'static str,
        url: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("database schema migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("{0} is not a database URL; use sqlite://PATH or postgres://USER@HOST/DB")]
    BadUrl(String),
    #[error("database error: {0}")]
    Query(#[source] sqlx::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if matches!(error, sqlx::Error::PoolTimedOut) {
            StoreError::NoConnection(error)
        } else if is_busy(&error) {
            StoreError::Busy(error)
        } else {
            StoreError::Query(error)
        }
    }
}

impl StoreError {
    /// True when the database could not be reached or did not answer (as opposed to refusing
    /// a particular query): trying again later is the answer, and nothing was changed.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Busy(_)
            | StoreError::NoConnection(_)
            | StoreError::NoAnswer { .. }
            | StoreError::Unreachable { .. }
            | StoreError::SqliteFile { .. } => true,
            StoreError::Query(error) => is_connection_trouble(error),
            StoreError::Migration(_) | StoreError::BadUrl(_) => false,
        }
    }
}

/// Errors that mean the connection, not the query, failed.
pub fn is_connection_trouble(error: &sqlx::Error) -> bool {
    matches!(
        error,
        sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::Protocol(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
    ) || is_busy(error)
}

fn is_busy(error: &sqlx::Error) -> bool {
    match error {
        sqlx::Error::Database(db) => {
            // SQLite: SQLITE_BUSY (5) and SQLITE_LOCKED (6), possibly extended.
            let code = db.code().unwrap_or_default();
            matches!(code.as_ref(), "5" | "6" | "261" | "262" | "517")
                || db.message().contains("database is locked")
        }
        _ => false,
    }
}

/// The database: a pool and the knowledge of which dialect it speaks.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    location: Location,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Opens a pool. For SQLite the file (and its folder) is created on first use, and each
    /// connection gets WAL, foreign keys and a busy timeout.
    pub async fn connect(settings: &DatabaseSettings) -> Result<Store, StoreError> {
        install_default_drivers();
        let url = settings.url.expose();
        let backend =
            Backend::from_url(url).ok_or_else(|| StoreError::BadUrl(settings.url.redacted()))?;
        let url = match backend {
            Backend::Sqlite => sqlite_url_creating_folder(url)?,
            Backend::Postgres => url.to_owned(),
        };
        let busy_timeout_ms = settings.busy_timeout_ms;
        let pool = AnyPoolOptions::new()
            .max_connections(settings.max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        use sqlx::Executor;
                        let pragmas = format!(
                            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                             PRAGMA foreign_keys = ON; PRAGMA busy_timeout = {busy_timeout_ms};"
                        );
                        conn.execute(sqlx::AssertSqlSafe(pragmas)).await?;
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await
            .map_err(|source| StoreError::Unreachable {
                backend: backend.name(),
                url: settings.url.redacted(),
                source,
            })?;
        Ok(Store {
            pool,
            backend,
            location: Location::of(backend, &url),
        })
    }

    /// Opens the database at `url` with default pool settings.
    pub async fn connect_url(url: &str) -> Result<Store, StoreError> {
        Store::connect(&DatabaseSettings {
            url: DatabaseUrl::new(url),
            max_connections: 5,
            busy_timeout_ms: 5000,
        })
        .await
    }

    /// Applies the migrations this binary carries that the database has not seen, then dates
    /// and tallies any wins stored without a local date (all of them, the first time after
    /// migration 0006; see [`Store::tally_undated_wins`]).
    ///
    /// Safe with several processes starting at once. On PostgreSQL sqlx's migrator (locking
    /// on, as `migrate!` builds it) takes `pg_advisory_lock` on a key derived from the
    /// database's name, on the one connection it migrates with, before it reads which
    /// migrations were applied, and releases it afterwards; on an `Any` pool the call goes to
    /// the PostgreSQL connection's own lock. The others wait, then find nothing left to do.
    /// On SQLite it takes no lock: processes migrating a new file together each try the first
    /// migration, and all but one fail on tables that now exist, their transaction rolled back
    /// whole. Running again finds those migrations applied and goes on from there.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match self.backend {
            Backend::Postgres => POSTGRES_MIGRATIONS.run(&self.pool).await?,
            Backend::Sqlite => {
                let mut tries = 1;
                loop {
                    match SQLITE_MIGRATIONS.run(&self.pool).await {
                        Err(
                            sqlx::migrate::MigrateError::ExecuteMigration(..)
                            | sqlx::migrate::MigrateError::Execute(_),
                        ) if tries < SQLITE_MIGRATION_TRIES => {
                            tokio::time::sleep(Duration::from_millis(50) * tries).await;
                            tries += 1;
                        }
                        outcome => break outcome?,
                    }
                }
            }
        }
        let dated = self.tally_undated_wins().await?;
        if dated > 0 {
            tracing::info!(
                wins = dated,
                "dated and tallied wins stored before the tallies"
            );
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Where the database is, for messages (never the password).
    pub fn location(&self) -> &Location {
        &self.location
    }

    /// For benchmarks that load a large database in one go: on PostgreSQL, what autovacuum
    /// would have done by the time a server had grown that large (statistics, and the
    /// visibility map that index-only scans use). Without it the planner, thinking the
    /// tallies empty, reads them in ways that took 1.3 s instead of 19 ms. SQLite keeps no
    /// statistics unless asked, as in production: `ANALYZE` there made the impact page's
    /// two-year count pick a slower plan (p50 37 ms before, 72 ms after), so the store never
    /// runs it and neither does this.
    pub async fn settle_for_bench(&self) -> Result<(), StoreError> {
        if self.backend == Backend::Postgres {
            sqlx::query("VACUUM (ANALYZE)").execute(&self.pool).await?;
        }
        Ok(())
    }

    /// A cheap round trip.
    pub async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    /// Runs one store operation with a deadline. The pool's own wait covers only getting a
    /// connection: a query on a connection that is already open, to a server that has gone
    /// silent (a network black hole), would wait for the operating system to give up, which
    /// takes many minutes. Whatever must answer promptly bounds its work with this. A write
    /// cut off here is rolled back (its transaction is dropped uncommitted) unless its commit
    /// was already on its way.
    pub async fn within<T>(
        &self,
        deadline: Duration,
        operation: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        match tokio::time::timeout(deadline, operation).await {
            Ok(outcome) => outcome,
            Err(_) => Err(self.no_answer_within(deadline)),
        }
    }

    fn no_answer_within(&self, deadline: Duration) -> StoreError {
        StoreError::NoAnswer {
            location: self.location.clone(),
            detail: format!("no answer within {}", seconds(deadline)),
        }
    }

    /// Whether the database answers within `deadline`, and if not, why, in the words that fit
    /// the backend: for PostgreSQL, whether its address refuses connections or accepts them and
    /// then says nothing; for SQLite, that the file is locked or can't be used. For `/healthz`.
    pub async fn health(&self, deadline: Duration) -> Result<(), StoreError> {
        // Leave part of the time for finding out why, if the round trip doesn't come back.
        let round_trip = deadline.mul_f32(0.6);
        let outcome = tokio::time::timeout(round_trip, self.ping()).await;
        match (outcome, self.backend) {
            (Ok(Ok(())), _) => Ok(()),
            (Ok(Err(error)), Backend::Sqlite) => Err(match error {
                StoreError::Busy(_) | StoreError::NoConnection(_) => {
                    self.no_answer_within(round_trip)
                }
                StoreError::Query(source) => StoreError::SqliteFile {
                    path: self.location.place.clone(),
                    source,
                },
                other => other,
            }),
            (Err(_), Backend::Sqlite) => Err(self.no_answer_within(round_trip)),
            (Ok(Err(error)), Backend::Postgres) if !error.is_unavailable() => Err(error),
            (_, Backend::Postgres) => Err(StoreError::NoAnswer {
                location: self.location.clone(),
                detail: self
                    .why_postgres_is_silent(round_trip, deadline - round_trip)
                    .await,
            }),
        }
    }

    /// Tries the server's address directly: refused, silent, or accepting connections but not
    /// answering queries.
    async fn why_postgres_is_silent(&self, waited: Duration, deadline: Duration) -> String {
        let Some(address) = self.location.host_and_port() else {
            return format!("no answer within {}", seconds(waited));
        };
        match tokio::time::timeout(deadline, tokio::net::TcpStream::connect(&address)).await {
            Ok(Ok(_)) => format!(
                "it accepts connections but did not answer within {}",
                seconds(waited)
            ),
            Ok(Err(error)) if error.kind() == std::io::ErrorKind::ConnectionRefused => {
                "connection refused (is PostgreSQL running, and is the port right?)".into()
            }
            Ok(Err(error)) => format!("cannot connect: {error}"),
            Err(_) => format!(
                "no answer within {} (a firewall, a wrong host, or the server is down)",
                seconds(waited)
            ),
        }
    }

    /// Begins a transaction that will write. On SQLite it takes the write lock at once
    /// (BEGIN IMMEDIATE), so two writers queue on the busy timeout instead of one failing
    /// half-way when it tries to upgrade a read lock.
    async fn begin_write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        let tx = match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        };
        Ok(tx)
    }

    /// The names of the application's tables, for tests and `migrate`'s report.
    pub async fn table_names(&self) -> Result<Vec<String>, StoreError> {
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx_%' ORDER BY name"
            }
            Backend::Postgres => {
                "SELECT table_name::TEXT FROM information_schema.tables \
                 WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx_%' \
                 ORDER BY table_name"
            }
        };
        let names: Vec<(String,)> = sqlx::query_as(sql).fetch_all(&self.pool).await?;
        Ok(names.into_iter().map(|(n,)| n).collect())
    }

    /// The columns of a table with their declared types, for tests that check both
    /// backends carry the same schema.
    pub async fn column_names(&self, table: &str) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = match self.backend {
            Backend::Sqlite => {
                sqlx::query_as("SELECT name FROM pragma_table_info($1) ORDER BY cid")
                    .bind(table)
                    .fetch_all(&self.pool)
                    .await?
            }
            Backend::Postgres => {
                sqlx::query_as(
                    "SELECT column_name::TEXT FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name = $1 \
                     ORDER BY ordinal_position",
                )
                .bind(table)
                .fetch_all(&self.pool)
                .await?
            }
        };
        Ok(rows.into_iter().map(|(n,)| n).collect())
    }

    /// Closes every connection (waits for those in use).
    pub async fn close(&self) {
        self.pool.close().await;
    }
}

/// Makes sure the folder of a SQLite file exists and asks SQLite to create the file.
fn sqlite_url_creating_folder(url: &str) -> Result<String, StoreError> {
    let rest = url.trim_start_matches("sqlite:").trim_start_matches("//");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    if path.is_empty() || path == ":memory:" {
        return Err(StoreError::BadUrl(format!(
            "{url} (an in-memory database loses everything at exit; give a file path)"
        )));
    }
    if let Some(folder) = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
    {
        std::fs::create_dir_all(folder).map_err(|e| {
            StoreError::BadUrl(format!(
                "{url} (cannot create folder {}: {e})",
                folder.display()
            ))
        })?;
    }
    let mode = if query.contains("mode=") {
        ""
    } else {
        "mode=rwc"
    };
    let joined = [query, mode]
        .iter()
        .filter(|p| !p.is_empty())
        .copied()
        .collect::<Vec<_>>()
        .join("&");
    Ok(format!("sqlite://{path}?{joined}"))
}

/// "1.5 s", for messages.
fn seconds(duration: Duration) -> String {
    format!("{:.1} s", duration.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_gain_create_mode_and_folders() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("nested/deeper/x.db");
        let url = format!("sqlite://{}", file.display());
        let out = sqlite_url_creating_folder(&url).unwrap();
        assert_eq!(out, format!("sqlite://{}?mode=rwc", file.display()));
        assert!(file.parent().unwrap().is_dir());
        let kept = sqlite_url_creating_folder("sqlite://x.db?mode=ro").unwrap();
        assert_eq!(kept, "sqlite://x.db?mode=ro");
        assert!(sqlite_url_creating_folder("sqlite::memory:").is_err());
    }

    #[test]
    fn locations_name_the_place_without_the_password() {
        let pg = Location::of(
            Backend::Postgres,
            "postgres://app:hunter2@db.internal:6543/smallacts",
        );
        assert_eq!(pg.place, "db.internal:6543/smallacts");
        assert_eq!(pg.host_and_port().as_deref(), Some("db.internal:6543"));
        assert_eq!(
            Location::of(Backend::Postgres, "postgresql://db/x").place,
            "db:5432/x"
        );
        let sqlite = Location::of(Backend::Sqlite, "sqlite://data/x.db?mode=rwc");
        assert_eq!(sqlite.place, "data/x.db");
        assert_eq!(sqlite.host_and_port(), None);
    }

    #[test]
    fn an_unanswered_database_is_explained_in_its_backends_terms() {
        let pg = StoreError::NoAnswer {
            location: Location::of(Backend::Postgres, "postgres://a:secret@10.0.0.5/app"),
            detail: "connection refused".into(),
        }
        .to_string();
        assert_eq!(
            pg,
            "cannot reach the PostgreSQL database at 10.0.0.5:5432/app: connection refused"
        );
        let sqlite = StoreError::NoAnswer {
            location: Location::of(Backend::Sqlite, "sqlite://data/x.db"),
            detail: "no answer within 1.0 s".into(),
        }
        .to_string();
        assert!(sqlite.contains("data/x.db is busy or locked"), "{sqlite}");
        assert!(sqlite.contains("database.busy_timeout_ms"), "{sqlite}");
        // A pool that ran dry blames neither backend's particular cause.
        let dry = StoreError::from(sqlx::Error::PoolTimedOut);
        assert!(dry.is_unavailable());
        assert!(!dry.to_string().contains("busy_timeout"), "{dry}");
    }

    #[test]
    fn backend_follows_scheme() {
        assert_eq!(Backend::from_url("sqlite://a.db"), Some(Backend::Sqlite));
        assert_eq!(
            Backend::from_url("postgresql://h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::from_url("mysql://h/db"), None);
    }
}
