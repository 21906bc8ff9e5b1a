//! The daily act: finds servers whose post is due, decides (catch-up rules) whether to post
//! or skip, claims the slot so it happens exactly once, picks the act, and sends it, with the
//! campaign's kick-off and closing posts around it in Loneliness Awareness Week.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use futures::StreamExt as _;

use super::context::{JobContext, firing_post};
use super::outgoing::{DailyPost, Outgoing};
use super::report::{Pass, TickReport};
use super::{Job, JobFuture};
use crate::calendar::{CatchUp, Firing, Schedule, catch_up, parse_timezone};
use crate::daily::{
    CLOSING_JOB, DAILY_JOB, HolidayDay, KICKOFF_JOB, OnBankHoliday, choose_for_day, day_settings,
    holiday_day, wins_thread_name,
};
use crate::ids::{ChannelId, PostId};
use crate::recap::awareness_tally;
use crate::store::{Claim, DailyConfig, NewPost, PostRecord, StoreError};

/// Servers whose daily post is worked out and sent at the same time, in one process.
const SERVERS_IN_FLIGHT: usize = 4;

pub struct DailyJob;

impl Job for DailyJob {
    fn name(&self) -> &'static str {
        "daily act"
    }

    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
        pass: &'a mut Pass,
    ) -> JobFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let now = pass.now;
            // Servers are taken a batch at a time (each by one process of a fleet); the
            // threads their posts open wait until no more posts are due.
            let servers = servers_per_pass(ctx);
            let due = ctx
                .store
                .take_due_daily(now.timestamp_millis(), &ctx.lease(now), servers)
                .await?;
            pass.more_posts_due = due.len() as i64 >= servers;
            // A few servers at a time, so that one server's database work overlaps another's
            // request: the pace is the delivery's, and this keeps it from waiting on the
            // database.
            let handled: Vec<TickReport> = futures::stream::iter(due)
                .map(|config| async move {
                    let mut handled = TickReport::default();
                    if !ctx.stopping()
                        && let Err(error) = handle_server(ctx, &config, now, &mut handled).await
                    {
                        tracing::error!(guild = config.guild_id.get(), error = %error, "daily post failed");
                    }
                    handled
                })
                .buffer_unordered(SERVERS_IN_FLIGHT)
                .collect()
                .await;
            for handled in handled {
                pass.report.absorb(handled);
            }
            Ok(())
        })
    }

    fn next_due<'a>(
        &'a self,
        ctx: &'a JobContext,
    ) -> JobFuture<'a, Result<Option<i64>, StoreError>> {
        Box::pin(ctx.store.earliest_daily_due())
    }

    fn owns(&self, post_job: &str) -> bool {
        [DAILY_JOB, KICKOFF_JOB, CLOSING_JOB].contains(&post_job)
    }

    fn rebuild<'a>(
        &'a self,
        ctx: &'a JobContext,
        post: &'a PostRecord,
        now: DateTime<Utc>,
    ) -> JobFuture<'a, anyhow::Result<Option<Outgoing>>> {
        Box::pin(rebuild(ctx, post, now))
    }
}

/// Servers taken for their daily post in one pass: `schedule.batch`, or fewer if this
/// process's share of the budget could not send them in half a lease (what it holds must not
/// lapse into another process's hands while it is still sending).
fn servers_per_pass(ctx: &JobContext) -> i64 {
    let Some(fleet) = &ctx.fleet else {
        return ctx.settings.batch;
    };
    let per_second = i64::from(fleet.current().per_second);
    let within_half_a_lease = per_second * ctx.settings.lease.num_seconds() / 2;
    ctx.settings.batch.min(within_half_a_lease.max(1))
}

async fn handle_server(
    ctx: &JobContext,
    config: &DailyConfig,
    now: DateTime<Utc>,
    report: &mut TickReport,
) -> anyhow::Result<()> {
    let (Some(schedule_text), Some(channel_id)) = (&config.schedule, config.channel_id) else {
        return Ok(());
    };
    let schedule = Schedule::from_storage(schedule_text)?;
    let tz = parse_timezone(&config.timezone)?;
    let done_through = config
        .next_at
        .map(|ms| DateTime::from_timestamp_millis(ms - 1).unwrap_or(now));
    // Work out the next due time first, so the server is not looked at again this minute
    // whatever happens below.
    let next = schedule
        .next_after(tz, now)
        .map(|f| f.at.timestamp_millis());
    let paused = config
        .paused_until
        .is_some_and(|until| until > now.timestamp_millis());
    match catch_up(&schedule, tz, done_through, now, ctx.settings.grace) {
        CatchUp::Nothing => {}
        _ if paused => tracing::info!(guild = config.guild_id.get(), "daily post paused"),
        CatchUp::TooLate(firing) => {
            ctx.skip_late(config.guild_id, DAILY_JOB, &firing, channel_id, now, report)
                .await?
        }
        CatchUp::Post(firing) => match holiday_day(config, firing.local.date()) {
            Some(day) if day.policy == OnBankHoliday::Skip => {
                let post = firing_post(config.guild_id, DAILY_JOB, &firing, channel_id);
                let reason = format!("skipped: {}", day.describe());
                if ctx.skip_firing(post, &reason, now).await? {
                    report.skipped_holiday += 1;
                }
            }
            holiday => {
                let day = Day {
                    tz,
                    channel_id,
                    firing: &firing,
                    holiday,
                };
                post_daily(ctx, config, &day, now, report).await?
            }
        },
    }
    ctx.store.set_daily_next_at(config.guild_id, next).await?;
    Ok(())
}

/// The day a daily post is for.
struct Day<'a> {
    tz: Tz,
    channel_id: ChannelId,
    firing: &'a Firing,
    /// The bank holiday the server keeps that day, if any (not one it skips).
    holiday: Option<HolidayDay>,
}

