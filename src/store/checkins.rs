//! Check-ins, their runs and the anonymous pulse, support resources, buddy pairing, shift
//! patterns and the queue of direct messages that wait for quiet hours.

use super::ids::StoredId;
use super::{Store, StoreError};
use crate::ids::{ChannelId, CheckinId, DmId, GuildId, MemberId, MessageId, PostId, RunId};

/// A scheduled check-in.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct CheckinRecord {
    pub id: CheckinId,
    pub guild_id: GuildId,
    pub channel_id: ChannelId,
    /// `schedule::Schedule` in its storage form.
    pub schedule: String,
    pub style: String,
    pub next_at: Option<i64>,
    pub paused_until: Option<i64>,
    /// The server's time zone, when it has chosen one.
    pub timezone: Option<String>,
    /// On a bank holiday: "post" or "skip".
    pub bank_holidays: String,
    /// The server's UK nation (`calendar::Nation`'s word), if it is in the UK.
    pub bank_holiday_region: Option<String>,
}

/// A check-in to add.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewCheckin<'a> {
    pub guild_id: GuildId,
    pub channel_id: ChannelId,
    /// `schedule::Schedule` in its storage form.
    pub schedule: &'a str,
    pub style: &'a str,
    pub next_at: Option<i64>,
}

const CHECKIN_SELECT: &str = "SELECT c.id, c.guild_id, c.channel_id, c.schedule, c.style, c.next_at, \
     c.paused_until, s.timezone, c.bank_holidays, s.bank_holiday_region FROM checkins c LEFT JOIN server_settings s ON s.guild_id = c.guild_id";

/// One posted check-in.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct RunRecord {
    pub id: RunId,
    pub guild_id: GuildId,
    pub checkin_id: Option<CheckinId>,
    pub post_id: PostId,
    pub prompt_id: String,
    pub style: String,
    pub opened_at: i64,
    pub closes_at: i64,
    pub closed_at: Option<i64>,
    pub answers: Option<i64>,
    pub struggling: Option<i64>,
    pub not_great: Option<i64>,
    pub okay: Option<i64>,
    pub good: Option<i64>,
    pub great: Option<i64>,
    /// From the run's post: where it went.
    pub channel_id: Option<ChannelId>,
    pub message_id: Option<MessageId>,
    pub thread_id: Option<ChannelId>,
}

impl RunRecord {
    /// The counts per answer, worst first, when they were kept.
    pub fn counts(&self) -> Option<[i64; 5]> {
        Some([
            self.struggling?,
            self.not_great?,
            self.okay?,
            self.good?,
            self.great?,
        ])
    }
}

const RUN_SELECT: &str = "SELECT r.id, r.guild_id, r.checkin_id, r.post_id, r.prompt_id, r.style, \
     r.opened_at, r.closes_at, r.closed_at, r.answers, r.struggling, r.not_great, r.okay, r.good, \
     r.great, p.channel_id, p.message_id, p.thread_id FROM checkin_runs r JOIN posts p ON p.id = r.post_id";

/// A run to open: a check-in's post going out, with its prompt and when its pulse closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewRun<'a> {
    pub guild_id: GuildId,
    pub checkin_id: CheckinId,
    pub post_id: PostId,
    pub prompt_id: &'a str,
    pub style: &'a str,
    /// Unix ms.
    pub opened_at: i64,
    pub closes_at: i64,
}

/// What recording a pulse answer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PulseAnswer {
    /// Recorded; `changed` when it replaced the member's earlier answer.
    Recorded { changed: bool, answers: i64 },
    /// The check-in has closed (or does not exist).
    Closed,
}

/// A support resource a server added.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ServerResource {
    pub name: String,
    pub contact: Option<String>,
    pub details: String,
    pub url: Option<String>,
}

/// A server's buddy pairing settings.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BuddySettings {
    pub guild_id: GuildId,
    pub every_weeks: i64,
    pub round_schedule: String,
    pub next_at: Option<i64>,
    pub gone_quiet_days: Option<i64>,
    pub timezone: Option<String>,
}

const BUDDY_SETTINGS_SELECT: &str = "SELECT b.guild_id, b.every_weeks, b.round_schedule, b.next_at, \
     b.gone_quiet_days, s.timezone FROM buddy_settings b \
     LEFT JOIN server_settings s ON s.guild_id = b.guild_id";

/// A member in a server's buddy pairing.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct BuddyRecord {
    pub joined_at: i64,
    pub paused_until: Option<i64>,
    pub last_seen_at: Option<i64>,
}

