//! Connection events: the scheduled events the bot made in Discord, when they start and end,
//! how many are interested (a count, never who), and whether the reminder and the thank-you
//! have been claimed. Also the role that may host them.

use super::{Store, StoreError};
use crate::ids::{ChannelId, EventId, GuildId, RoleId};

/// An event to record, just made in Discord.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent<'a> {
    pub event_id: EventId,
    pub guild_id: GuildId,
    pub channel_id: ChannelId,
    pub title: &'a str,
    pub starts_at: i64,
    pub ends_at: i64,
    pub created_at: i64,
    /// Set when it starts within the hour: the announcement is its reminder.
    pub reminded_at: Option<i64>,
}

/// An event as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct EventRecord {
    pub event_id: EventId,
    pub guild_id: GuildId,
    pub channel_id: ChannelId,
    pub title: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub created_at: i64,
    pub interested: i64,
    pub reminded_at: Option<i64>,
    pub thanked_at: Option<i64>,
    pub cancelled_at: Option<i64>,
}

/// What Discord says an event now is (an admin edited or cancelled it there).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventChange<'a> {
    pub title: &'a str,
    pub starts_at: i64,
    pub ends_at: i64,
    pub cancelled: bool,
}

const COLUMNS: &str = "event_id, guild_id, channel_id, title, starts_at, ends_at, created_at, \
     interested, reminded_at, thanked_at, cancelled_at";

/// How long before the start the reminder goes out.
pub const REMINDER_BEFORE_MS: i64 = 60 * 60 * 1000;

impl Store {
    pub async fn insert_event(&self, event: &NewEvent<'_>) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO events (event_id, guild_id, channel_id, title, starts_at, ends_at, \
             created_at, reminded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(event.event_id)
        .bind(event.guild_id)
        .bind(event.channel_id)
        .bind(event.title)
        .bind(event.starts_at)
        .bind(event.ends_at)
        .bind(event.created_at)
        .bind(event.reminded_at)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn event(&self, event_id: EventId) -> Result<Option<EventRecord>, StoreError> {
        Ok(
            sqlx::query_as::<_, EventRecord>(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM events WHERE event_id = $1"
            )))
            .bind(event_id)
            .fetch_optional(&self.pool)
            .await?,
        )
    }

    /// Records how many are interested, as Discord last said. False if the event is unknown.
    pub async fn set_event_interest(
        &self,
        event_id: EventId,
        interested: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query("UPDATE events SET interested = $1 WHERE event_id = $2")
            .bind(interested.max(0))
            .bind(event_id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Follows an edit made in Discord: new title or times, or a cancellation.
    pub async fn change_event(
        &self,
        event_id: EventId,
        change: &EventChange<'_>,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE events SET title = $1, starts_at = $2, ends_at = $3, \
             cancelled_at = CASE WHEN $4 = 1 THEN COALESCE(cancelled_at, $5) ELSE NULL END \
             WHERE event_id = $6",
        )
        .bind(change.title)
        .bind(change.starts_at)
        .bind(change.ends_at)
        .bind(i64::from(change.cancelled))
        .bind(now_ms)
        .bind(event_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Events whose reminder is due at `now_ms` (within the hour before they start) and not yet
    /// claimed, soonest first.
    pub async fn events_due_reminder(
        &self,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<EventRecord>, StoreError> {
        Ok(
            sqlx::query_as::<_, EventRecord>(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM events WHERE reminded_at IS NULL AND cancelled_at IS NULL \
             AND starts_at - $1 <= $2 ORDER BY starts_at LIMIT $3"
            )))
            .bind(REMINDER_BEFORE_MS)
            .bind(now_ms)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?,
        )
    }

    /// Events that have ended by `now_ms` and not yet been thanked, soonest first.
    pub async fn events_due_thanks(
        &self,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<EventRecord>, StoreError> {
        Ok(
            sqlx::query_as::<_, EventRecord>(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM events WHERE thanked_at IS NULL AND cancelled_at IS NULL \
             AND ends_at <= $1 ORDER BY ends_at LIMIT $2"
            )))
            .bind(now_ms)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?,
        )
    }

    /// The earliest instant a reminder or a thank-you is due.
    pub async fn next_event_due(&self) -> Result<Option<i64>, StoreError> {
        let (reminder, thanks): (Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT \
             (SELECT MIN(starts_at - $1) FROM events WHERE reminded_at IS NULL AND cancelled_at IS NULL), \
             (SELECT MIN(ends_at) FROM events WHERE thanked_at IS NULL AND cancelled_at IS NULL)",
        )
        .bind(REMINDER_BEFORE_MS)
        .fetch_one(&self.pool)
        .await?;
        Ok(match (reminder, thanks) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        })
    }

    pub async fn mark_event_reminded(
        &self,
        event_id: EventId,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE events SET reminded_at = $1 WHERE event_id = $2 AND reminded_at IS NULL",
        )
        .bind(now_ms)
        .bind(event_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    pub async fn mark_event_thanked(
        &self,
        event_id: EventId,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query("UPDATE events SET thanked_at = $1 WHERE event_id = $2 AND thanked_at IS NULL")
            .bind(now_ms)
            .bind(event_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Events of a server not yet over or not yet thanked (whose interest is still worth
    /// asking Discord about).
    pub async fn open_events(&self, guild_id: GuildId) -> Result<Vec<EventRecord>, StoreError> {
        Ok(
            sqlx::query_as::<_, EventRecord>(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM events WHERE guild_id = $1 AND thanked_at IS NULL \
             AND cancelled_at IS NULL ORDER BY starts_at"
            )))
            .bind(guild_id)
            .fetch_all(&self.pool)
            .await?,
        )
    }

    /// Events held (thanked: they took place and were not cancelled) that ended in
    /// `[from_ms, to_ms)`, as (end, how many were interested).
    pub async fn events_held_between(
        &self,
        guild_id: GuildId,
        from_ms: i64,
        to_ms: i64,
    ) -> Result<Vec<(i64, i64)>, StoreError> {
        Ok(sqlx::query_as(
            "SELECT ends_at, interested FROM events WHERE guild_id = $1 AND thanked_at IS NOT NULL \
             AND cancelled_at IS NULL AND ends_at >= $2 AND ends_at < $3 ORDER BY ends_at",
        )
        .bind(guild_id)
        .bind(from_ms)
        .bind(to_ms)
        .fetch_all(&self.pool)
        .await?)
    }

    /// The role that may host events besides the admins, if one is set.
    pub async fn event_host_role(&self, guild_id: GuildId) -> Result<Option<RoleId>, StoreError> {
        let role: Option<(Option<RoleId>,)> =
            sqlx::query_as("SELECT role_id FROM event_hosts WHERE guild_id = $1")
                .bind(guild_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(role.and_then(|(r,)| r))
    }

    /// Sets (or with `None` clears) the role that may host events.
    pub async fn set_event_host_role(
        &self,
        guild_id: GuildId,
        role_id: Option<RoleId>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO event_hosts (guild_id, role_id) VALUES ($1, $2) \
             ON CONFLICT (guild_id) DO UPDATE SET role_id = excluded.role_id",
        )
        .bind(guild_id)
        .bind(role_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