async fn post_daily(
    ctx: &JobContext,
    config: &DailyConfig,
    day: &Day<'_>,
    now: DateTime<Utc>,
    report: &mut TickReport,
) -> anyhow::Result<()> {
    let Day {
        tz,
        channel_id,
        firing,
        holiday,
    } = *day;
    let date = firing.local.date();
    let (week, holiday_settings) = day_settings(config, date, holiday);
    let acts = ctx.store.active_acts(Some(config.guild_id)).await?;
    let history = ctx
        .store
        .posted_act_slugs(config.guild_id, DAILY_JOB)
        .await?;
    let chosen_with = holiday_settings.as_ref().unwrap_or(config);
    let Some(act) = choose_for_day(&acts, chosen_with, date, week, &firing.slot, &history) else {
        tracing::warn!(
            guild = config.guild_id.get(),
            "no act fits this server's filters"
        );
        return Ok(());
    };
    let claim = ctx
        .claim(
            NewPost {
                guild_id: config.guild_id,
                job: DAILY_JOB,
                slot: &firing.slot,
                act_id: Some(act.id),
                channel_id: Some(channel_id),
                scheduled_for: firing.at.timestamp_millis(),
                thread_name: Some(&wins_thread_name(date)),
            },
            now,
        )
        .await?;
    let Claim::Won(post_id) = claim else {
        report.already_claimed += 1;
        return Ok(());
    };
    let campaign = Campaign {
        config,
        slot: &firing.slot,
        channel_id,
        now,
    };
    if let Some(week) = week
        && week.day_index(date) == Some(0)
    {
        campaign
            .announce(ctx, KICKOFF_JOB, report, |post_id| {
                Outgoing::AwarenessKickoff {
                    post_id,
                    channel_id,
                    week,
                }
            })
            .await?;
    }
    let outgoing = Outgoing::Daily(DailyPost {
        post_id,
        guild_id: config.guild_id,
        channel_id,
        act,
        local_date: date,
        awareness_day: week.and_then(|w| w.day_index(date)),
        holiday: greeting(holiday),
    });
    if ctx.send(config, post_id, &outgoing, report).await? {
        report.posted += 1;
    } else {
        report.failed += 1;
    }
    if let Some(week) = week
        && week.day_index(date) == Some(6)
    {
        let tally = awareness_tally(&ctx.store, config.guild_id, tz, week).await?;
        campaign
            .announce(ctx, CLOSING_JOB, report, |post_id| {
                Outgoing::AwarenessClosing {
                    post_id,
                    channel_id,
                    week,
                    acts_done: tally.acts as i64,
                    ways: tally.ways,
                }
            })
            .await?;
    }
    Ok(())
}

/// The day whose post a campaign post goes with.
struct Campaign<'a> {
    config: &'a DailyConfig,
    slot: &'a str,
    channel_id: ChannelId,
    now: DateTime<Utc>,
}

impl Campaign<'_> {
    /// Claims and sends a campaign post that goes with the day's post.
    async fn announce(
        &self,
        ctx: &JobContext,
        job: &str,
        report: &mut TickReport,
        build: impl FnOnce(PostId) -> Outgoing,
    ) -> Result<(), StoreError> {
        if let Claim::Won(post_id) = ctx
            .claim(
                NewPost {
                    guild_id: self.config.guild_id,
                    job,
                    slot: self.slot,
                    act_id: None,
                    channel_id: Some(self.channel_id),
                    scheduled_for: self.now.timestamp_millis(),
                    thread_name: None,
                },
                self.now,
            )
            .await?
        {
            ctx.send(self.config, post_id, &build(post_id), report)
                .await?;
        }
        Ok(())
    }
}

/// The holiday a post greets: only on a day the server asked for a greeting.
fn greeting(holiday: Option<HolidayDay>) -> Option<String> {
    holiday
        .filter(|h| h.policy == OnBankHoliday::Greeting)
        .map(|h| h.holiday.name.to_owned())
}

/// A claimed daily or campaign post, rebuilt from what the database holds.
async fn rebuild(
    ctx: &JobContext,
    post: &PostRecord,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<Outgoing>> {
    let Some(channel_id) = post.channel_id else {
        return Ok(None);
    };
    let Some(config) = ctx.store.daily_config(post.guild_id).await? else {
        return Ok(None);
    };
    let date = NaiveDate::parse_from_str(&post.slot[..10.min(post.slot.len())], "%Y-%m-%d")
        .unwrap_or(now.date_naive());
    let holiday = holiday_day(&config, date);
    let (week, _) = day_settings(&config, date, holiday);
    Ok(match post.job.as_str() {
        DAILY_JOB => {
            let Some(act_id) = post.act_id else {
                return Ok(None);
            };
            let Some(act) = ctx.store.act_by_id(act_id).await? else {
                return Ok(None);
            };
            Some(Outgoing::Daily(DailyPost {
                post_id: post.id,
                guild_id: post.guild_id,
                channel_id,
                act,
                local_date: date,
                awareness_day: week.and_then(|w| w.day_index(date)),
                holiday: greeting(holiday),
            }))
        }
        KICKOFF_JOB => week.map(|week| Outgoing::AwarenessKickoff {
            post_id: post.id,
            channel_id,
            week,
        }),
        CLOSING_JOB => match week {
            Some(week) => {
                let tz = parse_timezone(&config.timezone)?;
                let tally = awareness_tally(&ctx.store, post.guild_id, tz, week).await?;
                Some(Outgoing::AwarenessClosing {
                    post_id: post.id,
                    channel_id,
                    week,
                    acts_done: tally.acts as i64,
                    ways: tally.ways,
                })
            }
            None => None,
        },
        _ => None,
    })
}
