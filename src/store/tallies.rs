//! Tallies of wins for the impact figures, kept as wins come and go: wins per server, local
//! day, act size and Way (`win_days`), the same per local week (`win_weeks`), and who took
//! part in each local week, with how many wins (`member_weeks`). The impact page for a server
//! with a million wins reads a few thousand rows of these instead of counting the wins.
//!
//! A win is counted once its `local_date` (the day in the server's time zone when it was
//! stored) is set, and every statement here that adds or removes wins changes the tallies in
//! the same transaction, by grouped SQL: a retention delete of half a million wins is a few
//! statements, with no work per win in Rust. A server's tallies go with it (cascade).
//!
//! - SQLite: writers take the write lock at `BEGIN IMMEDIATE`, so counting the wins and then
//!   changing them is one step as far as any other writer can tell.
//! - PostgreSQL: a win can be deleted by two transactions at once (a member's own deletion and
//!   `/privacy forget`, say), and READ COMMITTED lets both count it if they count first. So
//!   the change and the tallies are one statement there: the delete (or update) returns the
//!   rows it changed, and data-modifying CTEs add them up from exactly those rows.

use chrono::{DateTime, Datelike, Days, NaiveDate};
use chrono_tz::Tz;
use sqlx::{Any, Transaction};

use super::ids::StoredId;
use super::{Backend, Store, StoreError};
use crate::calendar::{local_wall_time, parse_timezone, resolve_local};
use crate::ids::{ActId, GuildId, MemberId};

/// What every source of tallied wins yields, as `w`.
const SOURCE_COLUMNS: &str = "guild_id, local_date, member_id, act_id";

/// A value bound to one of the `$n` of a condition on wins.
#[derive(Debug, Clone)]
pub(super) enum Value {
    Int(i64),
    Text(String),
}

/// Wins of one week with one size and Way ('' for a win without act), from the tallies.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct WeekWins {
    pub week_start: String,
    pub size: String,
    pub way: String,
    pub wins: i64,
}

/// Wins of one local day with one size and Way, as `win_days` keeps them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, sqlx::FromRow)]
pub struct DayTally {
    pub local_date: String,
    pub size: String,
    pub way: String,
    pub wins: i64,
}

/// Wins of one local week (its Monday) with one size and Way, as `win_weeks` keeps them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, sqlx::FromRow)]
pub struct WeekTally {
    pub week_start: String,
    pub size: String,
    pub way: String,
    pub wins: i64,
}

/// A member's wins in one local week, as `member_weeks` keeps them.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, sqlx::FromRow)]
pub struct MemberWeek {
    pub week_start: String,
    pub member_id: MemberId,
    pub wins: i64,
}

/// A server's tallies, or the same figures counted from its wins (to check one against the
/// other).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tallies {
    pub days: Vec<DayTally>,
    pub weeks: Vec<WeekTally>,
    pub member_weeks: Vec<MemberWeek>,
}

/// Local days, and the instants around them: wins dated within [from, to] (by the `local_date`
/// they were given) are looked for between `from_ms` and `to_ms`, which must bracket them in
/// any time zone the server had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DaySpan {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub from_ms: i64,
    pub to_ms: i64,
}

impl DaySpan {
    /// The days from `from` to `to`, bracketed generously: local dates were given in the
    /// server's zone of the time, and UTC offsets lie within -12 h..+14 h.
    pub fn new(from: NaiveDate, to: NaiveDate) -> DaySpan {
        let day_ms = 86_400_000;
        let midnight = |date: NaiveDate| date.and_time(chrono::NaiveTime::MIN).and_utc();
        DaySpan {
            from,
            to,
            from_ms: midnight(from).timestamp_millis() - 2 * day_ms,
            to_ms: midnight(to).timestamp_millis() + 3 * day_ms,
        }
    }
}

