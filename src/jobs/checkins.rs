//! The timed parts of check-ins, each a job: posting each check-in (same exactly-once and
//! catch-up rules as the daily post), closing pulses, buddy rounds, gone-quiet nudges, and
//! sending direct messages once the recipient's quiet hours are over.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

use super::context::{JobContext, MAX_ATTEMPTS, backoff_ms};
use super::outgoing::{CheckinPost, Outgoing, checkin_thread_name};
use super::report::{Pass, TickReport};
use super::{Job, JobFuture};
use crate::calendar::{
    CatchUp, Schedule, catch_up, local_wall_time, parse_timezone, resolve_local,
};
use crate::checkins::{
    CheckinStyle, Checkins, PulseResult, QueueDm, add_up, buddy_round_text, gone_quiet_text,
    only_one_text, seed,
};
use crate::ids::{CheckinId, MemberId, PostId, RunId};
use crate::store::{BuddySettings, CheckinRecord, Claim, NewPost, NewRun, PostRecord, StoreError};

/// Posts of check-in #N have the job "checkin:N".
pub const CHECKIN_JOB_PREFIX: &str = "checkin:";
/// A buddy round is claimed as a post with this job, one per server and local date.
pub const BUDDY_ROUND_JOB: &str = "buddy-round";
/// The totals of a closed pulse: job "pulse-results", slot the run's id.
pub const PULSE_RESULTS_JOB: &str = "pulse-results";

pub fn checkin_job(id: CheckinId) -> String {
    format!("{CHECKIN_JOB_PREFIX}{id}")
}

/// After an error a job is looked at again in a few minutes, not on every pass (its due time
/// would otherwise stay in the past and keep the scheduler spinning).
fn a_little_later(now: DateTime<Utc>) -> Option<i64> {
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

/// Pairs each server's buddies when their round is due.
pub struct BuddyRoundJob(pub Arc<Checkins>);

impl Job for BuddyRoundJob {
    fn name(&self) -> &'static str {
        "buddy rounds"
    }

    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
        pass: &'a mut Pass,
    ) -> JobFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let now = pass.now;
            for settings in ctx.store.due_buddy_rounds(now.timestamp_millis()).await? {
                if ctx.stopping() {
                    return Ok(());
                }
                if let Err(error) =
                    buddy_round(ctx, &self.0, &settings, now, &mut pass.report).await
                {
                    tracing::error!(
                        guild = settings.guild_id.get(),
                        error = format!("{error:#}"),
                        "buddy round failed"
                    );
                    ctx.store
                        .set_buddy_next_at(settings.guild_id, a_little_later(now))
                        .await?;
                }
            }
            Ok(())
        })
    }

    fn owns(&self, post_job: &str) -> bool {
        post_job == BUDDY_ROUND_JOB
    }

    /// A round whose process stopped: paired now if it never was; if its groups were stored,
    /// it is done (its direct messages were queued with them).
    fn finish_own_way<'a>(
        &'a self,
        ctx: &'a JobContext,
        post: &'a PostRecord,
        pass: &'a mut Pass,
    ) -> Option<JobFuture<'a, Result<(), StoreError>>> {
        Some(Box::pin(async move {
            let now = pass.now;
            let Some(settings) = ctx.store.buddy_settings(post.guild_id).await? else {
                return ctx
                    .store
                    .mark_post_done(post.id, now.timestamp_millis())
                    .await;
            };
            if ctx.store.round_has_groups(post.id).await? {
                return ctx
                    .store
                    .mark_post_done(post.id, now.timestamp_millis())
                    .await;
            }
            if let Err(error) = pair_and_announce(
                ctx,
                &self.0,
                &settings,
                post.id,
                &post.slot,
                now,
                &mut pass.report,
            )
            .await
            {
                ctx.store
                    .mark_post_failed(post.id, &format!("{error:#}"), None)
                    .await?;
            }
            Ok(())
        }))
    }
}

