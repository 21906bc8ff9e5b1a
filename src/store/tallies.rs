//! Tallies of wins for the impact figures, kept as wins come and go: wins per server, local
//! day, act size and Way (`win_days`), and who took part in each local week, with how many
//! wins (`member_weeks`). The impact page for a server with a million wins reads a few
//! thousand rows of these instead of counting the wins.
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

/// Deletes the rows that no longer count anything (the partial indexes find them at once).
const DROP_SPENT: [&str; 2] = [
    "DELETE FROM win_days WHERE wins <= 0",
    "DELETE FROM member_weeks WHERE wins <= 0",
];

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

/// The wins of `source` grouped by day, size and Way, as (guild_id, local_date, size, way, n).
fn days_of(source: &str) -> String {
    format!(
        "SELECT w.guild_id, w.local_date, COALESCE(a.size, '') AS size, \
         COALESCE(a.way, '') AS way, COUNT(*) AS n \
         FROM {source} LEFT JOIN acts a ON a.id = w.act_id WHERE w.local_date IS NOT NULL \
         GROUP BY w.guild_id, w.local_date, COALESCE(a.size, ''), COALESCE(a.way, '')"
    )
}

/// The wins of `source` grouped by week and member, as (guild_id, week_start, member_id, n).
fn weeks_of(backend: Backend, source: &str) -> String {
    let week = week_of(backend, "w.local_date");
    format!(
        "SELECT w.guild_id, {week} AS week_start, w.member_id, COUNT(*) AS n \
         FROM {source} WHERE w.local_date IS NOT NULL GROUP BY w.guild_id, {week}, w.member_id"
    )
}

fn add_days(source: &str) -> String {
    format!(
        "INSERT INTO win_days (guild_id, local_date, size, way, wins) {} \
         ON CONFLICT (guild_id, local_date, size, way) \
         DO UPDATE SET wins = win_days.wins + excluded.wins",
        days_of(source)
    )
}

fn add_weeks(backend: Backend, source: &str) -> String {
    format!(
        "INSERT INTO member_weeks (guild_id, week_start, member_id, wins) {} \
         ON CONFLICT (guild_id, week_start, member_id) \
         DO UPDATE SET wins = member_weeks.wins + excluded.wins",
        weeks_of(backend, source)
    )
}

fn subtract_days(source: &str) -> String {
    format!(
        "UPDATE win_days SET wins = win_days.wins - d.n FROM ({}) AS d \
         WHERE win_days.guild_id = d.guild_id AND win_days.local_date = d.local_date \
         AND win_days.size = d.size AND win_days.way = d.way",
        days_of(source)
    )
}

