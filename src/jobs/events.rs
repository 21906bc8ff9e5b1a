//! Connection events: the reminder an hour before an event starts, and the thank-you after
//! it ends, each posted once in the channel it was announced in. Claimed under (server, job,
//! event id) like every post, so a crash, a restart or a second process never sends either
//! twice; recovery resends a claimed one that did not go out.

use chrono::{DateTime, Duration, Utc};

use super::context::JobContext;
use super::outgoing::Outgoing;
use super::report::{Pass, TickReport};
use super::{Job, JobFuture};
use crate::events::event_url;
use crate::ids::{EventId, PostId};
use crate::store::{Claim, EventRecord, NewPost, PostRecord, StoreError};

/// The reminder's job name in the posts table (slot: the event's id).
pub const EVENT_REMINDER_JOB: &str = "event_reminder";
/// The thank-you's job name in the posts table (slot: the event's id).
pub const EVENT_THANKS_JOB: &str = "event_thanks";

/// A thank-you this long after the end is no longer sent (the bot was down): it would read
/// oddly days later. The event still counts as held.
const THANKS_GRACE: Duration = Duration::hours(24);

pub struct EventsJob;

impl Job for EventsJob {
    fn name(&self) -> &'static str {
        "connection events"
    }

    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
        pass: &'a mut Pass,
    ) -> JobFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let now = pass.now;
            let now_ms = now.timestamp_millis();
            for event in ctx
                .store
                .events_due_reminder(now_ms, ctx.settings.batch)
                .await?
            {
                if ctx.stopping() {
                    return Ok(());
                }
                if let Err(error) =
                    post_once(ctx, &event, Moment::Reminder, now, &mut pass.report).await
                {
                    tracing::error!(guild = event.guild_id.get(), error = %error, "event reminder failed");
                }
            }
            for event in ctx
                .store
                .events_due_thanks(now_ms, ctx.settings.batch)
                .await?
            {
                if ctx.stopping() {
                    return Ok(());
                }
                if let Err(error) =
                    post_once(ctx, &event, Moment::Thanks, now, &mut pass.report).await
                {
                    tracing::error!(guild = event.guild_id.get(), error = %error, "event thank-you failed");
                }
            }
            Ok(())
        })
    }

    fn next_due<'a>(
        &'a self,
        ctx: &'a JobContext,
    ) -> JobFuture<'a, Result<Option<i64>, StoreError>> {
        Box::pin(ctx.store.next_event_due())
    }

    fn owns(&self, post_job: &str) -> bool {
        post_job == EVENT_REMINDER_JOB || post_job == EVENT_THANKS_JOB
    }

    fn rebuild<'a>(
        &'a self,
        ctx: &'a JobContext,
        post: &'a PostRecord,
        now: DateTime<Utc>,
    ) -> JobFuture<'a, anyhow::Result<Option<Outgoing>>> {
        Box::pin(async move {
            let Ok(event_id) = post.slot.parse::<EventId>() else {
                return Ok(None);
            };
            let Some(event) = ctx.store.event(event_id).await? else {
                return Ok(None);
            };
            if event.cancelled_at.is_some() {
                return Ok(None);
            }
            let now_ms = now.timestamp_millis();
            Ok(match post.job.as_str() {
                // A reminder is pointless once the event has begun.
                EVENT_REMINDER_JOB if now_ms < event.starts_at => Some(reminder(&event, post.id)),
                EVENT_THANKS_JOB => Some(thanks(&event, post.id)),
                _ => None,
            })
        })
    }
}

fn reminder(event: &EventRecord, post_id: PostId) -> Outgoing {
    Outgoing::EventReminder {
        post_id,
        channel_id: event.channel_id,
        title: event.title.clone(),
        url: event_url(event.guild_id, event.event_id),
        starts_at: event.starts_at / 1000,
    }
}

fn thanks(event: &EventRecord, post_id: PostId) -> Outgoing {
    Outgoing::EventThanks {
        post_id,
        channel_id: event.channel_id,
        title: event.title.clone(),
        interested: event.interested,
    }
}

/// Claims the event's post under `job`; `None` if someone already has.
async fn claim(
    ctx: &JobContext,
    event: &EventRecord,
    job: &str,
    scheduled_for: i64,
    now: DateTime<Utc>,
) -> Result<Option<PostId>, StoreError> {
    let slot = event.event_id.to_string();
    let claim = ctx
        .claim(
            NewPost {
                guild_id: event.guild_id,
                job,
                slot: &slot,
                act_id: None,
                channel_id: Some(event.channel_id),
                scheduled_for,
                thread_name: None,
            },
            now,
        )
        .await?;
    Ok(match claim {
        Claim::Won(post_id) => Some(post_id),
        Claim::AlreadyClaimed => None,
    })
}

/// Which of an event's two posts.
#[derive(Clone, Copy)]
enum Moment {
    Reminder,
    Thanks,
}

/// Claims and sends one of an event's posts, or notes it too late: a reminder once the event
/// has begun (the bot was down through the hour before), a thank-you a day after the end.
/// Either way the event is marked, so later passes skip it; the claim is what makes it once.
async fn post_once(
    ctx: &JobContext,
    event: &EventRecord,
    moment: Moment,
    now: DateTime<Utc>,
    report: &mut TickReport,
) -> anyhow::Result<()> {
    let now_ms = now.timestamp_millis();
    let (job, due, too_late) = match moment {
        Moment::Reminder => (
            EVENT_REMINDER_JOB,
            event.starts_at - crate::store::REMINDER_BEFORE_MS,
            now_ms >= event.starts_at,
        ),
        Moment::Thanks => (
            EVENT_THANKS_JOB,
            event.ends_at,
            now_ms > event.ends_at + THANKS_GRACE.num_milliseconds(),
        ),
    };
    let mark = || async {
        match moment {
            Moment::Reminder => ctx.store.mark_event_reminded(event.event_id, now_ms).await,
            Moment::Thanks => ctx.store.mark_event_thanked(event.event_id, now_ms).await,
        }
    };
    if too_late {
        mark().await?;
        report.skipped_late += 1;
        return Ok(());
    }
    let Some(post_id) = claim(ctx, event, job, due, now).await? else {
        mark().await?;
        report.already_claimed += 1;
        return Ok(());
    };
    mark().await?;
    let outgoing = match moment {
        Moment::Reminder => reminder(event, post_id),
        Moment::Thanks => thanks(event, post_id),
    };
    if send(ctx, event, post_id, &outgoing, report).await? {
        match moment {
            Moment::Reminder => report.event_reminders += 1,
            Moment::Thanks => report.event_thanks += 1,
        }
    }
    Ok(())
}

/// Sends through the one way a claimed post goes out; the admins are told if it cannot.
async fn send(
    ctx: &JobContext,
    event: &EventRecord,
    post_id: PostId,
    outgoing: &Outgoing,
    report: &mut TickReport,
) -> Result<bool, StoreError> {
    match ctx.store.daily_config(event.guild_id).await? {
        Some(config) => ctx.send(&config, post_id, outgoing, report).await,
        None => Ok(ctx.settle(post_id, 0, outgoing, report).await?.is_ok()),
    }
}