/// Hourly: tells the buddies of anyone gone quiet, where a server turned that on.
pub struct GoneQuietJob {
    checkins: Arc<Checkins>,
    /// When the gone-quiet nudges were last looked for in this process.
    last_looked: Mutex<Option<DateTime<Utc>>>,
}

impl GoneQuietJob {
    pub fn new(checkins: Arc<Checkins>) -> GoneQuietJob {
        GoneQuietJob {
            checkins,
            last_looked: Mutex::new(None),
        }
    }
}

impl Job for GoneQuietJob {
    fn name(&self) -> &'static str {
        "gone-quiet nudges"
    }

    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
        pass: &'a mut Pass,
    ) -> JobFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let now = pass.now;
            {
                let mut last = self.last_looked.lock().expect("quiet clock");
                if last.is_some_and(|at| now - at < Duration::hours(1)) {
                    return Ok(());
                }
                *last = Some(now);
            }
            if let Err(error) = gone_quiet_nudges(ctx, &self.checkins, now).await {
                tracing::error!(error = %error, "gone-quiet nudges failed");
            }
            Ok(())
        })
    }
}

/// Sends the queued direct messages whose time has come.
pub struct DirectMessagesJob(pub Arc<Checkins>);

impl Job for DirectMessagesJob {
    fn name(&self) -> &'static str {
        "direct messages"
    }

    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
        pass: &'a mut Pass,
    ) -> JobFuture<'a, Result<(), StoreError>> {
        Box::pin(send_due_dms(ctx, &self.0, pass.now, &mut pass.report))
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
    let tz = parse_timezone(
        record
            .timezone
            .as_deref()
            .unwrap_or(&checkins.config.default_timezone),
    )?;
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

/// Pairs a server's buddies for the next round and queues each group's direct messages.
async fn buddy_round(
    ctx: &JobContext,
    checkins: &Checkins,
    settings: &BuddySettings,
    now: DateTime<Utc>,
    report: &mut TickReport,
) -> anyhow::Result<()> {
    let schedule = Schedule::from_storage(&settings.round_schedule)?;
    let tz = checkins.timezone(settings.guild_id).await?;
    let due = settings
        .next_at
        .and_then(DateTime::from_timestamp_millis)
        .unwrap_or(now);
    let slot = local_wall_time(tz, due).format("%Y-%m-%d").to_string();
    let next = next_round(&schedule, tz, due, settings.every_weeks, now);
    let claim = ctx
        .claim(
            NewPost {
                guild_id: settings.guild_id,
                job: BUDDY_ROUND_JOB,
                slot: &slot,
                act_id: None,
                channel_id: None,
                scheduled_for: due.timestamp_millis(),
                thread_name: None,
            },
            now,
        )
        .await?;
    if let Claim::Won(round_id) = claim
        && let Err(error) =
            pair_and_announce(ctx, checkins, settings, round_id, &slot, now, report).await
    {
        // Claimed but not done: recorded as failed, with why.
        ctx.store
            .mark_post_failed(round_id, &format!("{error:#}"), None)
            .await?;
        return Err(error);
    }
    ctx.store.set_buddy_next_at(settings.guild_id, next).await?;
    Ok(())
}