/// A buddy whose partner should get a gone-quiet nudge.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct QuietBuddy {
    /// The round's post.
    pub round_id: PostId,
    pub group_no: i64,
    pub member_id: MemberId,
}

/// A direct message waiting to go out.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct QueuedDm {
    pub id: DmId,
    pub guild_id: GuildId,
    pub member_id: MemberId,
    pub about_member_id: Option<MemberId>,
    pub kind: String,
    pub body: String,
    pub send_after: i64,
    pub attempts: i64,
}

/// A direct message to queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDm<'a> {
    pub guild_id: GuildId,
    pub member_id: MemberId,
    pub about_member_id: Option<MemberId>,
    pub kind: &'a str,
    pub body: &'a str,
    pub send_after: i64,
}

/// Check-in activity over a time range, for the impact export.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CheckinTotals {
    pub held: i64,
    pub pulse_answers: i64,
    /// Sums over the closed pulses whose counts were kept (worst first).
    pub counts: [i64; 5],
}

impl TotalsRow {
    fn totals(self) -> CheckinTotals {
        let n = |v: Option<i64>| v.unwrap_or(0);
        CheckinTotals {
            held: self.held,
            pulse_answers: n(self.answers),
            counts: [
                n(self.struggling),
                n(self.not_great),
                n(self.okay),
                n(self.good),
                n(self.great),
            ],
        }
    }
}

/// Totals for one of the periods of [`Store::checkin_totals_by_period`].
#[derive(sqlx::FromRow)]
struct PeriodTotalsRow {
    n: i64,
    #[sqlx(flatten)]
    totals: TotalsRow,
}

#[derive(sqlx::FromRow)]
struct TotalsRow {
    held: i64,
    answers: Option<i64>,
    struggling: Option<i64>,
    not_great: Option<i64>,
    okay: Option<i64>,
    good: Option<i64>,
    great: Option<i64>,
}

impl Store {
    // ----- check-ins --------------------------------------------------------------------