fn subtract_weeks(backend: Backend, source: &str) -> String {
    format!(
        "UPDATE member_weeks SET wins = member_weeks.wins - d.n FROM ({}) AS d \
         WHERE member_weeks.guild_id = d.guild_id AND member_weeks.week_start = d.week_start \
         AND member_weeks.member_id = d.member_id",
        weeks_of(backend, source)
    )
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

async fn drop_spent(tx: &mut Transaction<'static, Any>) -> Result<(), StoreError> {
    for sql in DROP_SPENT {
        sqlx::query(sql).execute(&mut **tx).await?;
    }
    Ok(())
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
        execute(tx, &add_days(&source), binds).await?;
        execute(tx, &add_weeks(self.backend, &source), binds).await?;
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
                execute(tx, &subtract_days(&source), binds).await?;
                execute(tx, &subtract_weeks(self.backend, &source), binds).await?;
                execute(tx, &format!("DELETE FROM wins WHERE {condition}"), binds).await?
            }
            Backend::Postgres => {
                let sql = format!(
                    "WITH gone AS (DELETE FROM wins WHERE {condition} RETURNING {SOURCE_COLUMNS}), \
                     days AS ({}), weeks AS ({}) SELECT COUNT(*) FROM gone",
                    subtract_days("gone AS w"),
                    subtract_weeks(self.backend, "gone AS w"),
                );
                count(tx, &sql, binds).await?
            }
        };
        if deleted > 0 {
            drop_spent(tx).await?;
        }
        Ok(deleted)
    }

    /// Moves the wins of acts whose size or Way is about to change (`before` = true) off their
    /// day's tallies, or onto them again with the new tags (`before` = false), in the
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
        if before {
            execute(tx, &subtract_days(&source), &binds).await?;
            drop_spent(tx).await?;
        } else {
            execute(tx, &add_days(&source), &binds).await?;
        }
        Ok(())
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
        execute(tx, &subtract_days(&source), &binds).await?;
        let untagged = format!(
            "(SELECT guild_id, local_date, member_id, CAST(NULL AS BIGINT) AS act_id \
             FROM wins WHERE {condition}) AS w"
        );
        execute(tx, &add_days(&untagged), &binds).await?;
        drop_spent(tx).await
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
                    execute(&mut tx, &add_days(&source), &binds).await?;
                    execute(&mut tx, &add_weeks(self.backend, &source), &binds).await?;
                    execute(
                        &mut tx,
                        &format!("UPDATE wins SET local_date = $4 WHERE {condition}"),
                        &binds,
                    )
                    .await?
                }
                Backend::Postgres => {
                    let sql = format!(
                        "WITH dated AS (UPDATE wins SET local_date = $4 WHERE {condition} \
                         RETURNING {SOURCE_COLUMNS}), days AS ({}), weeks AS ({}) \
                         SELECT COUNT(*) FROM dated",
                        add_days("dated AS w"),
                        add_weeks(self.backend, "dated AS w"),
                    );
                    count(&mut tx, &sql, &binds).await?
                }
            };
            tx.commit().await?;
            dated += n;
        }
    }

    /// Wins per week (Monday, 'YYYY-MM-DD') by size and Way, for wins dated from `from` to
    /// `to` (local dates, both included).
    pub async fn win_tallies_by_week(
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

    /// How many different members took part in the whole weeks `weeks` (Mondays of the first
    /// and last, from the tallies) and on the days `days` (from the wins themselves: a week
    /// cut short by the end of a range), together.
    pub async fn members_taking_part(
        &self,
        guild_id: GuildId,
        weeks: Option<(NaiveDate, NaiveDate)>,
        days: Option<DaySpan>,
    ) -> Result<u64, StoreError> {
        let mut binds = vec![Value::Int(guild_id.to_db())];
        let mut parts = Vec::new();
        if let Some((first, last)) = weeks {
            binds.push(Value::Text(date_text(monday_of(first))));
            binds.push(Value::Text(date_text(monday_of(last))));
            parts.push(
                "SELECT member_id FROM member_weeks \
                 WHERE guild_id = $1 AND week_start >= $2 AND week_start <= $3"
                    .to_owned(),
            );
        }
        if let Some(days) = days {
            let n = binds.len();
            binds.extend([
                Value::Int(days.from_ms),
                Value::Int(days.to_ms),
                Value::Text(date_text(days.from)),
                Value::Text(date_text(days.to)),
            ]);
            parts.push(format!(
                "SELECT member_id FROM wins WHERE guild_id = $1 AND created_at >= ${} \
                 AND created_at < ${} AND local_date >= ${} AND local_date <= ${}",
                n + 1,
                n + 2,
                n + 3,
                n + 4
            ));
        }
        if parts.is_empty() {
            return Ok(0);
        }
        let sql = format!(
            "SELECT COUNT(DISTINCT member_id) FROM ({}) m",
            parts.join(" UNION ALL ")
        );
        use sqlx::Row;
        let row = query(&sql, &binds).fetch_one(&self.pool).await?;
        Ok(row.try_get::<i64, _>(0)?.max(0) as u64)
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
        let member_weeks = sqlx::query_as(
            "SELECT week_start, member_id, wins FROM member_weeks WHERE guild_id = $1 \
             ORDER BY week_start, member_id",
        )
        .bind(guild_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Tallies { days, member_weeks })
    }

    /// The figures the tallies should hold, counted from a server's dated wins (for tests
    /// and checks: this reads every win).
    pub async fn tallies_counted_from_wins(
        &self,
        guild_id: GuildId,
    ) -> Result<Tallies, StoreError> {
        let source = wins_where("guild_id = $1");
        let days = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT local_date, size, way, n AS wins FROM ({}) d ORDER BY local_date, size, way",
            days_of(&source)
        )))
        .bind(guild_id)
        .fetch_all(&self.pool)
        .await?;
        let member_weeks = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT week_start, member_id, n AS wins FROM ({}) m ORDER BY week_start, member_id",
            weeks_of(self.backend, &source)
        )))
        .bind(guild_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(Tallies { days, member_weeks })
    }
}
