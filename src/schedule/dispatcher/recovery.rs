//! Nothing claimed is left behind. Every post is claimed under a lease (this process, until
//! when) before anything is sent; this file finishes what was claimed but never settled:
//!
//! - **Expired claims.** The process that claimed a post died, or was stopped, before it
//!   recorded the outcome. Once the lease runs out any process takes the post over and sends
//!   it, with the same nonce, if it is still within the grace window (else it is recorded as
//!   skipped, like any post too late after downtime). Within the few minutes Discord checks a
//!   nonce for, a send the dead process had already made comes back as the same message.
//! - **Due retries.** A post that failed for a reason retrying can help with (Discord busy),
//!   taken under a lease so that only one process retries it.
//! - **Confirmation by the gateway.** The bot's own MESSAGE_CREATE carries the post's nonce
//!   ([`confirm_delivery`]), so a send whose REST answer was lost (a 5xx "ghost": created,
//!   answer lost) is recorded as sent and never repeated, however late its retry was due. The
//!   thread such a post should have opened is opened here afterwards.

use chrono::{DateTime, NaiveDate, Utc};

use super::{
    BUDDY_ROUND_JOB, CHECKIN_JOB_PREFIX, CLOSING_JOB, DAILY_JOB, DailyPost, DeliveryError,
    Dispatcher, KICKOFF_JOB, MAX_ATTEMPTS, Outgoing, PULSE_RESULTS_JOB, RECAP_JOB, TickReport,
    awareness_week, backoff_ms, week_bounds_ms,
};
use crate::calendar::parse_timezone;
use crate::ids::{DmId, MessageId, PostId};
use crate::ops::Metrics;
use crate::store::{Created, PostRecord, Store, StoreError, Takeover};

/// What a nonce the bot sent stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// A post (its row in the posts table).
    Post(PostId),
    /// A queued direct message (its row in the queue).
    DirectMessage(DmId),
}

impl Confirmation {
    /// The nonce sent with it: at most 25 characters, as Discord allows.
    pub fn nonce(self) -> String {
        match self {
            Confirmation::Post(id) => format!("sa-{id}"),
            Confirmation::DirectMessage(id) => format!("sa-dm-{id}"),
        }
    }

    pub fn parse(nonce: &str) -> Option<Confirmation> {
        if let Some(id) = nonce.strip_prefix("sa-dm-") {
            return id.parse().ok().map(Confirmation::DirectMessage);
        }
        nonce
            .strip_prefix("sa-")
            .and_then(|id| id.parse().ok())
            .map(Confirmation::Post)
    }
}

/// The bot saw its own message come back over the gateway with `nonce`: whatever the REST
/// answer said (or if it never came), that post or direct message went out. Returns true
/// when its REST answer had failed, so that only this tells it went out.
pub async fn confirm_delivery(
    store: &Store,
    nonce: &str,
    message_id: MessageId,
    now_ms: i64,
) -> Result<bool, StoreError> {
    match Confirmation::parse(nonce) {
        Some(Confirmation::Post(post_id)) => Ok(store
            .confirm_post_created(post_id, message_id, now_ms)
            .await?
            == Created::AfterItsAnswerFailed),
        // A direct message waiting in the queue was sent, whether its answer came or not.
        Some(Confirmation::DirectMessage(dm_id)) => store.confirm_dm_sent(dm_id).await,
        None => Ok(false),
    }
}

