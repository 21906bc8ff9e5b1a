//! Check-ins and their pulse, each a job: posting each check-in (same exactly-once and
//! catch-up rules as the daily post), and closing each pulse when its time is up. The buddy
//! side is in `buddies`.

use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

use super::context::{JobContext, firing_post};
use super::outgoing::{CheckinPost, Outgoing, checkin_thread_name};
use super::report::{Pass, TickReport};
use super::{Job, JobFuture};
use crate::calendar::{CatchUp, Schedule, catch_up, local_wall_time, parse_timezone};
use crate::checkins::{CheckinStyle, Checkins, PulseResult, add_up, holiday_skipped};
use crate::ids::{CheckinId, PostId, RunId};
use crate::store::{CheckinRecord, Claim, NewPost, NewRun, PostRecord, StoreError};

/// Posts of check-in #N have the job "checkin:N".
pub const CHECKIN_JOB_PREFIX: &str = "checkin:";
/// The totals of a closed pulse: job "pulse-results", slot the run's id.
pub const PULSE_RESULTS_JOB: &str = "pulse-results";

pub fn checkin_job(id: CheckinId) -> String {
    format!("{CHECKIN_JOB_PREFIX}{id}")
}

/// After an error a job is looked at again in a few minutes, not on every pass (its due time
/// would otherwise stay in the past and keep the scheduler spinning).
pub(super) fn a_little_later(now: DateTime<Utc>) -> Option<i64> {
    Some((now + Duration::minutes(5)).timestamp_millis())
}

/// Posts each check-in that is due.
pub struct CheckinJob(pub Arc<Checkins>);

impl Job for CheckinJob {
    fn name(&self) -> &'static str {
        "check-ins"
    }

    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
        pass: &'a mut Pass,
    ) -> JobFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let now = pass.now;
            for record in ctx
                .store
                .due_checkins(now.timestamp_millis(), ctx.settings.batch)
                .await?
            {
                if ctx.stopping() {
                    return Ok(());
                }
                if let Err(error) =
                    handle_checkin(ctx, &self.0, &record, now, &mut pass.report).await
                {
                    tracing::error!(
                        guild = record.guild_id.get(),
                        checkin = record.id.get(),
                        error = format!("{error:#}"),
                        "check-in failed"
                    );
                    ctx.store
                        .set_checkin_next_at(record.id, a_little_later(now))
                        .await?;
                }
            }
            Ok(())
        })
    }

    fn next_due<'a>(
        &'a self,
        ctx: &'a JobContext,
    ) -> JobFuture<'a, Result<Option<i64>, StoreError>> {
        Box::pin(ctx.store.earliest_checkin_due())
    }

    fn owns(&self, post_job: &str) -> bool {
        post_job.starts_with(CHECKIN_JOB_PREFIX)
    }

    fn rebuild<'a>(
        &'a self,
        ctx: &'a JobContext,
        post: &'a PostRecord,
        now: DateTime<Utc>,
    ) -> JobFuture<'a, anyhow::Result<Option<Outgoing>>> {
        Box::pin(checkin_outgoing(ctx, &self.0, post, now))
    }
}

/// Closes each pulse whose time is up and posts its totals.
pub struct PulseCloseJob(pub Arc<Checkins>);

impl Job for PulseCloseJob {
    fn name(&self) -> &'static str {
        "pulse results"
    }

    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
        pass: &'a mut Pass,
    ) -> JobFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let now = pass.now;
            for run_id in ctx.store.runs_to_close(now.timestamp_millis()).await? {
                if ctx.stopping() {
                    return Ok(());
                }
                if let Err(error) = close_pulse(ctx, &self.0, run_id, now, &mut pass.report).await {
                    tracing::error!(run = run_id.get(), error = %error, "closing a pulse failed");
                }
            }
            Ok(())
        })
    }

    fn owns(&self, post_job: &str) -> bool {
        post_job == PULSE_RESULTS_JOB
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
            let Some(run) = ctx.store.run(post.slot.parse()?).await? else {
                return Ok(None);
            };
            pulse_outgoing(&self.0, &run, post.id, channel_id, now).await
        })
    }
}