/// A date as stored: 'YYYY-MM-DD', which sorts as the dates do.
pub(super) fn date_text(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

fn parse_date(text: &str) -> Result<NaiveDate, StoreError> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|e| StoreError::Query(sqlx::Error::Decode(Box::new(e))))
}

/// The Monday on or before a date.
fn monday_of(date: NaiveDate) -> NaiveDate {
    date - Days::new(u64::from(date.weekday().num_days_from_monday()))
}

/// The time zone a server's wins are dated in: its setting, else UTC (a server without
/// settings has never been set up).
fn zone(name: Option<&str>) -> Tz {
    name.and_then(|name| name.parse().ok().or_else(|| parse_timezone(name).ok()))
        .unwrap_or(chrono_tz::UTC)
}

/// The local date of an instant in a zone.
pub(super) fn local_date(tz: Tz, at_ms: i64) -> NaiveDate {
    local_wall_time(
        tz,
        DateTime::from_timestamp_millis(at_ms).unwrap_or_default(),
    )
    .date()
}

/// The Monday of a 'YYYY-MM-DD' column or value, as 'YYYY-MM-DD', in the backend's dialect.
fn week_of(backend: Backend, date: &str) -> String {
    match backend {
        // 6 days back, then forward to the next Monday (or that day, if it is one).
        Backend::Sqlite => format!("date({date}, '-6 days', 'weekday 1')"),
        Backend::Postgres => {
            format!("to_char(date_trunc('week', CAST({date} AS TIMESTAMP)), 'YYYY-MM-DD')")
        }
    }
}

/// One of the tally tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tally {
    /// `win_days`: per local date, size and Way.
    Days,
    /// `win_weeks`: per local week, size and Way.
    Weeks,
    /// `member_weeks`: per local week and member.
    Members,
}

impl Tally {
    const ALL: [Tally; 3] = [Tally::Days, Tally::Weeks, Tally::Members];
    /// The tallies that follow an act's size and Way.
    const BY_TAGS: [Tally; 2] = [Tally::Days, Tally::Weeks];

    fn table(self) -> &'static str {
        match self {
            Tally::Days => "win_days",
            Tally::Weeks => "win_weeks",
            Tally::Members => "member_weeks",
        }
    }

    fn key(self) -> &'static [&'static str] {
        match self {
            Tally::Days => &["guild_id", "local_date", "size", "way"],
            Tally::Weeks => &["guild_id", "week_start", "size", "way"],
            Tally::Members => &["guild_id", "week_start", "member_id"],
        }
    }

    /// The wins of `source` (rows of [`SOURCE_COLUMNS`] as `w`) grouped by this tally's key,
    /// with their number as `n`.
    fn grouped(self, backend: Backend, source: &str) -> String {
        let week = week_of(backend, "w.local_date");
        let (size, way) = ("COALESCE(a.size, '')", "COALESCE(a.way, '')");
        let tags = "LEFT JOIN acts a ON a.id = w.act_id";
        let (keys, from) = match self {
            Tally::Days => (
                vec!["w.local_date".to_owned(), size.to_owned(), way.to_owned()],
                format!("{source} {tags}"),
            ),
            Tally::Weeks => (
                vec![week, size.to_owned(), way.to_owned()],
                format!("{source} {tags}"),
            ),
            Tally::Members => (vec![week, "w.member_id".to_owned()], source.to_owned()),
        };
        let selected: Vec<String> = keys
            .iter()
            .zip(&self.key()[1..])
            .map(|(expression, name)| format!("{expression} AS {name}"))
            .collect();
        format!(
            "SELECT w.guild_id, {}, COUNT(*) AS n FROM {from} WHERE w.local_date IS NOT NULL \
             GROUP BY w.guild_id, {}",
            selected.join(", "),
            keys.join(", ")
        )
    }

    /// Adds the wins of `source` to this tally.
    fn add(self, backend: Backend, source: &str) -> String {
        let (table, key) = (self.table(), self.key().join(", "));
        format!(
            "INSERT INTO {table} ({key}, wins) {} ON CONFLICT ({key}) \
             DO UPDATE SET wins = {table}.wins + excluded.wins",
            self.grouped(backend, source)
        )
    }

    /// Takes the wins of `source` off this tally.
    fn subtract(self, backend: Backend, source: &str) -> String {
        let table = self.table();
        let matching: Vec<String> = self
            .key()
            .iter()
            .map(|column| format!("{table}.{column} = d.{column}"))
            .collect();
        format!(
            "UPDATE {table} SET wins = {table}.wins - d.n FROM ({}) AS d WHERE {}",
            self.grouped(backend, source),
            matching.join(" AND ")
        )
    }

    /// Deletes the rows that no longer count anything (a partial index finds them at once).
    fn drop_spent(self) -> String {
        format!("DELETE FROM {} WHERE wins <= 0", self.table())
    }
}

