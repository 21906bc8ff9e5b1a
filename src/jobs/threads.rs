//! The threads that posts still want: deferred behind the day's messages (each post is two
//! requests, and the second waits so every team's act lands first), or for a post confirmed
//! only by its own MESSAGE_CREATE after its REST answer was lost.

use super::context::JobContext;
use super::outgoing::Outgoing;
use super::report::Pass;
use super::{Job, JobFuture};
use crate::store::{StoreError, Takeover};

pub struct DeferredThreads;

impl Job for DeferredThreads {
    fn name(&self) -> &'static str {
        "deferred threads"
    }

    /// Each thread is taken under a lease, so of several processes one opens it.
    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
        pass: &'a mut Pass,
    ) -> JobFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            if pass.more_posts_due {
                return Ok(());
            }
            let lease = ctx.lease(pass.now);
            for post in ctx
                .store
                .take_posts(
                    Takeover::MissingThreads,
                    &lease,
                    pass.now.timestamp_millis(),
                    ctx.settings.batch,
                )
                .await?
            {
                let (Some(channel_id), Some(message_id), Some(name)) =
                    (post.channel_id, post.message_id, post.thread_name.clone())
                else {
                    ctx.store.set_post_thread(post.id, None).await?;
                    continue;
                };
                let outgoing = Outgoing::Thread {
                    channel_id,
                    message_id,
                    name,
                };
                // One try: a thread is a nicety, and the post stands without it.
                let thread = match ctx.deliver.deliver(&outgoing).await {
                    Ok(delivered) => delivered.thread_id,
                    Err(error) => {
                        tracing::info!(post = post.id.get(), error = %error, "no thread for a post");
                        None
                    }
                };
                pass.report.threads += usize::from(thread.is_some());
                ctx.store.set_post_thread(post.id, thread).await?;
            }
            Ok(())
        })
    }

    fn next_due<'a>(
        &'a self,
        ctx: &'a JobContext,
    ) -> JobFuture<'a, Result<Option<i64>, StoreError>> {
        Box::pin(ctx.store.earliest_thread_due())
    }
}