async fn handle_checkin(
    ctx: &JobContext,
    checkins: &Checkins,
    record: &CheckinRecord,
    now: DateTime<Utc>,
    report: &mut TickReport,
) -> anyhow::Result<()> {
    let schedule = Schedule::from_storage(&record.schedule)?;
    let zone = record
        .timezone
        .as_deref()
        .unwrap_or(&checkins.config.default_timezone);
    let tz = parse_timezone(zone)?;
    let done_through = record
        .next_at
        .map(|ms| DateTime::from_timestamp_millis(ms - 1).unwrap_or(now));
    let next = schedule
        .next_after(tz, now)
        .map(|f| f.at.timestamp_millis());
    let paused = record
        .paused_until
        .is_some_and(|until| until > now.timestamp_millis());
    let job = checkin_job(record.id);
    let channel_id = record.channel_id;
    match catch_up(&schedule, tz, done_through, now, ctx.settings.grace) {
        CatchUp::Nothing => {}
        _ if paused => tracing::info!(
            guild = record.guild_id.get(),
            checkin = record.id.get(),
            "check-in paused"
        ),
        CatchUp::TooLate(firing) => {
            ctx.skip_late(record.guild_id, &job, &firing, channel_id, now, report)
                .await?
        }
        CatchUp::Post(firing) if holiday_skipped(record, zone, firing.local.date()).is_some() => {
            if let Some((nation, holiday)) = holiday_skipped(record, zone, firing.local.date()) {
                let post = firing_post(record.guild_id, &job, &firing, channel_id);
                let reason = format!("skipped: {}", holiday.describe(nation));
                if ctx.skip_firing(post, &reason, now).await? {
                    report.skipped_holiday += 1;
                }
            }
        }
        CatchUp::Post(firing) => {
            let style = CheckinStyle::parse(&record.style).unwrap_or(CheckinStyle::Both);
            let thread_name = style
                .has_thread()
                .then(|| checkin_thread_name(&check_in_title(firing.local)));
            let claim = ctx
                .claim(
                    NewPost {
                        guild_id: record.guild_id,
                        job: &job,
                        slot: &firing.slot,
                        act_id: None,
                        channel_id: Some(channel_id),
                        scheduled_for: firing.at.timestamp_millis(),
                        thread_name: thread_name.as_deref(),
                    },
                    now,
                )
                .await?;
            match claim {
                Claim::AlreadyClaimed => report.already_claimed += 1,
                Claim::Won(post_id) => {
                    let posted = post_checkin(
                        ctx,
                        checkins,
                        ClaimedCheckin {
                            record,
                            tz,
                            firing: &firing,
                            post_id,
                        },
                        now,
                        report,
                    )
                    .await;
                    if let Err(error) = posted {
                        // Claimed but not posted: recorded as failed, with why, rather
                        // than left looking claimed.
                        ctx.store
                            .mark_post_failed(post_id, &format!("{error:#}"), None)
                            .await?;
                        return Err(error);
                    }
                }
            }
        }
    }
    ctx.store.set_checkin_next_at(record.id, next).await?;
    Ok(())
}

/// Posts a claimed check-in: its prompt (no repeats until the bank is used up), its run
/// (where the pulse is counted) and the message itself.
async fn post_checkin(
    ctx: &JobContext,
    checkins: &Checkins,
    claimed: ClaimedCheckin<'_>,
    now: DateTime<Utc>,
    report: &mut TickReport,
) -> anyhow::Result<()> {
    let ClaimedCheckin {
        record,
        tz,
        firing,
        post_id,
    } = claimed;
    let channel_id = record.channel_id;
    let style = CheckinStyle::parse(&record.style).unwrap_or(CheckinStyle::Both);
    let closes = now + checkins.config.open_for;
    let (run_id, prompt) = open_run(ctx, checkins, record, post_id, &firing.slot, now).await?;
    let outgoing = Outgoing::Checkin(CheckinPost {
        post_id,
        run_id,
        channel_id,
        prompt: prompt.text.clone(),
        style,
        title: check_in_title(firing.local),
        closes: closing_time(tz, firing.at, closes),
        min_answers: checkins.config.min_answers,
    });
    let config = ctx.store.daily_config(record.guild_id).await?;
    let sent = match &config {
        Some(config) => ctx.send(config, post_id, &outgoing, report).await?,
        None => false,
    };
    if sent {
        report.checkins += 1;
    } else {
        report.failed += 1;
    }
    Ok(())
}