/// The stored wins matching `condition` (on `wins`, unaliased), as a tally source.
fn wins_where(condition: &str) -> String {
    format!("(SELECT {SOURCE_COLUMNS} FROM wins WHERE {condition}) AS w")
}

fn query<'q>(
    sql: &str,
    binds: &'q [Value],
) -> sqlx::query::Query<'q, Any, sqlx::any::AnyArguments> {
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()));
    for value in binds {
        query = match value {
            Value::Int(n) => query.bind(*n),
            Value::Text(text) => query.bind(text.as_str()),
        };
    }
    query
}

async fn execute(
    tx: &mut Transaction<'static, Any>,
    sql: &str,
    binds: &[Value],
) -> Result<u64, StoreError> {
    Ok(query(sql, binds).execute(&mut **tx).await?.rows_affected())
}

async fn count(
    tx: &mut Transaction<'static, Any>,
    sql: &str,
    binds: &[Value],
) -> Result<u64, StoreError> {
    use sqlx::Row;
    let row = query(sql, binds).fetch_one(&mut **tx).await?;
    Ok(row.try_get::<i64, _>(0)?.max(0) as u64)
}

/// How many weeks a count of members reads row by row; from this many on, it probes the index
/// member by member instead.
const SCAN_WEEKS: i64 = 13;

async fn count_with(pool: &sqlx::AnyPool, sql: &str, binds: &[Value]) -> Result<u64, StoreError> {
    use sqlx::Row;
    let row = query(sql, binds).fetch_one(pool).await?;
    Ok(row.try_get::<i64, _>(0)?.max(0) as u64)
}