/// Pairs a claimed round, stores its groups and queues each member's direct message.
async fn pair_and_announce(
    ctx: &JobContext,
    checkins: &Checkins,
    settings: &BuddySettings,
    round_id: PostId,
    slot: &str,
    now: DateTime<Utc>,
    report: &mut TickReport,
) -> anyhow::Result<()> {
    let guild = settings.guild_id;
    let groups = checkins.plan_round(guild, slot, now).await?;
    ctx.store
        .insert_buddy_groups(round_id, guild, &groups)
        .await?;
    let server = checkins.server_name(guild).await?;
    if groups.is_empty() {
        // Only one person in pairing: nobody to pair them with yet, and they are told so
        // rather than left wondering.
        for member in ctx
            .store
            .active_buddies(guild, now.timestamp_millis())
            .await?
        {
            checkins
                .queue_dm(QueueDm {
                    guild_id: guild,
                    member_id: member,
                    about_member_id: None,
                    kind: "buddy-round",
                    body: &only_one_text(&server),
                })
                .await?;
        }
    }
    let mut rng = StdRng::seed_from_u64(seed(guild, slot));
    for group in &groups {
        let starter = checkins
            .bank
            .starters
            .choose(&mut rng)
            .map(|s| s.text.clone())
            .unwrap_or_default();
        for member in group {
            let others: Vec<MemberId> = group.iter().copied().filter(|m| m != member).collect();
            let text = buddy_round_text(&server, &others, settings.every_weeks, &starter);
            checkins
                .queue_dm(QueueDm {
                    guild_id: guild,
                    member_id: *member,
                    about_member_id: None,
                    kind: "buddy-round",
                    body: &text,
                })
                .await?;
        }
    }
    ctx.store
        .mark_post_done(round_id, now.timestamp_millis())
        .await?;
    tracing::info!(
        guild = guild.get(),
        members = groups.iter().map(Vec::len).sum::<usize>(),
        groups = groups.len(),
        "buddy round"
    );
    report.buddy_rounds += 1;
    Ok(())
}

/// Hourly: for servers that turned the nudge on, tells the buddies of anyone not seen for
/// the set number of days (once per round). Only ever the buddy, never the quiet member,
/// never the admins.
async fn gone_quiet_nudges(
    ctx: &JobContext,
    checkins: &Checkins,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    for settings in ctx.store.servers_with_gone_quiet().await? {
        let Some(days) = settings.gone_quiet_days else {
            continue;
        };
        let guild = settings.guild_id;
        let cutoff = (now - Duration::days(days)).timestamp_millis();
        let quiet = ctx
            .store
            .quiet_buddies(guild, cutoff, now.timestamp_millis())
            .await?;
        let quiet_ids: Vec<MemberId> = quiet.iter().map(|q| q.member_id).collect();
        let server = checkins.server_name(guild).await?;
        for member in &quiet {
            // Claimed first, so two processes never both nudge.
            if !ctx
                .store
                .claim_nudge(member.round_id, member.member_id, now.timestamp_millis())
                .await?
            {
                continue;
            }
            for buddy in ctx
                .store
                .group_members(member.round_id, member.group_no, now.timestamp_millis())
                .await?
            {
                // Not the quiet member themselves, and not a buddy who is quiet too.
                if buddy == member.member_id || quiet_ids.contains(&buddy) {
                    continue;
                }
                let text = gone_quiet_text(member.member_id, &server);
                checkins
                    .queue_dm(QueueDm {
                        guild_id: guild,
                        member_id: buddy,
                        about_member_id: Some(member.member_id),
                        kind: "gone-quiet",
                        body: &text,
                    })
                    .await?;
            }
        }
    }
    Ok(())
}

