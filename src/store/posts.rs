//! Posts the bot made (or tried to): one row per (server, job, slot), claimed before anything
//! is sent, so no post can go out twice.

use super::{Store, StoreError};
use crate::ids::{ActId, ChannelId, GuildId, MessageId, PostId};

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
    Won(PostId),
    /// Someone already claimed it: send nothing.
    AlreadyClaimed,
}

/// Who holds a claim, and until when. A process that dies or stops mid-send leaves its lease
/// to expire; any process then takes the post over (see [`Store::take_posts`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lease {
    /// The process: `host:pid:random`.
    pub owner: String,
    /// Unix ms.
    pub until_ms: i64,
}

/// A post to claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NewPost<'a> {
    pub guild_id: GuildId,
    /// 'daily', 'recap', 'checkin:<id>', ...
    pub job: &'a str,
    /// The local date or slot: '2026-06-08' or '2026-06-08T07:30'.
    pub slot: &'a str,
    pub act_id: Option<ActId>,
    pub channel_id: Option<ChannelId>,
    /// The instant it was due (Unix ms).
    pub scheduled_for: i64,
    /// The thread it opens once posted, if any.
    pub thread_name: Option<&'a str>,
}

/// What a post's own MESSAGE_CREATE told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Created {
    /// Its REST answer had failed (a 5xx or a lost connection): it went out all the same.
    AfterItsAnswerFailed,
    /// It came before the REST answer, as it often does.
    BeforeItsAnswer,
    /// The post was already known to be sent, or is not ours.
    AlreadyKnown,
}

/// Which posts [`Store::take_posts`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Takeover {
    /// Claimed, but the claim's lease ran out unsent (its process died or was stopped).
    ExpiredClaims,
    /// Failed for a reason retrying can help with, and their retry time has come.
    DueRetries,
    /// Posted (confirmed by the gateway) but the thread they open was never opened.
    MissingThreads,
}

impl Takeover {
    fn condition(self) -> &'static str {
        match self {
            // A claim without a lease was made before leases existed (schema 0003): its
            // process is long gone.
            Takeover::ExpiredClaims => {
                "status = 'claimed' AND (lease_until IS NULL OR lease_until < $1)"
            }
            Takeover::DueRetries => "status = 'failed' AND retry_at <= $1",
            Takeover::MissingThreads => {
                "status = 'sent' AND thread_name IS NOT NULL AND (lease_until IS NULL OR lease_until < $1)"
            }
        }
    }
}

/// A post as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PostRecord {
    pub id: PostId,
    pub guild_id: GuildId,
    pub job: String,
    pub slot: String,
    pub act_id: Option<ActId>,
    pub channel_id: Option<ChannelId>,
    pub message_id: Option<MessageId>,
    pub status: String,
    pub failure: Option<String>,
    pub attempts: i64,
    pub thread_id: Option<ChannelId>,
    pub scheduled_for: i64,
    pub claimed_at: i64,
    pub sent_at: Option<i64>,
    pub lease_owner: Option<String>,
    pub lease_until: Option<i64>,
    pub thread_name: Option<String>,
}

pub(super) const POST_COLUMNS: &str = "id, guild_id, job, slot, act_id, channel_id, message_id, status, failure, \
     attempts, thread_id, scheduled_for, claimed_at, sent_at, lease_owner, lease_until, thread_name";

/// The claim itself: a row under the slot's unique key, or nothing if the slot is taken.
pub(super) fn claim_query<'q>(
    post: &'q NewPost<'q>,
    lease: &'q Lease,
    now_ms: i64,
) -> sqlx::query::QueryAs<'q, sqlx::Any, (PostId,), <sqlx::Any as sqlx::Database>::Arguments> {
    sqlx::query_as(
        "INSERT INTO posts (guild_id, job, slot, act_id, channel_id, status, scheduled_for, \
         claimed_at, lease_owner, lease_until, thread_name) \
         VALUES ($1, $2, $3, $4, $5, 'claimed', $6, $7, $8, $9, $10) \
         ON CONFLICT (guild_id, job, slot) DO NOTHING RETURNING id",
    )
    .bind(post.guild_id)
    .bind(post.job)
    .bind(post.slot)
    .bind(post.act_id)
    .bind(post.channel_id)
    .bind(post.scheduled_for)
    .bind(now_ms)
    .bind(&lease.owner)
    .bind(lease.until_ms)
    .bind(post.thread_name)
}

