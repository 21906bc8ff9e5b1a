//! A server's daily-post settings, the acts members did ("I did it"), and suggestions for the
//! catalogue.

use super::{Lease, Store, StoreError};
use crate::acts::{Act, join_tags, split_tags};
use crate::ids::{ChannelId, GuildId, MemberId, SuggestionId};

/// Everything the dispatcher and the admin commands need about one server's daily post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyConfig {
    pub guild_id: GuildId,
    pub timezone: String,
    pub channel_id: Option<ChannelId>,
    /// `schedule::Schedule` in its storage form.
    pub schedule: Option<String>,
    /// When the post is next due (Unix ms); earlier firings were handled.
    pub next_at: Option<i64>,
    pub paused_until: Option<i64>,
    pub size_plan: String,
    /// Settings acts must fit, comma-separated ("" = any).
    pub setting_filter: String,
    pub admin_channel_id: Option<ChannelId>,
    pub awareness_week: bool,
    pub awareness_start: Option<String>,
    pub owner_id: Option<MemberId>,
    /// The UK nation whose bank holidays the server keeps (`calendar::Nation`'s word);
    /// `None`: not in the UK.
    pub bank_holiday_region: Option<String>,
    /// The daily post on a bank holiday: "post", "skip" or "greeting".
    pub bank_holidays: String,
    /// Needs whose acts the daily post leaves out, `acts::Avoid`'s stored form ("" = none).
    pub avoid_needs: String,
}

#[derive(sqlx::FromRow)]
struct DailyRow {
    guild_id: GuildId,
    timezone: String,
    daily_channel_id: Option<ChannelId>,
    daily_schedule: Option<String>,
    daily_next_at: Option<i64>,
    paused_until: Option<i64>,
    size_plan: String,
    setting_filter: String,
    admin_channel_id: Option<ChannelId>,
    awareness_week: i64,
    awareness_start: Option<String>,
    owner_id: Option<MemberId>,
    bank_holiday_region: Option<String>,
    bank_holidays: String,
    avoid_needs: String,
}

impl From<DailyRow> for DailyConfig {
    fn from(row: DailyRow) -> DailyConfig {
        DailyConfig {
            guild_id: row.guild_id,
            timezone: row.timezone,
            channel_id: row.daily_channel_id,
            schedule: row.daily_schedule,
            next_at: row.daily_next_at,
            paused_until: row.paused_until,
            size_plan: row.size_plan,
            setting_filter: row.setting_filter,
            admin_channel_id: row.admin_channel_id,
            awareness_week: row.awareness_week != 0,
            awareness_start: row.awareness_start,
            owner_id: row.owner_id,
            bank_holiday_region: row.bank_holiday_region,
            bank_holidays: row.bank_holidays,
            avoid_needs: row.avoid_needs,
        }
    }
}

const DAILY_SELECT: &str = "SELECT c.guild_id, c.timezone, c.daily_channel_id, c.daily_schedule, \
     c.daily_next_at, c.paused_until, c.size_plan, c.setting_filter, c.admin_channel_id, \
     c.awareness_week, c.awareness_start, s.owner_id, c.bank_holiday_region, c.bank_holidays, \
     c.avoid_needs \
     FROM server_settings c JOIN servers s ON s.guild_id = c.guild_id";

/// A change to a server's daily-post settings; `None` leaves a value as it is.
#[derive(Debug, Clone, Default)]
pub struct DailyChange {
    pub channel_id: Option<ChannelId>,
    pub schedule: Option<String>,
    pub timezone: Option<String>,
    /// `Some(None)` clears the pause.
    pub paused_until: Option<Option<i64>>,
    pub size_plan: Option<String>,
    pub setting_filter: Option<String>,
    /// `Some(None)` clears it.
    pub admin_channel_id: Option<Option<ChannelId>>,
    pub awareness_week: Option<bool>,
    /// `Some(None)` goes back to the second Monday of June.
    pub awareness_start: Option<Option<String>>,
    /// The next due time, recomputed by the caller whenever the schedule, zone or pause changes.
    pub next_at: Option<Option<i64>>,
    /// `Some(None)`: not in the UK.
    pub bank_holiday_region: Option<Option<String>>,
    /// "post", "skip" or "greeting".
    pub bank_holidays: Option<String>,
    /// Needs whose acts are left out, `acts::Avoid`'s stored form.
    pub avoid_needs: Option<String>,
}

/// A member's suggestion for the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Suggestion {
    pub id: SuggestionId,
    pub guild_id: GuildId,
    pub member_id: MemberId,
    pub act: Act,
    pub status: String,
}

