//! What every job shares: the database, the clock, the delivery, this process's lease, and
//! the one way a claimed post is sent and its outcome recorded (retried with backoff while
//! retrying can help; the server's admins told when it cannot).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};

use super::outgoing::{Deliver, DeliveryError, Outgoing};
use super::report::TickReport;
use crate::calendar::Firing;
use crate::clock::Clock;
use crate::ids::{ChannelId, GuildId, PostId};
use crate::store::{Claim, DailyConfig, Lease, NewPost, Store, StoreError};

/// Attempts at delivering one post before giving up.
pub const MAX_ATTEMPTS: i64 = 4;

/// Settings the jobs need from configuration.
#[derive(Debug, Clone)]
pub struct DispatcherSettings {
    pub grace: chrono::Duration,
    /// Servers handled per tick at most (the rest wait for the next tick).
    pub batch: i64,
    /// Wins older than this are deleted (the daily retention job).
    pub wins_retention: chrono::Duration,
    /// A server's data is deleted this long after the bot left it.
    pub left_server_retention: chrono::Duration,
    /// How long a claim is held before another process may take it over: longer than any
    /// one send takes, short enough that a takeover falls inside the few minutes Discord
    /// checks a nonce for.
    pub lease: chrono::Duration,
}

/// The parts every job works with.
pub struct JobContext {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub deliver: Arc<dyn Deliver>,
    pub settings: DispatcherSettings,
    /// This process, as it signs its leases: `host:pid:random`.
    pub owner: String,
    /// Set by a graceful stop: claim nothing new.
    stopping: AtomicBool,
    /// The fleet this process belongs to (its share of the request budget), when running.
    pub fleet: Option<Arc<crate::fleet::Fleet>>,
}

