//! Posts the bot made (or tried to): one row per (server, job, slot), claimed before anything
//! is sent, so no post can go out twice.

use super::{Store, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostStatus {
    Claimed,
    Sent,
    Failed,
    Skipped,
}

impl PostStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PostStatus::Claimed => "claimed",
            PostStatus::Sent => "sent",
            PostStatus::Failed => "failed",
            PostStatus::Skipped => "skipped",
        }
    }
}

/// The outcome of trying to claim a slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Claim {
    /// This caller owns the slot and must send (post id).
    Won(i64),
    /// Someone already claimed it: send nothing.
    AlreadyClaimed,
}

/// A post as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PostRecord {
    pub id: i64,
    pub guild_id: i64,
    pub job: String,
    pub slot: String,
    pub act_id: Option<i64>,
    pub channel_id: Option<i64>,
    pub message_id: Option<i64>,
    pub status: String,
    pub failure: Option<String>,
    pub attempts: i64,
    pub thread_id: Option<i64>,
    pub scheduled_for: i64,
    pub claimed_at: i64,
    pub sent_at: Option<i64>,
}

pub(super) const POST_COLUMNS: &str = "id, guild_id, job, slot, act_id, channel_id, message_id, status, failure, \
     attempts, thread_id, scheduled_for, claimed_at, sent_at";

impl Store {
    /// Claims (server, job, slot). Exactly one caller ever wins a slot, across restarts and
    /// processes sharing the database, because the unique key decides.
    #[allow(clippy::too_many_arguments)]
    pub async fn claim_post(
        &self,
        guild_id: i64,
        job: &str,
        slot: &str,
        act_id: Option<i64>,
        channel_id: Option<i64>,
        scheduled_for: i64,
        now_ms: i64,
    ) -> Result<Claim, StoreError> {
        let row: Option<(i64,)> = sqlx::query_as(
            "INSERT INTO posts (guild_id, job, slot, act_id, channel_id, status, scheduled_for, claimed_at) \
             VALUES ($1, $2, $3, $4, $5, 'claimed', $6, $7) \
             ON CONFLICT (guild_id, job, slot) DO NOTHING RETURNING id",
        )
        .bind(guild_id)
        .bind(job)
        .bind(slot)
        .bind(act_id)
        .bind(channel_id)
        .bind(scheduled_for)
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            Some((id,)) => Claim::Won(id),
            None => Claim::AlreadyClaimed,
        })
    }

    /// Records that a claimed post went out.
    pub async fn mark_post_sent(
        &self,
        post_id: i64,
        message_id: i64,
        thread_id: Option<i64>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE posts SET status = 'sent', message_id = $1, thread_id = $2, sent_at = $3, \
             attempts = attempts + 1, failure = NULL, retry_at = NULL WHERE id = $4",
        )
        .bind(message_id)
        .bind(thread_id)
        .bind(now_ms)
        .bind(post_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records that a claimed post could not go out, why, and when to try again (if ever).
    pub async fn mark_post_failed(
        &self,
        post_id: i64,
        reason: &str,
        retry_at: Option<i64>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE posts SET status = 'failed', failure = $1, attempts = attempts + 1, \
             retry_at = $2 WHERE id = $3",
        )
        .bind(reason)
        .bind(retry_at)
        .bind(post_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records that a claimed slot was deliberately not posted (too late after downtime).
    /// Records that a claimed job without a message of its own (a buddy round) was done.
    pub async fn mark_post_done(&self, post_id: i64, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query("UPDATE posts SET status = 'sent', sent_at = $2 WHERE id = $1")
            .bind(post_id)
            .bind(now_ms)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn mark_post_skipped(&self, post_id: i64, reason: &str) -> Result<(), StoreError> {
        sqlx::query("UPDATE posts SET status = 'skipped', failure = $1 WHERE id = $2")
            .bind(reason)
            .bind(post_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Failed posts whose retry time has come.
    pub async fn posts_to_retry(&self, now_ms: i64) -> Result<Vec<PostRecord>, StoreError> {
        let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {POST_COLUMNS} FROM posts WHERE status = 'failed' AND retry_at <= $1 ORDER BY retry_at"
        )))
        .bind(now_ms)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }

    pub async fn post_by_id(&self, post_id: i64) -> Result<Option<PostRecord>, StoreError> {
        let row = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {POST_COLUMNS} FROM posts WHERE id = $1"
        )))
        .bind(post_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row)
    }

    /// The slugs of the acts already posted by `job` in a server (for "no repeat until the
    /// catalogue has come round").
    pub async fn posted_act_slugs(
        &self,
        guild_id: i64,
        job: &str,
    ) -> Result<Vec<String>, StoreError> {
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT a.slug FROM posts p JOIN acts a ON a.id = p.act_id \
             WHERE p.guild_id = $1 AND p.job = $2 AND p.status IN ('claimed', 'sent', 'failed') \
             ORDER BY p.id",
        )
        .bind(guild_id)
        .bind(job)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(|(s,)| s).collect())
    }

    pub async fn posts_for(&self, guild_id: i64) -> Result<Vec<PostRecord>, StoreError> {
        let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {POST_COLUMNS} FROM posts WHERE guild_id = $1 ORDER BY id"
        )))
        .bind(guild_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }
}