async fn drop_spent(
    tx: &mut Transaction<'static, Any>,
    tallies: &[Tally],
) -> Result<(), StoreError> {
    for tally in tallies {
        sqlx::query(sqlx::AssertSqlSafe(tally.drop_spent()))
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// One statement (PostgreSQL) that changes wins by `change` (an UPDATE or DELETE returning
/// [`SOURCE_COLUMNS`]) and applies `each` (`Tally::add` or `Tally::subtract`) to every tally
/// from exactly the rows it changed; it answers how many.
fn changing_with_tallies(
    backend: Backend,
    change: &str,
    each: fn(Tally, Backend, &str) -> String,
) -> String {
    let tallies: Vec<String> = Tally::ALL
        .iter()
        .enumerate()
        .map(|(n, tally)| format!("t{n} AS ({})", each(*tally, backend, "changed AS w")))
        .collect();
    format!(
        "WITH changed AS ({change} RETURNING {SOURCE_COLUMNS}), {} SELECT COUNT(*) FROM changed",
        tallies.join(", ")
    )
}

impl Store {
    /// The local date a win stored now in a server gets: in the server's time zone.
    pub(super) async fn local_date_of(
        &self,
        tx: &mut Transaction<'static, Any>,
        guild_id: GuildId,
        at_ms: i64,
    ) -> Result<NaiveDate, StoreError> {
        Ok(local_date(self.zone_of(tx, guild_id).await?, at_ms))
    }

    pub(super) async fn zone_of(
        &self,
        tx: &mut Transaction<'static, Any>,
        guild_id: GuildId,
    ) -> Result<Tz, StoreError> {
        let name: Option<(String,)> =
            sqlx::query_as("SELECT timezone FROM server_settings WHERE guild_id = $1")
                .bind(guild_id)
                .fetch_optional(&mut **tx)
                .await?;
        Ok(zone(name.as_ref().map(|(n,)| n.as_str())))
    }

    /// Counts the stored, dated wins matching `condition` in the tallies (wins just inserted).
    pub(super) async fn tally_wins(
        &self,
        tx: &mut Transaction<'static, Any>,
        condition: &str,
        binds: &[Value],
    ) -> Result<(), StoreError> {
        let source = wins_where(condition);
        for tally in Tally::ALL {
            execute(tx, &tally.add(self.backend, &source), binds).await?;
        }
        Ok(())
    }

    /// Deletes the wins matching `condition` (on `wins`, unaliased, with `binds` for its
    /// `$n`) and takes them off the tallies, in `tx`. How many wins were deleted.
    pub(super) async fn delete_wins_tallied(
        &self,
        tx: &mut Transaction<'static, Any>,
        condition: &str,
        binds: &[Value],
    ) -> Result<u64, StoreError> {
        let deleted = match self.backend {
            Backend::Sqlite => {
                let source = wins_where(condition);
                for tally in Tally::ALL {
                    execute(tx, &tally.subtract(self.backend, &source), binds).await?;
                }
                execute(tx, &format!("DELETE FROM wins WHERE {condition}"), binds).await?
            }
            Backend::Postgres => {
                let sql = changing_with_tallies(
                    self.backend,
                    &format!("DELETE FROM wins WHERE {condition}"),
                    Tally::subtract,
                );
                count(tx, &sql, binds).await?
            }
        };
        if deleted > 0 {
            drop_spent(tx, &Tally::ALL).await?;
        }
        Ok(deleted)
    }

    /// Moves the wins of acts whose size or Way is about to change (`before` = true) off their
    /// tallies by tags, or onto them again with the new tags (`before` = false), in the
    /// catalogue sync's transaction.
    pub(super) async fn retag_tallies(
        &self,
        tx: &mut Transaction<'static, Any>,
        acts: &[ActId],
        before: bool,
    ) -> Result<(), StoreError> {
        if acts.is_empty() {
            return Ok(());
        }
        if before && self.backend == Backend::Postgres {
            // Wins being stored now read an act's tags as they were before this transaction
            // and count under them: wait for those to commit (so they are moved with the
            // rest), and hold new ones back until the new tags are in.
            sqlx::query("LOCK TABLE win_days IN EXCLUSIVE MODE")
                .execute(&mut **tx)
                .await?;
        }
        let list: Vec<String> = (1..=acts.len()).map(|n| format!("${n}")).collect();
        let source = wins_where(&format!("act_id IN ({})", list.join(", ")));
        let binds: Vec<Value> = acts.iter().map(|id| Value::Int(id.0)).collect();
        for tally in Tally::BY_TAGS {
            let sql = if before {
                tally.subtract(self.backend, &source)
            } else {
                tally.add(self.backend, &source)
            };
            execute(tx, &sql, &binds).await?;
        }
        drop_spent(tx, &Tally::BY_TAGS).await
    }

    /// Before the servers left before `cutoff_ms` are deleted (with their acts): wins of
    /// other servers that name one of those acts lose it (`ON DELETE SET NULL`), so they move
    /// to "without act" in the tallies now.
    pub(super) async fn untag_wins_of_departing_acts(
        &self,
        tx: &mut Transaction<'static, Any>,
        cutoff_ms: i64,
    ) -> Result<(), StoreError> {
        let leaving = "SELECT guild_id FROM servers WHERE left_at IS NOT NULL AND left_at < $1";
        let condition = format!(
            "act_id IN (SELECT id FROM acts WHERE guild_id IN ({leaving})) \
             AND guild_id NOT IN ({leaving})"
        );
        let binds = [Value::Int(cutoff_ms)];
        let source = wins_where(&condition);
        let untagged = format!(
            "(SELECT guild_id, local_date, member_id, CAST(NULL AS BIGINT) AS act_id \
             FROM wins WHERE {condition}) AS w"
        );
        for tally in Tally::BY_TAGS {
            execute(tx, &tally.subtract(self.backend, &source), &binds).await?;
            execute(tx, &tally.add(self.backend, &untagged), &binds).await?;
        }
        drop_spent(tx, &Tally::BY_TAGS).await
    }

    /// Dates and tallies the wins stored without a local date: those from before migration
    /// 0006 (run from [`Store::migrate`]), and any a process of an older version stored since.
    /// One server-day per transaction, each dated in the server's current time zone. Safe
    /// with several processes at once: a win is dated, and counted, once. How many it dated.
    pub async fn tally_undated_wins(&self) -> Result<u64, StoreError> {
        let mut dated = 0;
        loop {
            // The partial index holds only undated wins: empty, this is one probe.
            let next: Option<(GuildId, i64)> = sqlx::query_as(
                "SELECT guild_id, created_at FROM wins WHERE local_date IS NULL \
                 ORDER BY guild_id, created_at LIMIT 1",
            )
            .fetch_optional(&self.pool)
            .await?;
            let Some((guild_id, at_ms)) = next else {
                return Ok(dated);
            };
            let mut tx = self.begin_write().await?;
            let tz = self.zone_of(&mut tx, guild_id).await?;
            let day = local_date(tz, at_ms);
            let midnight = |date: NaiveDate| {
                resolve_local(tz, date.and_time(chrono::NaiveTime::MIN)).timestamp_millis()
            };
            // The instants of that local day (and at least the win found, whatever the zone
            // does, so each turn makes progress).
            let from_ms = midnight(day).min(at_ms);
            let to_ms = midnight(day + Days::new(1)).max(at_ms + 1);
            let binds = [
                Value::Int(guild_id.to_db()),
                Value::Int(from_ms),
                Value::Int(to_ms),
                Value::Text(date_text(day)),
            ];
            let condition = "guild_id = $1 AND created_at >= $2 AND created_at < $3 \
                             AND local_date IS NULL";
            let n = match self.backend {
                Backend::Sqlite => {
                    let source = format!(
                        "(SELECT guild_id, $4 AS local_date, member_id, act_id FROM wins \
                         WHERE {condition}) AS w"
                    );
                    for tally in Tally::ALL {
                        execute(&mut tx, &tally.add(self.backend, &source), &binds).await?;
                    }
                    execute(
                        &mut tx,
                        &format!("UPDATE wins SET local_date = $4 WHERE {condition}"),
                        &binds,
                    )
                    .await?
                }
                Backend::Postgres => {
                    let sql = changing_with_tallies(
                        self.backend,
                        &format!("UPDATE wins SET local_date = $4 WHERE {condition}"),
                        Tally::add,
                    );
                    count(&mut tx, &sql, &binds).await?
                }
            };
            tx.commit().await?;
            dated += n;
        }
    }

    /// Wins per week (Monday) by size and Way, over the whole weeks from the week of `first`
    /// to the week of `last`.
    pub async fn wins_by_week(
        &self,
        guild_id: GuildId,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<(NaiveDate, WeekWins)>, StoreError> {
        let rows: Vec<WeekWins> = sqlx::query_as(
            "SELECT week_start, size, way, wins FROM win_weeks \
             WHERE guild_id = $1 AND week_start >= $2 AND week_start <= $3",
        )
        .bind(guild_id)
        .bind(date_text(monday_of(first)))
        .bind(date_text(monday_of(last)))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| Ok((parse_date(&row.week_start)?, row)))
            .collect()
    }

    /// Wins per week (Monday) by size and Way, counting only the days from `from` to `to`
    /// (local dates, both included): for a week cut short.
    pub async fn wins_by_week_on_days(
        &self,
        guild_id: GuildId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<(NaiveDate, WeekWins)>, StoreError> {
        let rows: Vec<WeekWins> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {} AS week_start, size, way, CAST(SUM(wins) AS BIGINT) AS wins \
             FROM win_days WHERE guild_id = $1 AND local_date >= $2 AND local_date <= $3 \
             GROUP BY 1, size, way",
            week_of(self.backend, "local_date")
        )))
        .bind(guild_id)
        .bind(date_text(from))
        .bind(date_text(to))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| Ok((parse_date(&row.week_start)?, row)))
            .collect()
    }

    /// How many members took part in each week from the week of `first` to the week of
    /// `last` (whole weeks), as (Monday, members); weeks without any are left out.
    pub async fn members_by_week(
        &self,
        guild_id: GuildId,
        first: NaiveDate,
        last: NaiveDate,
    ) -> Result<Vec<(NaiveDate, u64)>, StoreError> {
        let rows: Vec<(String, i64)> = sqlx::query_as(
            "SELECT week_start, COUNT(*) FROM member_weeks \
             WHERE guild_id = $1 AND week_start >= $2 AND week_start <= $3 GROUP BY week_start",
        )
        .bind(guild_id)
        .bind(date_text(monday_of(first)))
        .bind(date_text(monday_of(last)))
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(week, n)| Ok((parse_date(&week)?, n.max(0) as u64)))
            .collect()
    }

    /// Whether a server has any win dated from `from` to `to` (local dates, both included).
    pub async fn any_win_dated(
        &self,
        guild_id: GuildId,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<bool, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT 1 FROM win_days WHERE guild_id = $1 AND local_date >= $2 \
             AND local_date <= $3 LIMIT 1",
        )
        .bind(guild_id)
        .bind(date_text(from))
        .bind(date_text(to))
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// How many different members took part in the whole weeks `weeks` (Mondays of the first
    /// and last, from the tallies) and on the days `days` (from the wins themselves: a week
    /// cut short by the end of a range), together.
    pub async fn members_taking_part(
        &self,
        guild_id: GuildId,
        weeks: Option<(NaiveDate, NaiveDate)>,
        days: Option<DaySpan>,
    ) -> Result<u64, StoreError> {
        let days_values = |days: DaySpan| {
            [
                Value::Int(days.from_ms),
                Value::Int(days.to_ms),
                Value::Text(date_text(days.from)),
                Value::Text(date_text(days.to)),
            ]
        };
        let Some((first, last)) = weeks.map(|(f, l)| (monday_of(f), monday_of(l))) else {
            let Some(days) = days else { return Ok(0) };
            let mut binds = vec![Value::Int(guild_id.to_db())];
            binds.extend(days_values(days));
            return count_with(
                &self.pool,
                "SELECT COUNT(*) FROM (SELECT member_id FROM wins WHERE guild_id = $1 \
                 AND created_at >= $2 AND created_at < $3 AND local_date >= $4 \
                 AND local_date <= $5 GROUP BY member_id) d",
                &binds,
            )
            .await;
        };
        let mut binds = vec![
            Value::Int(guild_id.to_db()),
            Value::Text(date_text(first)),
            Value::Text(date_text(last)),
        ];
        let in_weeks = if (last - first).num_days() < 7 * SCAN_WEEKS {
            // A few weeks: read them.
            count_with(
                &self.pool,
                "SELECT COUNT(*) FROM (SELECT member_id FROM member_weeks \
                 WHERE guild_id = $1 AND week_start >= $2 AND week_start <= $3 \
                 GROUP BY member_id) m",
                &binds,
            )
            .await?
        } else {
            // Many weeks: go through the server's members in id order on the index (each step
            // one probe for the next id), and ask of each whether it has a week in the range
            // (one more): two probes a member instead of a read of every member's every week.
            count_with(
                &self.pool,
                "WITH RECURSIVE m (id) AS ( \
                   SELECT MIN(member_id) FROM member_weeks WHERE guild_id = $1 \
                   UNION ALL \
                   SELECT (SELECT MIN(member_id) FROM member_weeks \
                           WHERE guild_id = $1 AND member_id > m.id) \
                   FROM m WHERE m.id IS NOT NULL) \
                 SELECT COUNT(*) FROM m WHERE m.id IS NOT NULL AND EXISTS ( \
                   SELECT 1 FROM member_weeks w WHERE w.guild_id = $1 AND w.member_id = m.id \
                   AND w.week_start >= $2 AND w.week_start <= $3)",
                &binds,
            )
            .await?
        };
        let Some(days) = days else {
            return Ok(in_weeks);
        };
        // And the members of the days who have no week in the range.
        binds.extend(days_values(days));
        let only_on_days = count_with(
            &self.pool,
            "SELECT COUNT(*) FROM (SELECT member_id FROM wins WHERE guild_id = $1 \
             AND created_at >= $4 AND created_at < $5 AND local_date >= $6 AND local_date <= $7 \
             GROUP BY member_id) d WHERE NOT EXISTS (SELECT 1 FROM member_weeks w \
             WHERE w.guild_id = $1 AND w.member_id = d.member_id \
             AND w.week_start >= $2 AND w.week_start <= $3)",
            &binds,
        )
        .await?;
        Ok(in_weeks + only_on_days)
    }

    /// A server's tallies, in order.
    pub async fn tallies(&self, guild_id: GuildId) -> Result<Tallies, StoreError> {
        let days = sqlx::query_as(
            "SELECT local_date, size, way, wins FROM win_days WHERE guild_id = $1 \
             ORDER BY local_date, size, way",
        )
        .bind(guild_id)
        .fetch_all(&self.pool)
        .await?;
        let weeks = sqlx::query_as(
            "SELECT week_start, size, way, wins FROM win_weeks WHERE guild_id = $1 \
             ORDER BY week_start, size, way",
        )
        .bind(guild_id)
        .fetch_all(&self.pool)
        .await?;
        let member_weeks = sqlx::query_as(
            "SELECT week_start, member_id, wins FROM member_weeks WHERE guild_id = $1 \
             ORDER BY week_start, member_id",
        )
        .bind(guild_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Tallies {
            days,
            weeks,
            member_weeks,
        })
    }

    /// The figures the tallies should hold, counted from a server's dated wins (for tests
    /// and checks: this reads every win).
    pub async fn tallies_counted_from_wins(
        &self,
        guild_id: GuildId,
    ) -> Result<Tallies, StoreError> {
        let source = wins_where("guild_id = $1");
        let counted = |tally: Tally| {
            let key = &tally.key()[1..];
            format!(
                "SELECT {}, n AS wins FROM ({}) t ORDER BY {}",
                key.join(", "),
                tally.grouped(self.backend, &source),
                key.join(", ")
            )
        };
        let days = sqlx::query_as(sqlx::AssertSqlSafe(counted(Tally::Days)))
            .bind(guild_id)
            .fetch_all(&self.pool)
            .await?;
        let weeks = sqlx::query_as(sqlx::AssertSqlSafe(counted(Tally::Weeks)))
            .bind(guild_id)
            .fetch_all(&self.pool)
            .await?;
        let member_weeks = sqlx::query_as(sqlx::AssertSqlSafe(counted(Tally::Members)))
            .bind(guild_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(Tallies {
            days,
            weeks,
            member_weeks,
        })
    }
}
