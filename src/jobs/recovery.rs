//! Nothing claimed is left behind. Every post is claimed under a lease (this process, until
//! when) before anything is sent; this job finishes what was claimed but never settled, for
//! whichever job's post it was:
//!
//! - **Expired claims.** The process that claimed a post died, or was stopped, before it
//!   recorded the outcome. Once the lease runs out any process takes the post over and sends
//!   it, with the same nonce, if it is still within the grace window (else it is recorded as
//!   skipped, like any post too late after downtime). Within the few minutes Discord checks a
//!   nonce for, a send the dead process had already made comes back as the same message.
//! - **Due retries.** A post that failed for a reason retrying can help with (Discord busy),
//!   taken under a lease so that only one process retries it.
//! - **Confirmation by the gateway.** The bot's own MESSAGE_CREATE carries the post's nonce
//!   ([`super::confirm_delivery`]), so a send whose REST answer was lost (a 5xx "ghost": created,
//!   answer lost) is recorded as sent and never repeated, however late its retry was due. The
//!   thread such a post should have opened is opened afterwards ([`super::threads`]).

use std::sync::Arc;

use chrono::DateTime;

use super::context::{JobContext, MAX_ATTEMPTS, backoff_ms};
use super::report::Pass;
use super::{Job, JobFuture};
use crate::store::{PostRecord, StoreError, Takeover};

/// Takes over expired claims and retries what is due, for the jobs that post.
pub struct Recovery {
    /// The jobs whose posts it finishes: each knows its own posts, and how to rebuild them.
    posting: Vec<Arc<dyn Job>>,
}

impl Recovery {
    pub fn new(posting: Vec<Arc<dyn Job>>) -> Recovery {
        Recovery { posting }
    }

    fn owner_of(&self, post: &PostRecord) -> Option<&dyn Job> {
        self.posting
            .iter()
            .find(|job| job.owns(&post.job))
            .map(|job| job.as_ref())
    }

    /// Sends a post taken under this process's lease: rebuilt from the database, unless a
    /// taken-over claim is now too late (then skipped, as after any downtime).
    async fn finish_taken(
        &self,
        ctx: &JobContext,
        post: &PostRecord,
        taken_over: bool,
        pass: &mut Pass,
    ) -> Result<(), StoreError> {
        let owner = self.owner_of(post);
        if let Some(finish) = owner.and_then(|job| job.finish_own_way(ctx, post, pass)) {
            return finish.await;
        }
        let now = pass.now;
        let report = &mut pass.report;
        let due = DateTime::from_timestamp_millis(post.scheduled_for).unwrap_or(now);
        if taken_over && now - due > ctx.settings.grace {
            let reason = format!(
                "skipped: due at {due}; the process that claimed it stopped before sending, and \
                 it is now past the grace window"
            );
            tracing::warn!(guild = post.guild_id.get(), job = %post.job, slot = %post.slot, "{reason}");
            ctx.store.mark_post_skipped(post.id, &reason).await?;
            report.skipped_late += 1;
            return Ok(());
        }
        report.retried += 1;
        let rebuilt = match (owner, post.channel_id) {
            (Some(job), Some(_)) => job.rebuild(ctx, post, now).await,
            _ => Ok(None),
        };
        match rebuilt {
            Ok(Some(outgoing)) => {
                match ctx
                    .settle(post.id, post.attempts, &outgoing, report)
                    .await?
                {
                    Ok(()) => report.posted += 1,
                    Err(_) => report.failed += 1,
                }
            }
            Ok(None) => {
                ctx.store
                    .mark_post_failed(post.id, "its settings or content are gone", None)
                    .await?;
            }
            Err(error) => {
                tracing::error!(
                    post = post.id.get(),
                    error = format!("{error:#}"),
                    "could not rebuild a post"
                );
                ctx.store
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
}

impl Job for Recovery {
    fn name(&self) -> &'static str {
        "recovery"
    }

    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
        pass: &'a mut Pass,
    ) -> JobFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let lease = ctx.lease(pass.now);
            let now_ms = pass.now.timestamp_millis();
            let batch = ctx.settings.batch;
            for post in ctx
                .store
                .take_posts(Takeover::ExpiredClaims, &lease, now_ms, batch)
                .await?
            {
                pass.report.taken_over += 1;
                tracing::warn!(
                    guild = post.guild_id.get(),
                    job = %post.job,
                    slot = %post.slot,
                    previous_owner = post.lease_owner.as_deref().unwrap_or("?"),
                    "taking over a claim whose process stopped before settling it"
                );
                self.finish_taken(ctx, &post, true, pass).await?;
            }
            for post in ctx
                .store
                .take_posts(Takeover::DueRetries, &lease, now_ms, batch)
                .await?
            {
                self.finish_taken(ctx, &post, false, pass).await?;
            }
            Ok(())
        })
    }
}