    pub async fn insert_checkin(
        &self,
        checkin: &NewCheckin<'_>,
        now_ms: i64,
    ) -> Result<CheckinId, StoreError> {
        let (id,): (CheckinId,) = sqlx::query_as(
            "INSERT INTO checkins (guild_id, channel_id, schedule, style, next_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(checkin.guild_id)
        .bind(checkin.channel_id)
        .bind(checkin.schedule)
        .bind(checkin.style)
        .bind(checkin.next_at)
        .bind(now_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    pub async fn checkins_for(&self, guild_id: GuildId) -> Result<Vec<CheckinRecord>, StoreError> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{CHECKIN_SELECT} WHERE c.guild_id = $1 ORDER BY c.id"
        )))
        .bind(guild_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn checkin(
        &self,
        guild_id: GuildId,
        id: CheckinId,
    ) -> Result<Option<CheckinRecord>, StoreError> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{CHECKIN_SELECT} WHERE c.guild_id = $1 AND c.id = $2"
        )))
        .bind(guild_id)
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Deletes a check-in; its past runs stay (for the impact export), unlinked.
    pub async fn delete_checkin(
        &self,
        guild_id: GuildId,
        id: CheckinId,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM checkins WHERE guild_id = $1 AND id = $2")
            .bind(guild_id)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn set_checkin_paused(
        &self,
        guild_id: GuildId,
        id: CheckinId,
        until: Option<i64>,
    ) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE checkins SET paused_until = $3 WHERE guild_id = $1 AND id = $2")
                .bind(guild_id)
                .bind(id)
                .bind(until)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// What a check-in does on a bank holiday ("post" or "skip"); false if there is no such
    /// check-in in the server.
    pub async fn set_checkin_bank_holidays(
        &self,
        guild_id: GuildId,
        id: CheckinId,
        on_bank_holidays: &str,
    ) -> Result<bool, StoreError> {
        let done =
            sqlx::query("UPDATE checkins SET bank_holidays = $3 WHERE guild_id = $1 AND id = $2")
                .bind(guild_id)
                .bind(id)
                .bind(on_bank_holidays)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Check-ins due at `now_ms`, in servers the bot is still in.
    pub async fn due_checkins(
        &self,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<CheckinRecord>, StoreError> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{CHECKIN_SELECT} JOIN servers v ON v.guild_id = c.guild_id \
             WHERE c.next_at <= $1 AND v.left_at IS NULL ORDER BY c.next_at LIMIT $2"
        )))
        .bind(now_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn set_checkin_next_at(
        &self,
        id: CheckinId,
        next_at: Option<i64>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE checkins SET next_at = $2 WHERE id = $1")
            .bind(id)
            .bind(next_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // ----- runs and the pulse -----------------------------------------------------------

    pub async fn insert_run(&self, run: &NewRun<'_>) -> Result<RunId, StoreError> {
        let (id,): (RunId,) = sqlx::query_as(
            "INSERT INTO checkin_runs (guild_id, checkin_id, post_id, prompt_id, style, opened_at, closes_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(run.guild_id)
        .bind(run.checkin_id)
        .bind(run.post_id)
        .bind(run.prompt_id)
        .bind(run.style)
        .bind(run.opened_at)
        .bind(run.closes_at)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    /// The prompts a server's check-ins used, oldest first.
    pub async fn prompt_history(&self, guild_id: GuildId) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> =
            sqlx::query_as("SELECT prompt_id FROM checkin_runs WHERE guild_id = $1 ORDER BY id")
                .bind(guild_id)
                .fetch_all(&self.pool)
                .await?;
        Ok(rows.into_iter().map(|(p,)| p).collect())
    }

    pub async fn run(&self, run_id: RunId) -> Result<Option<RunRecord>, StoreError> {
        Ok(
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{RUN_SELECT} WHERE r.id = $1")))
                .bind(run_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    pub async fn run_for_post(&self, post_id: PostId) -> Result<Option<RunRecord>, StoreError> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{RUN_SELECT} WHERE r.post_id = $1"
        )))
        .bind(post_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn runs_for(&self, guild_id: GuildId) -> Result<Vec<RunRecord>, StoreError> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{RUN_SELECT} WHERE r.guild_id = $1 ORDER BY r.id"
        )))
        .bind(guild_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Records (or changes) a member's pulse answer while the check-in is open.
    pub async fn record_pulse_answer(
        &self,
        guild_id: GuildId,
        run_id: RunId,
        member_id: MemberId,
        answer: i64,
        now_ms: i64,
    ) -> Result<PulseAnswer, StoreError> {
        let mut tx = self.begin_write().await?;
        // On PostgreSQL the run's row is share-locked, so a close running at the same moment
        // either waits for this answer (and adds it up and deletes it) or has already closed
        // the run (and this answer is refused). SQLite's write transaction already excludes it.
        let lock = match self.backend {
            super::Backend::Postgres => " FOR SHARE",
            super::Backend::Sqlite => "",
        };
        let open: Option<(RunId,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT id FROM checkin_runs WHERE id = $1 AND guild_id = $2 AND closed_at IS NULL \
             AND closes_at > $3{lock}"
        )))
        .bind(run_id)
        .bind(guild_id)
        .bind(now_ms)
        .fetch_optional(&mut *tx)
        .await?;
        if open.is_none() {
            return Ok(PulseAnswer::Closed);
        }
        let earlier: Option<(i64,)> =
            sqlx::query_as("SELECT answer FROM pulse_answers WHERE run_id = $1 AND member_id = $2")
                .bind(run_id)
                .bind(member_id)
                .fetch_optional(&mut *tx)
                .await?;
        sqlx::query(
            "INSERT INTO pulse_answers (run_id, member_id, answer) VALUES ($1, $2, $3) \
             ON CONFLICT (run_id, member_id) DO UPDATE SET answer = excluded.answer",
        )
        .bind(run_id)
        .bind(member_id)
        .bind(answer)
        .execute(&mut *tx)
        .await?;
        let (answers,): (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM pulse_answers WHERE run_id = $1")
                .bind(run_id)
                .fetch_one(&mut *tx)
                .await?;
        tx.commit().await?;
        Ok(PulseAnswer::Recorded {
            changed: earlier.is_some(),
            answers,
        })
    }

    /// Open runs whose time is up.
    pub async fn runs_to_close(&self, now_ms: i64) -> Result<Vec<RunId>, StoreError> {
        let rows: Vec<(RunId,)> = sqlx::query_as(
            "SELECT id FROM checkin_runs WHERE closed_at IS NULL AND closes_at <= $1 ORDER BY closes_at",
        )
        .bind(now_ms)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Closes a run exactly once: adds its answers up with `add_up` (given the scores only,
    /// never who gave them), keeps the counts it returns, and deletes the answers. `None` if
    /// it was already closed.
    pub async fn close_run(
        &self,
        run_id: RunId,
        now_ms: i64,
        add_up: impl FnOnce(Vec<i64>) -> (i64, Option<[i64; 5]>),
    ) -> Result<Option<RunRecord>, StoreError> {
        Ok(self
            .close_run_claiming_results(run_id, now_ms, None, add_up)
            .await?
            .map(|(run, _)| run))
    }

    /// [`Store::close_run`], and in the same transaction claims the post that will carry its
    /// totals (`results`), so a process that dies after closing leaves a claim that another
    /// process takes over, never totals that are silently never posted. Returns the run and
    /// the results post's id.
    pub async fn close_run_claiming_results(
        &self,
        run_id: RunId,
        now_ms: i64,
        results: Option<(&super::NewPost<'_>, &super::Lease)>,
        add_up: impl FnOnce(Vec<i64>) -> (i64, Option<[i64; 5]>),
    ) -> Result<Option<(RunRecord, Option<PostId>)>, StoreError> {
        let mut tx = self.begin_write().await?;
        let claimed = sqlx::query(
            "UPDATE checkin_runs SET closed_at = $2 WHERE id = $1 AND closed_at IS NULL",
        )
        .bind(run_id)
        .bind(now_ms)
        .execute(&mut *tx)
        .await?;
        if claimed.rows_affected() == 0 {
            return Ok(None);
        }
        let mut results_post = None;
        if let Some((post, lease)) = results {
            let row = super::posts::claim_query(post, lease, now_ms)
                .fetch_optional(&mut *tx)
                .await?;
            results_post = row.map(|(id,)| id);
        }
        let scores: Vec<(i64,)> =
            sqlx::query_as("SELECT answer FROM pulse_answers WHERE run_id = $1")
                .bind(run_id)
                .fetch_all(&mut *tx)
                .await?;
        let (answers, counts) = add_up(scores.into_iter().map(|(s,)| s).collect());
        let count = |i: usize| counts.map(|c| c[i]);
        sqlx::query(
            "UPDATE checkin_runs SET answers = $2, struggling = $3, not_great = $4, okay = $5, \
             good = $6, great = $7 WHERE id = $1",
        )
        .bind(run_id)
        .bind(answers)
        .bind(count(0))
        .bind(count(1))
        .bind(count(2))
        .bind(count(3))
        .bind(count(4))
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM pulse_answers WHERE run_id = $1")
            .bind(run_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(self.run(run_id).await?.map(|run| (run, results_post)))
    }

    /// A safety net run daily: answers left under a closed run (there should be none) are
    /// deleted.
    pub async fn delete_answers_of_closed_runs(&self) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM pulse_answers WHERE run_id IN \
             (SELECT id FROM checkin_runs WHERE closed_at IS NOT NULL)",
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Rows in pulse_answers for a run (tests and /doctor: none once it closed).
    pub async fn pulse_answer_rows(&self, run_id: RunId) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM pulse_answers WHERE run_id = $1")
            .bind(run_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    /// Check-ins held and pulse totals between two instants (posted runs only).
    pub async fn checkin_totals_between(
        &self,
        guild_id: GuildId,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<CheckinTotals, StoreError> {
        let row: TotalsRow = sqlx::query_as(
            "SELECT COUNT(*) AS held, CAST(SUM(r.answers) AS BIGINT) AS answers, CAST(SUM(r.struggling) AS BIGINT) AS struggling, \
             CAST(SUM(r.not_great) AS BIGINT) AS not_great, CAST(SUM(r.okay) AS BIGINT) AS okay, CAST(SUM(r.good) AS BIGINT) AS good, \
             CAST(SUM(r.great) AS BIGINT) AS great FROM checkin_runs r JOIN posts p ON p.id = r.post_id \
             WHERE r.guild_id = $1 AND r.opened_at >= $2 AND r.opened_at < $3 AND p.status = 'sent'",
        )
        .bind(guild_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.totals())
    }

    /// Check-ins held and pulse totals for each of a row of periods ([from, to) instants,
    /// e.g. a range's local weeks), in order: one grouped query for up to 300 periods.
    pub async fn checkin_totals_by_period(
        &self,
        guild_id: GuildId,
        periods: &[(i64, i64)],
    ) -> Result<Vec<CheckinTotals>, StoreError> {
        let mut totals = vec![CheckinTotals::default(); periods.len()];
        for (chunk_no, chunk) in periods.chunks(300).enumerate() {
            let values: Vec<String> = (0..chunk.len())
                .map(|i| format!("(${}, ${}, ${})", 3 * i + 2, 3 * i + 3, 3 * i + 4))
                .collect();
            let sql = format!(
                "WITH periods (n, from_ms, to_ms) AS (VALUES {}) \
                 SELECT periods.n, COUNT(*) AS held, CAST(SUM(r.answers) AS BIGINT) AS answers, \
                 CAST(SUM(r.struggling) AS BIGINT) AS struggling, \
                 CAST(SUM(r.not_great) AS BIGINT) AS not_great, CAST(SUM(r.okay) AS BIGINT) AS okay, \
                 CAST(SUM(r.good) AS BIGINT) AS good, CAST(SUM(r.great) AS BIGINT) AS great \
                 FROM periods JOIN checkin_runs r ON r.guild_id = $1 \
                 AND r.opened_at >= periods.from_ms AND r.opened_at < periods.to_ms \
                 JOIN posts p ON p.id = r.post_id AND p.status = 'sent' GROUP BY periods.n",
                values.join(", ")
            );
            let mut query =
                sqlx::query_as::<_, PeriodTotalsRow>(sqlx::AssertSqlSafe(sql)).bind(guild_id);
            for (i, (from_ms, to_ms)) in chunk.iter().enumerate() {
                query = query.bind(i as i64).bind(*from_ms).bind(*to_ms);
            }
            for row in query.fetch_all(&self.pool).await? {
                let index = chunk_no * 300 + row.n as usize;
                if let Some(slot) = totals.get_mut(index) {
                    *slot = row.totals.totals();
                }
            }
        }
        Ok(totals)
    }

    // ----- support resources ------------------------------------------------------------

    /// Adds a resource; `false` if the server already has one by that name.
    pub async fn add_support_resource(
        &self,
        guild_id: GuildId,
        resource: &ServerResource,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO support_resources (guild_id, name, contact, details, url, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (guild_id, name) DO NOTHING RETURNING id",
        )
        .bind(guild_id)
        .bind(&resource.name)
        .bind(&resource.contact)
        .bind(&resource.details)
        .bind(&resource.url)
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    pub async fn support_resources(
        &self,
        guild_id: GuildId,
    ) -> Result<Vec<ServerResource>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT name, contact, details, url FROM support_resources WHERE guild_id = $1 ORDER BY id",
        )
        .bind(guild_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn remove_support_resource(
        &self,
        guild_id: GuildId,
        name: &str,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM support_resources WHERE guild_id = $1 AND name = $2")
            .bind(guild_id)
            .bind(name)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    // ----- buddy pairing ----------------------------------------------------------------

    pub async fn buddy_settings(
        &self,
        guild_id: GuildId,
    ) -> Result<Option<BuddySettings>, StoreError> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{BUDDY_SETTINGS_SELECT} WHERE b.guild_id = $1"
        )))
        .bind(guild_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn set_buddy_settings(
        &self,
        settings: &BuddySettings,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO buddy_settings (guild_id, every_weeks, round_schedule, next_at, gone_quiet_days, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (guild_id) DO UPDATE SET \
             every_weeks = excluded.every_weeks, round_schedule = excluded.round_schedule, \
             next_at = excluded.next_at, gone_quiet_days = excluded.gone_quiet_days, \
             updated_at = excluded.updated_at",
        )
        .bind(settings.guild_id)
        .bind(settings.every_weeks)
        .bind(&settings.round_schedule)
        .bind(settings.next_at)
        .bind(settings.gone_quiet_days)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn delete_buddy_settings(&self, guild_id: GuildId) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM buddy_settings WHERE guild_id = $1")
            .bind(guild_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn due_buddy_rounds(&self, now_ms: i64) -> Result<Vec<BuddySettings>, StoreError> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{BUDDY_SETTINGS_SELECT} JOIN servers v ON v.guild_id = b.guild_id \
             WHERE b.next_at <= $1 AND v.left_at IS NULL ORDER BY b.next_at"
        )))
        .bind(now_ms)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Servers with the gone-quiet nudge turned on.
    pub async fn servers_with_gone_quiet(&self) -> Result<Vec<BuddySettings>, StoreError> {
        Ok(sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{BUDDY_SETTINGS_SELECT} JOIN servers v ON v.guild_id = b.guild_id \
             WHERE b.gone_quiet_days IS NOT NULL AND v.left_at IS NULL"
        )))
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn set_buddy_next_at(
        &self,
        guild_id: GuildId,
        next_at: Option<i64>,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE buddy_settings SET next_at = $2 WHERE guild_id = $1")
            .bind(guild_id)
            .bind(next_at)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Adds a member to pairing (or un-pauses them). `true` when they were not in it before.
    pub async fn join_buddies(
        &self,
        guild_id: GuildId,
        member_id: MemberId,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let existing = self.buddy(guild_id, member_id).await?;
        sqlx::query(
            "INSERT INTO buddies (guild_id, member_id, joined_at, last_seen_at) VALUES ($1, $2, $3, $3) \
             ON CONFLICT (guild_id, member_id) DO UPDATE SET paused_until = NULL",
        )
        .bind(guild_id)
        .bind(member_id)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(existing.is_none())
    }

    /// Takes a member out of pairing, with the pairing messages still waiting to go to them.
    pub async fn leave_buddies(
        &self,
        guild_id: GuildId,
        member_id: MemberId,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("DELETE FROM buddies WHERE guild_id = $1 AND member_id = $2")
            .bind(guild_id)
            .bind(member_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM dm_queue WHERE guild_id = $1 AND member_id = $2")
            .bind(guild_id)
            .bind(member_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn pause_buddy(
        &self,
        guild_id: GuildId,
        member_id: MemberId,
        until: Option<i64>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE buddies SET paused_until = $3 WHERE guild_id = $1 AND member_id = $2",
        )
        .bind(guild_id)
        .bind(member_id)
        .bind(until)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    pub async fn buddy(
        &self,
        guild_id: GuildId,
        member_id: MemberId,
    ) -> Result<Option<BuddyRecord>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT joined_at, paused_until, last_seen_at FROM buddies WHERE guild_id = $1 AND member_id = $2",
        )
        .bind(guild_id)
        .bind(member_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Members in pairing and not paused at `now_ms`.
    pub async fn active_buddies(
        &self,
        guild_id: GuildId,
        now_ms: i64,
    ) -> Result<Vec<MemberId>, StoreError> {
        let rows: Vec<(MemberId,)> = sqlx::query_as(
            "SELECT member_id FROM buddies WHERE guild_id = $1 \
             AND (paused_until IS NULL OR paused_until <= $2) ORDER BY member_id",
        )
        .bind(guild_id)
        .bind(now_ms)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(m,)| m).collect())
    }

    /// Past groups since `since_ms` as (round, group, member), oldest round first.
    ///
    /// A year of rounds for a big server is 100,000+ memberships; they are fetched as one
    /// row per round (its memberships joined into a string by the database) and split here,
    /// which is several times faster than a row per membership.
    pub async fn buddy_history(
        &self,
        guild_id: GuildId,
        since_ms: i64,
    ) -> Result<Vec<(PostId, i64, MemberId)>, StoreError> {
        let rounds: Vec<(PostId, String)> = sqlx::query_as(
            "SELECT g.round_id, string_agg(CAST(g.group_no AS TEXT) || ':' || \
             CAST(g.member_id AS TEXT), ',') FROM buddy_groups g \
             WHERE g.guild_id = $1 AND g.round_id IN (SELECT id FROM posts \
             WHERE guild_id = $1 AND job = 'buddy-round' AND scheduled_for >= $2) \
             GROUP BY g.round_id ORDER BY g.round_id",
        )
        .bind(guild_id)
        .bind(since_ms)
        .fetch_all(&self.pool)
        .await?;
        let mut rows = Vec::new();
        for (round, memberships) in rounds {
            let start = rows.len();
            for membership in memberships.split(',') {
                let parsed = membership
                    .split_once(':')
                    .and_then(|(g, m)| Some((g.parse().ok()?, MemberId::from_db(m.parse().ok()?))));
                if let Some((group, member)) = parsed {
                    rows.push((round, group, member));
                }
            }
            rows[start..].sort_unstable();
        }
        Ok(rows)
    }

    /// Deletes who-was-with-whom for rounds before `before_ms` (pairing only looks back a
    /// year, so older rounds have no use).
    pub async fn delete_buddy_rounds_before(&self, before_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "DELETE FROM buddy_groups WHERE round_id IN \
             (SELECT id FROM posts WHERE job = 'buddy-round' AND scheduled_for < $1)",
        )
        .bind(before_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// Stores a round's groups in one transaction.
    pub async fn insert_buddy_groups(
        &self,
        round_id: PostId,
        guild_id: GuildId,
        groups: &[Vec<MemberId>],
    ) -> Result<(), StoreError> {
        let rows: Vec<(i64, MemberId)> = groups
            .iter()
            .enumerate()
            .flat_map(|(no, group)| group.iter().map(move |m| (no as i64, *m)))
            .collect();
        let mut tx = self.begin_write().await?;
        for chunk in rows.chunks(200) {
            let mut sql = String::from(
                "INSERT INTO buddy_groups (round_id, guild_id, group_no, member_id) VALUES ",
            );
            for i in 0..chunk.len() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!("($1, $2, ${}, ${})", 3 + 2 * i, 4 + 2 * i));
            }
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(round_id)
                .bind(guild_id);
            for (no, member) in chunk {
                query = query.bind(*no).bind(*member);
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The other members of a member's group in the server's latest round who are still in
    /// pairing and not paused at `now_ms` (empty if the member was not in that round).
    pub async fn current_buddies(
        &self,
        guild_id: GuildId,
        member_id: MemberId,
        now_ms: i64,
    ) -> Result<Vec<MemberId>, StoreError> {
        let rows: Vec<(MemberId,)> = sqlx::query_as(
            "SELECT o.member_id FROM buddy_groups me JOIN buddy_groups o \
             ON o.round_id = me.round_id AND o.group_no = me.group_no AND o.member_id <> me.member_id \
             JOIN buddies b ON b.guild_id = o.guild_id AND b.member_id = o.member_id \
             WHERE me.guild_id = $1 AND me.member_id = $2 \
             AND me.round_id = (SELECT MAX(round_id) FROM buddy_groups WHERE guild_id = $1) \
             AND (b.paused_until IS NULL OR b.paused_until <= $3) ORDER BY o.member_id",
        )
        .bind(guild_id)
        .bind(member_id)
        .bind(now_ms)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(m,)| m).collect())
    }

    /// Notes that a buddy was seen, at most once an hour per member (one cheap UPDATE that
    /// touches nothing for people not in pairing).
    pub async fn buddy_seen(
        &self,
        guild_id: GuildId,
        member_id: MemberId,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE buddies SET last_seen_at = $3 WHERE guild_id = $1 AND member_id = $2 \
             AND (last_seen_at IS NULL OR last_seen_at < $3 - 3600000)",
        )
        .bind(guild_id)
        .bind(member_id)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Members of the server's latest round not seen since `cutoff_ms` whose buddies have not
    /// been nudged about them yet this round.
    /// Members who paused pairing are left alone.
    pub async fn quiet_buddies(
        &self,
        guild_id: GuildId,
        cutoff_ms: i64,
        now_ms: i64,
    ) -> Result<Vec<QuietBuddy>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT g.round_id, g.group_no, g.member_id FROM buddy_groups g \
             JOIN buddies b ON b.guild_id = g.guild_id AND b.member_id = g.member_id \
             WHERE g.guild_id = $1 AND g.nudged_at IS NULL \
             AND g.round_id = (SELECT MAX(round_id) FROM buddy_groups WHERE guild_id = $1) \
             AND COALESCE(b.last_seen_at, b.joined_at) < $2 \
             AND (b.paused_until IS NULL OR b.paused_until <= $3) ORDER BY g.group_no, g.member_id",
        )
        .bind(guild_id)
        .bind(cutoff_ms)
        .bind(now_ms)
        .fetch_all(&self.pool)
        .await?)
    }

    /// A round's group: those still in pairing and not paused at `now_ms`.
    pub async fn group_members(
        &self,
        round_id: PostId,
        group_no: i64,
        now_ms: i64,
    ) -> Result<Vec<MemberId>, StoreError> {
        let rows: Vec<(MemberId,)> = sqlx::query_as(
            "SELECT g.member_id FROM buddy_groups g JOIN buddies b \
             ON b.guild_id = g.guild_id AND b.member_id = g.member_id \
             WHERE g.round_id = $1 AND g.group_no = $2 \
             AND (b.paused_until IS NULL OR b.paused_until <= $3) ORDER BY g.member_id",
        )
        .bind(round_id)
        .bind(group_no)
        .bind(now_ms)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(m,)| m).collect())
    }

    /// Claims the gone-quiet nudge about a member for a round: `true` for exactly one caller,
    /// however many processes look at once.
    pub async fn claim_nudge(
        &self,
        round_id: PostId,
        member_id: MemberId,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE buddy_groups SET nudged_at = $3 WHERE round_id = $1 AND member_id = $2 \
             AND nudged_at IS NULL",
        )
        .bind(round_id)
        .bind(member_id)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    // ----- shift patterns ---------------------------------------------------------------

    pub async fn set_member_shift(
        &self,
        guild_id: GuildId,
        member_id: MemberId,
        pattern: &str,
        quiet: (&str, &str),
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO member_shifts (guild_id, member_id, pattern, quiet_start, quiet_end, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (guild_id, member_id) DO UPDATE SET \
             pattern = excluded.pattern, quiet_start = excluded.quiet_start, \
             quiet_end = excluded.quiet_end, updated_at = excluded.updated_at",
        )
        .bind(guild_id)
        .bind(member_id)
        .bind(pattern)
        .bind(quiet.0)
        .bind(quiet.1)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// A member's (pattern, quiet start, quiet end) in a server, if they set one.
    pub async fn member_shift(
        &self,
        guild_id: GuildId,
        member_id: MemberId,
    ) -> Result<Option<(String, String, String)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT pattern, quiet_start, quiet_end FROM member_shifts WHERE guild_id = $1 AND member_id = $2",
        )
        .bind(guild_id)
        .bind(member_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    // ----- direct messages waiting to go out --------------------------------------------

    pub async fn queue_dm(&self, dm: &NewDm<'_>, now_ms: i64) -> Result<DmId, StoreError> {
        let (id,): (DmId,) = sqlx::query_as(
            "INSERT INTO dm_queue (guild_id, member_id, about_member_id, kind, body, send_after, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(dm.guild_id)
        .bind(dm.member_id)
        .bind(dm.about_member_id)
        .bind(dm.kind)
        .bind(dm.body)
        .bind(dm.send_after)
        .bind(now_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    /// Claims up to `limit` direct messages due at `now_ms` by moving them to `lease_until`,
    /// so another process sharing the database does not send them too. A message sent is
    /// deleted; one that fails is postponed; one whose sender died goes out after the lease.
    pub async fn claim_due_dms(
        &self,
        now_ms: i64,
        lease: &super::Lease,
        limit: i64,
    ) -> Result<Vec<QueuedDm>, StoreError> {
        let mut claimed: Vec<QueuedDm> = sqlx::query_as(
            "UPDATE dm_queue SET send_after = $2, lease_owner = $4 WHERE send_after <= $1 AND id IN \
             (SELECT id FROM dm_queue WHERE send_after <= $1 ORDER BY send_after, id LIMIT $3) \
             RETURNING id, guild_id, member_id, about_member_id, kind, body, send_after, attempts",
        )
        .bind(now_ms)
        .bind(lease.until_ms)
        .bind(limit)
        .bind(&lease.owner)
        .fetch_all(&self.pool)
        .await?;
        claimed.sort_by_key(|dm| dm.id);
        Ok(claimed)
    }

    /// Whether a message of this kind, to this member about that one, is already waiting.
    pub async fn dm_waiting(
        &self,
        member_id: MemberId,
        about_member_id: MemberId,
        kind: &str,
    ) -> Result<bool, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as(
            "SELECT id FROM dm_queue WHERE member_id = $1 AND about_member_id = $2 AND kind = $3",
        )
        .bind(member_id)
        .bind(about_member_id)
        .bind(kind)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.is_some())
    }

    /// Everything waiting for one member (tests and /buddy status).
    pub async fn queued_dms_for(&self, member_id: MemberId) -> Result<Vec<QueuedDm>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT id, guild_id, member_id, about_member_id, kind, body, send_after, attempts \
             FROM dm_queue WHERE member_id = $1 ORDER BY send_after, id",
        )
        .bind(member_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// A queued direct message came back over the gateway with its nonce: it was sent,
    /// whatever its REST answer said. True if it was still queued.
    pub async fn confirm_dm_sent(&self, id: DmId) -> Result<bool, StoreError> {
        let done = sqlx::query("DELETE FROM dm_queue WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Whether a buddy round (its post id) stored its groups before its process stopped.
    pub async fn round_has_groups(&self, round_id: PostId) -> Result<bool, StoreError> {
        let row: Option<(i64,)> =
            sqlx::query_as("SELECT round_id FROM buddy_groups WHERE round_id = $1 LIMIT 1")
                .bind(round_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.is_some())
    }

    pub async fn delete_dm(&self, id: DmId) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM dm_queue WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn postpone_dm(
        &self,
        id: DmId,
        send_after: i64,
        attempts: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE dm_queue SET send_after = $2, attempts = $3, lease_owner = NULL WHERE id = $1",
        )
        .bind(id)
        .bind(send_after)
        .bind(attempts)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The earliest instant any check-in job is due: a check-in, a pulse closing, a buddy
    /// round or a waiting direct message.
    pub async fn earliest_checkin_due(&self) -> Result<Option<i64>, StoreError> {
        let (at,): (Option<i64>,) = sqlx::query_as(
            "SELECT MIN(at) FROM ( \
             SELECT MIN(c.next_at) AS at FROM checkins c JOIN servers v ON v.guild_id = c.guild_id \
             WHERE v.left_at IS NULL \
             UNION ALL SELECT MIN(closes_at) FROM checkin_runs WHERE closed_at IS NULL \
             UNION ALL SELECT MIN(b.next_at) FROM buddy_settings b \
             JOIN servers v ON v.guild_id = b.guild_id WHERE v.left_at IS NULL \
             UNION ALL SELECT MIN(send_after) FROM dm_queue) due",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(at)
    }
}