impl JobContext {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        deliver: Arc<dyn Deliver>,
        settings: DispatcherSettings,
    ) -> JobContext {
        JobContext {
            store,
            clock,
            deliver,
            settings,
            owner: crate::fleet::process_name(),
            stopping: AtomicBool::new(false),
            fleet: None,
        }
    }

    pub fn stop_claiming(&self) {
        self.stopping.store(true, Ordering::SeqCst);
    }

    /// A graceful stop has begun: the pass under way finishes what it has claimed, and
    /// nothing new is claimed after it.
    pub fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// A lease for a claim made now.
    pub fn lease(&self, now: DateTime<Utc>) -> Lease {
        Lease {
            owner: self.owner.clone(),
            until_ms: (now + self.settings.lease).timestamp_millis(),
        }
    }

    /// Claims a post under this process's lease.
    pub async fn claim(&self, post: NewPost<'_>, now: DateTime<Utc>) -> Result<Claim, StoreError> {
        self.store
            .claim_post(&post, &self.lease(now), now.timestamp_millis())
            .await
    }

    /// Records a firing that came too late after downtime as skipped (once), and logs it: it
    /// is never posted late.
    pub async fn skip_late(
        &self,
        guild_id: GuildId,
        job: &str,
        firing: &Firing,
        channel_id: ChannelId,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<(), StoreError> {
        let claim = self
            .claim(firing_post(guild_id, job, firing, channel_id), now)
            .await?;
        if let Claim::Won(post_id) = claim {
            let reason = format!(
                "skipped: due at {} but the bot was down until {} (more than the grace window, or a new day)",
                firing.at, now
            );
            self.store.mark_post_skipped(post_id, &reason).await?;
            tracing::warn!(guild = guild_id.get(), job, slot = %firing.slot, "{reason}");
            report.skipped_late += 1;
        }
        Ok(())
    }

    /// Records a firing the server chose not to post, e.g. on a bank holiday, as skipped with
    /// the reason (once), and logs it. True if this call recorded it.
    pub async fn skip_firing(
        &self,
        post: NewPost<'_>,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let Claim::Won(post_id) = self.claim(post, now).await? else {
            return Ok(false);
        };
        self.store.mark_post_skipped(post_id, reason).await?;
        tracing::info!(
            guild = post.guild_id.get(),
            job = post.job,
            slot = post.slot,
            "{reason}"
        );
        Ok(true)
    }

    /// Delivers a claimed post and records the outcome; tells the server's admins when
    /// retrying cannot help. Returns whether it went out.
    pub async fn send(
        &self,
        config: &DailyConfig,
        post_id: PostId,
        outgoing: &Outgoing,
        report: &mut TickReport,
    ) -> Result<bool, StoreError> {
        match self.settle(post_id, 0, outgoing, report).await? {
            Ok(()) => Ok(true),
            Err(error) => {
                if !error.retryable() {
                    self.alert_admins(config, outgoing, &error).await;
                }
                Ok(false)
            }
        }
    }

    /// Sends a claimed post and records the outcome (`attempts` made before this one):
    /// retried with backoff while retrying can help, up to [`MAX_ATTEMPTS`]. Returns why it
    /// did not go out, if it did not.
    pub async fn settle(
        &self,
        post_id: PostId,
        attempts: i64,
        outgoing: &Outgoing,
        report: &mut TickReport,
    ) -> Result<Result<(), DeliveryError>, StoreError> {
        let now_ms = self.clock.now_ms();
        match self.deliver.deliver(outgoing).await {
            Ok(delivered) => {
                self.store
                    .mark_post_sent(post_id, delivered.message_id, delivered.thread_id, now_ms)
                    .await?;
                report.delivered += 1;
                Ok(Ok(()))
            }
            Err(error) => {
                report.delivery_failures += 1;
                let attempts = attempts + 1;
                let retry_at = (error.retryable() && attempts < MAX_ATTEMPTS)
                    .then(|| now_ms + backoff_ms(attempts));
                if !self
                    .store
                    .mark_post_failed(post_id, &error.to_string(), retry_at)
                    .await?
                {
                    // Its own MESSAGE_CREATE came first: it is out, and stays recorded so.
                    report.lost_answers_confirmed += 1;
                    tracing::info!(post_id = post_id.get(), error = %error, "Discord's answer failed, but the post is out (seen on the gateway)");
                    return Ok(Ok(()));
                }
                tracing::warn!(post_id = post_id.get(), error = %error, "could not deliver a post");
                Ok(Err(error))
            }
        }
    }

    /// Tells the server's admins, in their admin channel if set, else the owner by DM.
    async fn alert_admins(&self, config: &DailyConfig, failed: &Outgoing, error: &DeliveryError) {
        let channel = failed
            .channel_id()
            .map(|c| format!("<#{c}>"))
            .unwrap_or_else(|| "its channel".into());
        let fix = match error {
            DeliveryError::ChannelGone => {
                format!("Choose a channel again with `{}`.", failed.setup_command())
            }
            DeliveryError::MissingPermission(what) => {
                format!(
                    "Give the bot {what} there (Server Settings > Roles, or the channel's permissions), then run `/doctor` to check."
                )
            }
            DeliveryError::Transient(_) | DeliveryError::Refused(_) => String::new(),
        };
        let alert = Outgoing::AdminAlert {
            admin_channel_id: config.admin_channel_id,
            owner_id: config.owner_id,
            text: format!(
                "I couldn't post {} in {channel}: {error}. {fix}",
                failed.what()
            ),
        };
        if let Err(e) = self.deliver.deliver(&alert).await {
            tracing::warn!(guild = config.guild_id.get(), error = %e, "could not alert the server's admins either");
        }
    }
}

/// The post a firing claims for a job without an act or thread of its own (a recap, a
/// skipped slot).
pub fn firing_post<'a>(
    guild_id: GuildId,
    job: &'a str,
    firing: &'a Firing,
    channel_id: ChannelId,
) -> NewPost<'a> {
    NewPost {
        guild_id,
        job,
        slot: &firing.slot,
        act_id: None,
        channel_id: Some(channel_id),
        scheduled_for: firing.at.timestamp_millis(),
        thread_name: None,
    }
}

/// 1, 4, 16 minutes...
pub fn backoff_ms(attempts: i64) -> i64 {
    let minutes = 4_i64.saturating_pow(attempts.saturating_sub(1).clamp(0, 5) as u32);
    Duration::from_secs(60).as_millis() as i64 * minutes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows() {
        assert_eq!(backoff_ms(1), 60_000);
        assert_eq!(backoff_ms(2), 240_000);
        assert_eq!(backoff_ms(3), 960_000);
    }
}