/// A claimed check-in post rebuilt from the database, to send again (a retry, or a
/// takeover of a claim whose process stopped): the run it opened, or a new run if its
/// process stopped before opening one.
async fn checkin_outgoing(
    ctx: &JobContext,
    checkins: &Checkins,
    post: &PostRecord,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<Outgoing>> {
    let Some(channel_id) = post.channel_id else {
        return Ok(None);
    };
    let tz = checkins
        .timezone(post.guild_id)
        .await
        .unwrap_or(crate::calendar::DEFAULT_TIME_ZONE);
    let scheduled = DateTime::from_timestamp_millis(post.scheduled_for).unwrap_or(now);
    let run = match ctx.store.run_for_post(post.id).await? {
        Some(run) => run,
        None => {
            let Some(checkin_id) = post
                .job
                .strip_prefix(CHECKIN_JOB_PREFIX)
                .and_then(|id| id.parse().ok())
            else {
                return Ok(None);
            };
            let Some(record) = ctx.store.checkin(post.guild_id, checkin_id).await? else {
                return Ok(None);
            };
            let (run_id, _) = open_run(ctx, checkins, &record, post.id, &post.slot, now).await?;
            let Some(run) = ctx.store.run(run_id).await? else {
                return Ok(None);
            };
            run
        }
    };
    let Some(prompt) = checkins.bank.prompt(&run.prompt_id) else {
        return Ok(None);
    };
    let closes = DateTime::from_timestamp_millis(run.closes_at).unwrap_or(now);
    Ok(Some(Outgoing::Checkin(CheckinPost {
        post_id: post.id,
        run_id: run.id,
        channel_id,
        prompt: prompt.text.clone(),
        style: CheckinStyle::parse(&run.style).unwrap_or(CheckinStyle::Both),
        title: check_in_title(local_wall_time(tz, scheduled)),
        closes: closing_time(tz, now, closes),
        min_answers: checkins.config.min_answers,
    })))
}

/// Opens the run of a claimed check-in post (where its pulse is counted), with its prompt:
/// none repeats until the bank is used up. Returns the run's id and the prompt.
async fn open_run(
    ctx: &JobContext,
    checkins: &Checkins,
    record: &CheckinRecord,
    post_id: PostId,
    slot: &str,
    now: DateTime<Utc>,
) -> Result<(RunId, crate::checkins::Prompt), StoreError> {
    let history = ctx.store.prompt_history(record.guild_id).await?;
    let prompt = checkins.choose_prompt(record.guild_id, slot, &history);
    let style = CheckinStyle::parse(&record.style).unwrap_or(CheckinStyle::Both);
    let run_id = ctx
        .store
        .insert_run(&NewRun {
            guild_id: record.guild_id,
            checkin_id: record.id,
            post_id,
            prompt_id: &prompt.id,
            style: style.as_str(),
            opened_at: now.timestamp_millis(),
            closes_at: (now + checkins.config.open_for).timestamp_millis(),
        })
        .await?;
    Ok((run_id, prompt))
}

/// The totals of a closed pulse, rebuilt from the run (its post is `post_id`).
async fn pulse_outgoing(
    checkins: &Checkins,
    run: &crate::store::RunRecord,
    post_id: PostId,
    channel_id: crate::ids::ChannelId,
    now: DateTime<Utc>,
) -> anyhow::Result<Option<Outgoing>> {
    let tz = checkins.timezone(run.guild_id).await?;
    let opened = DateTime::from_timestamp_millis(run.opened_at).unwrap_or(now);
    Ok(Some(Outgoing::PulseResults {
        post_id,
        channel_id,
        title: check_in_title(local_wall_time(tz, opened)),
        result: PulseResult {
            answers: run.answers.unwrap_or(0),
            counts: run.counts(),
        },
        min_answers: checkins.config.min_answers,
    }))
}

/// Adds up a pulse whose time is up, deletes its answers, and posts the totals (or, with
/// too few answers, only that there were too few to show). The totals' post is claimed
/// in the same transaction as the closing, so it cannot be stranded.
async fn close_pulse(
    ctx: &JobContext,
    checkins: &Checkins,
    run_id: RunId,
    now: DateTime<Utc>,
    report: &mut TickReport,
) -> anyhow::Result<()> {
    let min_answers = checkins.config.min_answers;
    let Some(open) = ctx.store.run(run_id).await? else {
        return Ok(());
    };
    let style = CheckinStyle::parse(&open.style).unwrap_or(CheckinStyle::Both);
    // Totals go where the check-in went (its thread, else its channel), if it went out.
    let results_to = match (open.thread_id.or(open.channel_id), open.message_id) {
        (Some(channel), Some(_)) if style.has_pulse() => Some(channel),
        _ => None,
    };
    let slot = run_id.to_string();
    let results_post = results_to.map(|channel| NewPost {
        guild_id: open.guild_id,
        job: PULSE_RESULTS_JOB,
        slot: &slot,
        act_id: None,
        channel_id: Some(channel),
        scheduled_for: now.timestamp_millis(),
        thread_name: None,
    });
    let lease = ctx.lease(now);
    let Some((run, post_id)) = ctx
        .store
        .close_run_claiming_results(
            run_id,
            now.timestamp_millis(),
            results_post.as_ref().map(|post| (post, &lease)),
            |scores| {
                let result = add_up(scores, min_answers);
                (result.answers, result.counts)
            },
        )
        .await?
    else {
        return Ok(());
    };
    report.pulses_closed += 1;
    let (Some(post_id), Some(channel)) = (post_id, results_to) else {
        return Ok(());
    };
    match pulse_outgoing(checkins, &run, post_id, channel, now).await? {
        Some(outgoing) => {
            // A failure is retried by recovery while retrying can help.
            let _ = ctx.settle(post_id, 0, &outgoing, report).await?;
        }
        None => {
            ctx.store
                .mark_post_failed(post_id, "the check-ins are not running here", None)
                .await?;
        }
    }
    Ok(())
}

/// A check-in firing whose post this process claimed, to post now.
struct ClaimedCheckin<'a> {
    record: &'a CheckinRecord,
    /// The server's time zone.
    tz: chrono_tz::Tz,
    firing: &'a crate::calendar::Firing,
    post_id: PostId,
}

/// "Monday 14:00 check-in".
fn check_in_title(local: chrono::NaiveDateTime) -> String {
    local.format("%A %H:%M check-in").to_string()
}

/// When a pulse closes, in local time: "22:00", or "Tue 02:00" when not on the same day.
fn closing_time(tz: chrono_tz::Tz, opened: DateTime<Utc>, closes: DateTime<Utc>) -> String {
    let (from, to) = (local_wall_time(tz, opened), local_wall_time(tz, closes));
    if from.date() == to.date() {
        to.format("%H:%M").to_string()
    } else {
        to.format("%a %H:%M").to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn closing_times_say_the_day_when_it_changes() {
        let tz: chrono_tz::Tz = "Europe/London".parse().unwrap();
        let opened = Utc.with_ymd_and_hms(2026, 11, 23, 14, 0, 0).unwrap();
        assert_eq!(
            closing_time(tz, opened, opened + Duration::hours(8)),
            "22:00"
        );
        let night = Utc.with_ymd_and_hms(2026, 11, 23, 19, 30, 0).unwrap();
        assert_eq!(
            closing_time(tz, night, night + Duration::hours(8)),
            "Tue 03:30"
        );
    }
}