#[derive(sqlx::FromRow)]
struct SuggestionRow {
    id: SuggestionId,
    guild_id: GuildId,
    member_id: MemberId,
    text: String,
    size: String,
    way: String,
    settings: String,
    status: String,
}

impl SuggestionRow {
    fn into_suggestion(self) -> Option<Suggestion> {
        Some(Suggestion {
            id: self.id,
            guild_id: self.guild_id,
            member_id: self.member_id,
            act: Act {
                slug: format!("suggestion-{}", self.id),
                text: self.text,
                size: self.size.parse().ok()?,
                way: self.way.parse().ok()?,
                settings: split_tags(&self.settings),
                needs: vec![],
            },
            status: self.status,
        })
    }
}

const SUGGESTION_COLUMNS: &str = "id, guild_id, member_id, text, size, way, settings, status";

impl Store {
    pub async fn daily_config(&self, guild_id: GuildId) -> Result<Option<DailyConfig>, StoreError> {
        let row: Option<DailyRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{DAILY_SELECT} WHERE c.guild_id = $1"
        )))
        .bind(guild_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(DailyConfig::from))
    }

    /// Takes up to `limit` servers (still joined) whose daily post is due at `now_ms`, earliest
    /// first, under `lease`: each is taken by one process at a time, so processes sharing the
    /// database split a rush between them instead of both working out every server's day. A
    /// server is let go by [`Store::set_daily_next_at`]; if its process dies first, the lease
    /// runs out and another process takes it.
    pub async fn take_due_daily(
        &self,
        now_ms: i64,
        lease: &Lease,
        limit: i64,
    ) -> Result<Vec<DailyConfig>, StoreError> {
        const DUE: &str = "daily_schedule IS NOT NULL AND daily_channel_id IS NOT NULL \
             AND daily_next_at <= $1 AND (daily_lease_until IS NULL OR daily_lease_until < $1)";
        // The condition is checked again as each row is updated: of two processes racing for
        // a server, one updates it and the other finds it no longer matches.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE server_settings SET daily_lease_owner = $2, daily_lease_until = $3 \
             WHERE {DUE} AND guild_id IN (SELECT c.guild_id FROM server_settings c \
             JOIN servers s ON s.guild_id = c.guild_id WHERE s.left_at IS NULL AND {DUE} \
             ORDER BY c.daily_next_at LIMIT $4)"
        )))
        .bind(now_ms)
        .bind(&lease.owner)
        .bind(lease.until_ms)
        .bind(limit)
        .execute(&self.pool)
        .await?;
        let rows: Vec<DailyRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "{DAILY_SELECT} WHERE c.daily_lease_owner = $1 AND c.daily_lease_until = $2 \
             ORDER BY c.daily_next_at"
        )))
        .bind(&lease.owner)
        .bind(lease.until_ms)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(DailyConfig::from).collect())
    }

    /// The earliest time any daily post is due, so the scheduler can sleep until then (a
    /// server another process holds is due again only when its lease runs out).
    pub async fn earliest_daily_due(&self) -> Result<Option<i64>, StoreError> {
        let (at,): (Option<i64>,) = sqlx::query_as(
            "SELECT MIN(CASE WHEN c.daily_lease_until > c.daily_next_at \
             THEN c.daily_lease_until ELSE c.daily_next_at END) \
             FROM server_settings c JOIN servers s \
             ON s.guild_id = c.guild_id WHERE s.left_at IS NULL AND c.daily_schedule IS NOT NULL",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(at)
    }

    /// Moves a server's next daily post on, and lets go of it ([`Store::take_due_daily`]).
    pub async fn set_daily_next_at(
        &self,
        guild_id: GuildId,
        next_at: Option<i64>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE server_settings SET daily_next_at = $1, daily_lease_owner = NULL, \
             daily_lease_until = NULL WHERE guild_id = $2",
        )
        .bind(next_at)
        .bind(guild_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Applies a change to a server's settings in one transaction.
    pub async fn change_daily(
        &self,
        guild_id: GuildId,
        change: &DailyChange,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        macro_rules! update {
            ($field:expr, $sql:literal) => {
                if let Some(value) = $field {
                    sqlx::query($sql)
                        .bind(value)
                        .bind(guild_id)
                        .execute(&mut *tx)
                        .await?;
                }
            };
        }
        update!(
            change.channel_id,
            "UPDATE server_settings SET daily_channel_id = $1 WHERE guild_id = $2"
        );
        update!(
            change.schedule.clone(),
            "UPDATE server_settings SET daily_schedule = $1 WHERE guild_id = $2"
        );
        update!(
            change.timezone.clone(),
            "UPDATE server_settings SET timezone = $1 WHERE guild_id = $2"
        );
        update!(
            change.paused_until,
            "UPDATE server_settings SET paused_until = $1 WHERE guild_id = $2"
        );
        update!(
            change.size_plan.clone(),
            "UPDATE server_settings SET size_plan = $1 WHERE guild_id = $2"
        );
        update!(
            change.setting_filter.clone(),
            "UPDATE server_settings SET setting_filter = $1 WHERE guild_id = $2"
        );
        update!(
            change.admin_channel_id,
            "UPDATE server_settings SET admin_channel_id = $1 WHERE guild_id = $2"
        );
        update!(
            change.awareness_week.map(i64::from),
            "UPDATE server_settings SET awareness_week = $1 WHERE guild_id = $2"
        );
        update!(
            change.awareness_start.clone(),
            "UPDATE server_settings SET awareness_start = $1 WHERE guild_id = $2"
        );
        update!(
            change.avoid_needs.clone(),
            "UPDATE server_settings SET avoid_needs = $1 WHERE guild_id = $2"
        );
        update!(
            change.next_at,
            "UPDATE server_settings SET daily_next_at = $1 WHERE guild_id = $2"
        );
        update!(
            change.bank_holiday_region.clone(),
            "UPDATE server_settings SET bank_holiday_region = $1 WHERE guild_id = $2"
        );
        update!(
            change.bank_holidays.clone(),
            "UPDATE server_settings SET bank_holidays = $1 WHERE guild_id = $2"
        );
        sqlx::query("UPDATE server_settings SET updated_at = $1 WHERE guild_id = $2")
            .bind(now_ms)
            .bind(guild_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Acts done in a server between two instants (Unix ms, end exclusive).
    pub async fn count_done_between(
        &self,
        guild_id: GuildId,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM wins WHERE guild_id = $1 AND created_at >= $2 AND created_at < $3",
        )
        .bind(guild_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    /// Stores a member's suggestion as pending.
    pub async fn add_suggestion(
        &self,
        guild_id: GuildId,
        member_id: MemberId,
        act: &Act,
        now_ms: i64,
    ) -> Result<SuggestionId, StoreError> {
        let (id,): (SuggestionId,) = sqlx::query_as(
            "INSERT INTO suggestions (guild_id, member_id, text, size, way, settings, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(guild_id)
        .bind(member_id)
        .bind(&act.text)
        .bind(act.size.as_str())
        .bind(act.way.as_str())
        .bind(join_tags(&act.settings))
        .bind(now_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    pub async fn pending_suggestions_by(
        &self,
        guild_id: GuildId,
        member_id: MemberId,
    ) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM suggestions WHERE guild_id = $1 AND member_id = $2 AND status = 'pending'",
        )
        .bind(guild_id)
        .bind(member_id)
        .fetch_one(&self.pool)
        .await?;
        Ok(n)
    }

    /// Pending suggestions in a server, oldest first.
    pub async fn pending_suggestions(
        &self,
        guild_id: GuildId,
    ) -> Result<Vec<Suggestion>, StoreError> {
        let rows: Vec<SuggestionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {SUGGESTION_COLUMNS} FROM suggestions WHERE guild_id = $1 AND status = 'pending' ORDER BY id"
        )))
        .bind(guild_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(SuggestionRow::into_suggestion)
            .collect())
    }

    /// Approves (adding the act to the server's catalogue) or declines a pending suggestion.
    /// `None` if it was not pending in that server (already decided, or not theirs).
    pub async fn decide_suggestion(
        &self,
        guild_id: GuildId,
        suggestion_id: SuggestionId,
        approve: bool,
        decided_by: MemberId,
        now_ms: i64,
    ) -> Result<Option<Suggestion>, StoreError> {
        let mut tx = self.begin_write().await?;
        let row: Option<SuggestionRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {SUGGESTION_COLUMNS} FROM suggestions WHERE id = $1 AND guild_id = $2 AND status = 'pending'"
        )))
        .bind(suggestion_id)
        .bind(guild_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(mut suggestion) = row.and_then(SuggestionRow::into_suggestion) else {
            return Ok(None);
        };
        let act_id = if approve {
            Some(
                super::acts::insert_act(
                    &mut tx,
                    Some(guild_id),
                    &suggestion.act,
                    "suggestion",
                    now_ms,
                )
                .await?,
            )
        } else {
            None
        };
        let status = if approve { "approved" } else { "declined" };
        sqlx::query(
            "UPDATE suggestions SET status = $1, act_id = $2, decided_at = $3, decided_by = $4 WHERE id = $5",
        )
        .bind(status)
        .bind(act_id)
        .bind(now_ms)
        .bind(decided_by)
        .bind(suggestion_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        suggestion.status = status.to_owned();
        Ok(Some(suggestion))
    }
}