/// Sends the direct messages whose time has come, unless the recipient's quiet hours
/// began since they were queued (then they wait again).
async fn send_due_dms(
    ctx: &JobContext,
    checkins: &Checkins,
    now: DateTime<Utc>,
    report: &mut TickReport,
) -> Result<(), StoreError> {
    // Claimed under a lease: another process sharing the database leaves them alone,
    // and takes them over if this one dies before sending.
    let lease = ctx.lease(now);
    for dm in ctx
        .store
        .claim_due_dms(now.timestamp_millis(), &lease, ctx.settings.batch)
        .await?
    {
        let allowed = checkins
            .next_allowed(dm.guild_id, dm.member_id, now)
            .await
            .unwrap_or(now);
        if allowed > now {
            ctx.store
                .postpone_dm(dm.id, allowed.timestamp_millis(), dm.attempts)
                .await?;
            continue;
        }
        let outgoing = Outgoing::DirectMessage {
            dm_id: dm.id,
            member_id: dm.member_id,
            text: dm.body.clone(),
        };
        match ctx.deliver.deliver(&outgoing).await {
            Ok(_) => {
                ctx.store.delete_dm(dm.id).await?;
                report.dms_sent += 1;
            }
            Err(error) if error.retryable() && dm.attempts + 1 < MAX_ATTEMPTS => {
                let attempts = dm.attempts + 1;
                ctx.store
                    .postpone_dm(
                        dm.id,
                        now.timestamp_millis() + backoff_ms(attempts),
                        attempts,
                    )
                    .await?;
            }
            Err(error) => {
                // Direct messages turned off, or Discord kept failing: it is dropped (it
                // would only be stale later), and the reason logged without its text.
                tracing::warn!(guild = dm.guild_id.get(), kind = %dm.kind, error = %error, "could not send a direct message");
                ctx.store.delete_dm(dm.id).await?;
            }
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

/// The round after one due at `due`: `every_weeks` later on the round's day and time, and
/// never in the past (after downtime, rounds are not replayed).
///
/// Counted in local dates, not hours, so a clock change in between moves nothing: the round is
/// on the round's day `every_weeks` weeks on, at its local time.
fn next_round(
    schedule: &Schedule,
    tz: chrono_tz::Tz,
    due: DateTime<Utc>,
    every_weeks: i64,
    now: DateTime<Utc>,
) -> Option<i64> {
    let step = chrono::Days::new(7 * every_weeks.max(1) as u64);
    let mut date = local_wall_time(tz, due).date();
    for _ in 0..520 {
        date = date.checked_add_days(step)?;
        // The first firing on or after that date's start.
        let start = resolve_local(tz, date.and_time(chrono::NaiveTime::MIN));
        let next = schedule.next_after(tz, start - Duration::seconds(1))?;
        if next.at > now {
            return Some(next.at.timestamp_millis());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn rounds_repeat_every_n_weeks_and_never_in_the_past() {
        let tz: chrono_tz::Tz = "Europe/London".parse().unwrap();
        let mondays = Schedule::when("mon 10:00").unwrap();
        let due = Utc.with_ymd_and_hms(2026, 11, 23, 10, 0, 0).unwrap();
        let fortnight = next_round(&mondays, tz, due, 2, due).unwrap();
        assert_eq!(
            fortnight,
            Utc.with_ymd_and_hms(2026, 12, 7, 10, 0, 0)
                .unwrap()
                .timestamp_millis()
        );
        let weekly = next_round(&mondays, tz, due, 1, due).unwrap();
        assert_eq!(
            weekly,
            Utc.with_ymd_and_hms(2026, 11, 30, 10, 0, 0)
                .unwrap()
                .timestamp_millis()
        );
        // Down for five weeks: the next round is the next one on the fortnightly rhythm
        // after now, not a backlog.
        let later = due + Duration::weeks(5);
        let after_downtime = next_round(&mondays, tz, due, 2, later).unwrap();
        assert_eq!(
            after_downtime,
            Utc.with_ymd_and_hms(2027, 1, 4, 10, 0, 0)
                .unwrap()
                .timestamp_millis()
        );
    }

    #[test]
    fn rounds_keep_their_local_time_across_a_clock_change() {
        let tz: chrono_tz::Tz = "Europe/London".parse().unwrap();
        let mondays = Schedule::when("mon 10:00").unwrap();
        // 19 October 2026, 10:00 BST; the clocks go back on the 25th.
        let due = Utc.with_ymd_and_hms(2026, 10, 19, 9, 0, 0).unwrap();
        assert_eq!(
            next_round(&mondays, tz, due, 1, due).unwrap(),
            Utc.with_ymd_and_hms(2026, 10, 26, 10, 0, 0)
                .unwrap()
                .timestamp_millis(),
            "a week on, still 10:00 local (now GMT)"
        );
        assert_eq!(
            next_round(&mondays, tz, due, 2, due).unwrap(),
            Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0)
                .unwrap()
                .timestamp_millis()
        );
    }

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