/// Every write that settles a post also ends its lease.
const END_LEASE: &str = "lease_owner = NULL, lease_until = NULL";

impl Store {
    /// Claims (server, job, slot) under a lease. Exactly one caller ever wins a slot, across
    /// restarts and processes sharing the database, because the unique key decides.
    pub async fn claim_post(
        &self,
        post: &NewPost<'_>,
        lease: &Lease,
        now_ms: i64,
    ) -> Result<Claim, StoreError> {
        let row = claim_query(post, lease, now_ms)
            .fetch_optional(&self.pool)
            .await?;
        Ok(match row {
            Some((id,)) => Claim::Won(id),
            None => Claim::AlreadyClaimed,
        })
    }

    /// Takes up to `limit` posts of one kind under a new lease: each is taken by exactly one
    /// process (the condition is checked again as the row is updated, so of two processes
    /// racing for a row one updates it and the other finds it no longer matches).
    pub async fn take_posts(
        &self,
        which: Takeover,
        lease: &Lease,
        now_ms: i64,
        limit: i64,
    ) -> Result<Vec<PostRecord>, StoreError> {
        let condition = which.condition();
        let status = match which {
            Takeover::MissingThreads => "status",
            Takeover::ExpiredClaims | Takeover::DueRetries => "'claimed'",
        };
        let mut rows: Vec<PostRecord> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE posts SET status = {status}, retry_at = NULL, lease_owner = $2, lease_until = $3 \
             WHERE {condition} AND id IN (SELECT id FROM posts WHERE {condition} ORDER BY id LIMIT $4) \
             RETURNING {POST_COLUMNS}"
        )))
        .bind(now_ms)
        .bind(&lease.owner)
        .bind(lease.until_ms)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.sort_by_key(|p| p.id);
        Ok(rows)
    }

    /// Records that a claimed post went out (its REST answer). A thread it wants and did not
    /// open yet stays wanted (`thread_name`): threads wait behind the day's messages.
    pub async fn mark_post_sent(
        &self,
        post_id: PostId,
        message_id: MessageId,
        thread_id: Option<ChannelId>,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE posts SET status = 'sent', message_id = $1, thread_id = $2, \
             sent_at = COALESCE(sent_at, $3), attempts = attempts + 1, failure = NULL, \
             retry_at = NULL, thread_name = CASE WHEN $2 IS NULL THEN thread_name END, \
             {END_LEASE} WHERE id = $4"
        )))
        .bind(message_id)
        .bind(thread_id)
        .bind(now_ms)
        .bind(post_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records that Discord created a post's message, seen from the bot's own MESSAGE_CREATE
    /// carrying the post's nonce. The lease stays with its holder, which settles the post when
    /// its answer comes; if it never does, the thread the post wanted is opened once the lease
    /// runs out ([`Takeover::MissingThreads`]).
    pub async fn confirm_post_created(
        &self,
        post_id: PostId,
        message_id: MessageId,
        now_ms: i64,
    ) -> Result<Created, StoreError> {
        // One statement, not one per status: the holder may mark the post failed at any moment,
        // and a check of 'failed' then of 'claimed' could miss it between the two. Failing
        // ends the lease, so the lease still held tells which of the two it was.
        let row: Option<(Option<String>,)> = sqlx::query_as(
            "UPDATE posts SET status = 'sent', message_id = $2, sent_at = $3, failure = NULL, \
             retry_at = NULL WHERE id = $1 AND message_id IS NULL \
             AND status IN ('claimed', 'failed') RETURNING lease_owner",
        )
        .bind(post_id)
        .bind(message_id)
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?;
        Ok(match row {
            None => Created::AlreadyKnown,
            Some((Some(_holder),)) => Created::BeforeItsAnswer,
            Some((None,)) => Created::AfterItsAnswerFailed,
        })
    }

    /// When the next wanted thread may be opened (now, unless another process holds it), so
    /// the scheduler comes back for the threads as soon as the posts are out.
    pub async fn earliest_thread_due(&self) -> Result<Option<i64>, StoreError> {
        let (at,): (Option<i64>,) = sqlx::query_as(
            "SELECT MIN(COALESCE(lease_until, sent_at, 0)) FROM posts \
             WHERE thread_name IS NOT NULL AND status = 'sent'",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(at)
    }

    /// Records the thread opened for a post after the fact (or that none could be).
    pub async fn set_post_thread(
        &self,
        post_id: PostId,
        thread_id: Option<ChannelId>,
    ) -> Result<(), StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE posts SET thread_id = COALESCE($2, thread_id), thread_name = NULL, {END_LEASE} \
             WHERE id = $1"
        )))
        .bind(post_id)
        .bind(thread_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records that a claimed post could not go out, why, and when to try again (if ever).
    /// A post already known to be sent (its own MESSAGE_CREATE arrived though its REST answer
    /// failed) stays sent: only the lease is ended, and false is returned.
    pub async fn mark_post_failed(
        &self,
        post_id: PostId,
        reason: &str,
        retry_at: Option<i64>,
    ) -> Result<bool, StoreError> {
        let failed = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE posts SET status = 'failed', failure = $1, attempts = attempts + 1, \
             retry_at = $2, {END_LEASE} WHERE id = $3 AND message_id IS NULL"
        )))
        .bind(reason)
        .bind(retry_at)
        .bind(post_id)
        .execute(&self.pool)
        .await?;
        if failed.rows_affected() > 0 {
            return Ok(true);
        }
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE posts SET {END_LEASE} WHERE id = $1"
        )))
        .bind(post_id)
        .execute(&self.pool)
        .await?;
        Ok(false)
    }

    /// Records that a claimed job without a message of its own (a buddy round) was done.
    pub async fn mark_post_done(&self, post_id: PostId, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE posts SET status = 'sent', sent_at = $2, {END_LEASE} WHERE id = $1"
        )))
        .bind(post_id)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records that a claimed slot was deliberately not posted (too late after downtime).
    pub async fn mark_post_skipped(&self, post_id: PostId, reason: &str) -> Result<(), StoreError> {
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE posts SET status = 'skipped', failure = $1, thread_name = NULL, {END_LEASE} \
             WHERE id = $2"
        )))
        .bind(reason)
        .bind(post_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Hands back every claim `owner` still holds unsent (a graceful stop that could not
    /// finish in time): their leases end now, so any process takes them over at once.
    /// Returns how many posts and direct messages were handed back.
    pub async fn release_leases(&self, owner: &str, now_ms: i64) -> Result<u64, StoreError> {
        let posts = sqlx::query(
            "UPDATE posts SET lease_until = 0 WHERE lease_owner = $1 AND status IN ('claimed', 'sent')",
        )
        .bind(owner)
        .execute(&self.pool)
        .await?;
        let dms = sqlx::query(
            "UPDATE dm_queue SET send_after = $2, lease_owner = NULL WHERE lease_owner = $1",
        )
        .bind(owner)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        Ok(posts.rows_affected() + dms.rows_affected())
    }

    /// Claims still held under a lease, by anyone (the operator's view: `/metrics`).
    pub async fn claims_in_flight(&self) -> Result<i64, StoreError> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM posts WHERE status = 'claimed'")
            .fetch_one(&self.pool)
            .await?;
        Ok(n)
    }

    pub async fn post_by_id(&self, post_id: PostId) -> Result<Option<PostRecord>, StoreError> {
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
        guild_id: GuildId,
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

    pub async fn posts_for(&self, guild_id: GuildId) -> Result<Vec<PostRecord>, StoreError> {
        let rows = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT {POST_COLUMNS} FROM posts WHERE guild_id = $1 ORDER BY id"
        )))
        .bind(guild_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows)
    }
}