impl Dispatcher {
    /// Takes over expired claims, retries what is due, and opens threads that confirmed posts
    /// never opened.
    pub(super) async fn recover(
        &self,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<(), StoreError> {
        let lease = self.lease(now);
        let now_ms = now.timestamp_millis();
        let batch = self.settings.batch;
        for post in self
            .store
            .take_posts(Takeover::ExpiredClaims, &lease, now_ms, batch)
            .await?
        {
            report.taken_over += 1;
            Metrics::incr(&self.metrics.claims_taken_over);
            tracing::warn!(
                guild = post.guild_id.get(),
                job = %post.job,
                slot = %post.slot,
                previous_owner = post.lease_owner.as_deref().unwrap_or("?"),
                "taking over a claim whose process stopped before settling it"
            );
            self.finish_taken(&post, now, true, report).await?;
        }
        for post in self
            .store
            .take_posts(Takeover::DueRetries, &lease, now_ms, batch)
            .await?
        {
            self.finish_taken(&post, now, false, report).await?;
        }
        Ok(())
    }

    /// Opens the threads that posts still want: deferred behind the day's messages, or for a
    /// post confirmed only by its own MESSAGE_CREATE. Each is taken under a lease, so of
    /// several processes one opens it.
    pub(super) async fn open_deferred_threads(
        &self,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<(), StoreError> {
        let lease = self.lease(now);
        let now_ms = now.timestamp_millis();
        let batch = self.settings.batch;
        for post in self
            .store
            .take_posts(Takeover::MissingThreads, &lease, now_ms, batch)
            .await?
        {
            let (Some(channel_id), Some(message_id), Some(name)) =
                (post.channel_id, post.message_id, post.thread_name.clone())
            else {
                self.store.set_post_thread(post.id, None).await?;
                continue;
            };
            let outgoing = Outgoing::Thread {
                channel_id,
                message_id,
                name,
            };
            // One try: a thread is a nicety, and the post stands without it.
            let thread = match self.deliver.deliver(&outgoing).await {
                Ok(delivered) => delivered.thread_id,
                Err(error) => {
                    tracing::info!(post = post.id.get(), error = %error, "no thread for a post");
                    None
                }
            };
            report.threads += usize::from(thread.is_some());
            self.store.set_post_thread(post.id, thread).await?;
        }
        Ok(())
    }

    /// Sends a post taken under this process's lease: rebuilt from the database, unless a
    /// taken-over claim is now too late (then skipped, as after any downtime).
    async fn finish_taken(
        &self,
        post: &PostRecord,
        now: DateTime<Utc>,
        taken_over: bool,
        report: &mut TickReport,
    ) -> Result<(), StoreError> {
        if post.job == BUDDY_ROUND_JOB {
            return self.finish_buddy_round(post, now, report).await;
        }
        let due = DateTime::from_timestamp_millis(post.scheduled_for).unwrap_or(now);
        if taken_over && now - due > self.settings.grace {
            let reason = format!(
                "skipped: due at {due}; the process that claimed it stopped before sending, and \
                 it is now past the grace window"
            );
            tracing::warn!(guild = post.guild_id.get(), job = %post.job, slot = %post.slot, "{reason}");
            self.store.mark_post_skipped(post.id, &reason).await?;
            report.skipped_late += 1;
            return Ok(());
        }
        report.retried += 1;
        match self.rebuild(post, now).await {
            Ok(Some(outgoing)) => match self.settle(post.id, post.attempts, &outgoing).await? {
                Ok(()) => report.posted += 1,
                Err(_) => report.failed += 1,
            },
            Ok(None) => {
                self.store
                    .mark_post_failed(post.id, "its settings or content are gone", None)
                    .await?;
            }
            Err(error) => {
                tracing::error!(
                    post = post.id.get(),
                    error = format!("{error:#}"),
                    "could not rebuild a post"
                );
                self.store
                    .mark_post_failed(
                        post.id,
                        &format!("{error:#}"),
                        (post.attempts + 1 < MAX_ATTEMPTS)
                            .then(|| now.timestamp_millis() + backoff_ms(post.attempts + 1)),
                    )
                    .await?;
            }
        }
        Ok(())
    }

    /// A buddy round whose process stopped: paired now if it never was; if its groups were
    /// stored, it is done (its direct messages were queued with them).
    async fn finish_buddy_round(
        &self,
        post: &PostRecord,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<(), StoreError> {
        let settings = self.store.buddy_settings(post.guild_id).await?;
        let (Some(checkins), Some(settings)) = (self.checkins.clone(), settings) else {
            return self
                .store
                .mark_post_done(post.id, now.timestamp_millis())
                .await;
        };
        if self.store.round_has_groups(post.id).await? {
            return self
                .store
                .mark_post_done(post.id, now.timestamp_millis())
                .await;
        }
        if let Err(error) = self
            .pair_and_announce(&checkins, &settings, post.id, &post.slot, now, report)
            .await
        {
            self.store
                .mark_post_failed(post.id, &format!("{error:#}"), None)
                .await?;
        }
        Ok(())
    }

    /// Sends a claimed post and records the outcome (`attempts` made before this one):
    /// retried with backoff while retrying can help, up to [`MAX_ATTEMPTS`]. Returns why it
    /// did not go out, if it did not.
    pub(super) async fn settle(
        &self,
        post_id: PostId,
        attempts: i64,
        outgoing: &Outgoing,
    ) -> Result<Result<(), DeliveryError>, StoreError> {
        let now_ms = self.clock.now_ms();
        match self.deliver.deliver(outgoing).await {
            Ok(delivered) => {
                self.store
                    .mark_post_sent(post_id, delivered.message_id, delivered.thread_id, now_ms)
                    .await?;
                Metrics::incr(&self.metrics.posts_sent);
                Ok(Ok(()))
            }
            Err(error) => {
                Metrics::incr(&self.metrics.posts_failed);
                let attempts = attempts + 1;
                let retry_at = (error.retryable() && attempts < MAX_ATTEMPTS)
                    .then(|| now_ms + backoff_ms(attempts));
                if !self
                    .store
                    .mark_post_failed(post_id, &error.to_string(), retry_at)
                    .await?
                {
                    // Its own MESSAGE_CREATE came first: it is out, and stays recorded so.
                    Metrics::incr(&self.metrics.lost_answers_confirmed);
                    tracing::info!(post_id = post_id.get(), error = %error, "Discord's answer failed, but the post is out (seen on the gateway)");
                    return Ok(Ok(()));
                }
                tracing::warn!(post_id = post_id.get(), error = %error, "could not deliver a post");
                Ok(Err(error))
            }
        }
    }

    /// A claimed post, rebuilt from what the database holds. `None` when what it needs is
    /// gone (the server's settings, the act, the check-in).
    async fn rebuild(
        &self,
        post: &PostRecord,
        now: DateTime<Utc>,
    ) -> anyhow::Result<Option<Outgoing>> {
        let Some(channel_id) = post.channel_id else {
            return Ok(None);
        };
        if post.job.starts_with(CHECKIN_JOB_PREFIX) {
            return self.checkin_outgoing(post, now).await;
        }
        if post.job == PULSE_RESULTS_JOB {
            let Some(run) = self.store.run(post.slot.parse()?).await? else {
                return Ok(None);
            };
            return self.pulse_outgoing(&run, post.id, channel_id, now).await;
        }
        if post.job == RECAP_JOB {
            let Some(config) = self.store.recap_config(post.guild_id).await? else {
                return Ok(None);
            };
            return Ok(Some(
                self.recap_outgoing(&config, post.id, channel_id, now)
                    .await?,
            ));
        }
        let Some(config) = self.store.daily_config(post.guild_id).await? else {
            return Ok(None);
        };
        let date = NaiveDate::parse_from_str(&post.slot[..10.min(post.slot.len())], "%Y-%m-%d")
            .unwrap_or(now.date_naive());
        let week = awareness_week(&config, date);
        Ok(match post.job.as_str() {
            DAILY_JOB => {
                let Some(act_id) = post.act_id else {
                    return Ok(None);
                };
                let Some(act) = self.store.act_by_id(act_id).await? else {
                    return Ok(None);
                };
                Some(Outgoing::Daily(DailyPost {
                    post_id: post.id,
                    guild_id: post.guild_id,
                    channel_id,
                    act,
                    local_date: date,
                    awareness_day: week.and_then(|w| w.day_index(date)),
                }))
            }
            KICKOFF_JOB => week.map(|week| Outgoing::AwarenessKickoff {
                post_id: post.id,
                channel_id,
                week,
            }),
            CLOSING_JOB => match week {
                Some(week) => {
                    let (from, to) = week_bounds_ms(week, parse_timezone(&config.timezone)?);
                    let acts_done = self
                        .store
                        .count_done_between(post.guild_id, from, to)
                        .await?;
                    Some(Outgoing::AwarenessClosing {
                        post_id: post.id,
                        channel_id,
                        week,
                        acts_done,
                    })
                }
                None => None,
            },
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_round_trip_and_fit_discords_25_characters() {
        for confirmation in [
            Confirmation::Post(PostId(i64::MAX)),
            Confirmation::Post(PostId(1)),
            Confirmation::DirectMessage(DmId(i64::MAX)),
        ] {
            let nonce = confirmation.nonce();
            assert!(nonce.len() <= 25, "{nonce}");
            assert_eq!(Confirmation::parse(&nonce), Some(confirmation));
        }
        assert_eq!(Confirmation::parse("sa-x"), None);
        assert_eq!(Confirmation::parse("something else"), None);
        assert_eq!(Confirmation::parse("12345"), None);
    }
}
