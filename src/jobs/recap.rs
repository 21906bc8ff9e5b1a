//! The weekly recap: the same catch-up and exactly-once rules as the daily post.

use chrono::{DateTime, Utc};

use super::context::{JobContext, firing_post};
use super::outgoing::Outgoing;
use super::report::{Pass, TickReport};
use super::{Job, JobFuture};
use crate::calendar::{CatchUp, Schedule, catch_up, parse_timezone};
use crate::ids::{ChannelId, PostId};
use crate::store::{Claim, PostRecord, RecapChange, RecapConfig, StoreError};

/// The recap's job name in the posts table.
pub const RECAP_JOB: &str = "recap";

pub struct RecapJob;

impl Job for RecapJob {
    fn name(&self) -> &'static str {
        "weekly recap"
    }

    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
        pass: &'a mut Pass,
    ) -> JobFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let now = pass.now;
            for config in ctx
                .store
                .due_recaps(now.timestamp_millis(), ctx.settings.batch)
                .await?
            {
                if ctx.stopping() {
                    return Ok(());
                }
                if let Err(error) = handle_recap(ctx, &config, now, &mut pass.report).await {
                    tracing::error!(guild = config.guild_id.get(), error = %error, "weekly recap failed");
                }
            }
            Ok(())
        })
    }

    fn owns(&self, post_job: &str) -> bool {
        post_job == RECAP_JOB
    }

    fn rebuild<'a>(
        &'a self,
        ctx: &'a JobContext,
        post: &'a PostRecord,
        now: DateTime<Utc>,
    ) -> JobFuture<'a, anyhow::Result<Option<Outgoing>>> {
        Box::pin(async move {
            let Some(channel_id) = post.channel_id else {
                return Ok(None);
            };
            let Some(config) = ctx.store.recap_config(post.guild_id).await? else {
                return Ok(None);
            };
            Ok(Some(
                recap_outgoing(ctx, &config, post.id, channel_id, now).await?,
            ))
        })
    }
}

async fn handle_recap(
    ctx: &JobContext,
    config: &RecapConfig,
    now: DateTime<Utc>,
    report: &mut TickReport,
) -> anyhow::Result<()> {
    let Some(channel_id) = config.channel_id else {
        return Ok(());
    };
    let schedule = Schedule::from_storage(&config.schedule)?;
    let tz = parse_timezone(&config.timezone)?;
    let done_through = config
        .next_at
        .map(|ms| DateTime::from_timestamp_millis(ms - 1).unwrap_or(now));
    let next = schedule
        .next_after(tz, now)
        .map(|f| f.at.timestamp_millis());
    match catch_up(&schedule, tz, done_through, now, ctx.settings.grace) {
        CatchUp::Nothing => {}
        CatchUp::TooLate(firing) => {
            ctx.skip_late(config.guild_id, RECAP_JOB, &firing, channel_id, now, report)
                .await?
        }
        CatchUp::Post(firing) => {
            let claim = ctx
                .claim(
                    firing_post(config.guild_id, RECAP_JOB, &firing, channel_id),
                    now,
                )
                .await?;
            if let Claim::Won(post_id) = claim {
                let outgoing = recap_outgoing(ctx, config, post_id, channel_id, now).await?;
                let daily = ctx.store.daily_config(config.guild_id).await?;
                let sent = match &daily {
                    Some(daily) => ctx.send(daily, post_id, &outgoing, report).await?,
                    None => false,
                };
                if sent {
                    report.recaps += 1;
                }
            } else {
                report.already_claimed += 1;
            }
        }
    }
    ctx.store
        .change_recap(
            config.guild_id,
            &RecapChange {
                next_at: Some(next),
                ..Default::default()
            },
        )
        .await?;
    Ok(())
}

/// The recap as it stands now, ready to post as `post_id`.
async fn recap_outgoing(
    ctx: &JobContext,
    config: &RecapConfig,
    post_id: PostId,
    channel_id: ChannelId,
    now: DateTime<Utc>,
) -> anyhow::Result<Outgoing> {
    let tz = parse_timezone(&config.timezone)?;
    let recap = crate::recap::compute(&ctx.store, config.guild_id, tz, now).await?;
    Ok(Outgoing::Recap {
        post_id,
        channel_id,
        server: config.name.clone(),
        recap: Box::new(recap),
    })
}
