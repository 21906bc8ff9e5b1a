//! The buddy side of check-ins, each a job: pairing buddies when a round is due, telling the
//! buddies of anyone gone quiet, and sending queued direct messages once the recipient's quiet
//! hours are over.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

use super::checkins::a_little_later;
use super::context::{JobContext, MAX_ATTEMPTS, backoff_ms};
use super::outgoing::Outgoing;
use super::report::{Pass, TickReport};
use super::{Job, JobFuture};
use crate::calendar::{Schedule, local_wall_time, resolve_local};
use crate::checkins::{Checkins, QueueDm, buddy_round_text, gone_quiet_text, only_one_text, seed};
use crate::ids::{MemberId, PostId};
use crate::store::{BuddySettings, Claim, NewPost, PostRecord, StoreError};

/// A buddy round is claimed as a post with this job, one per server and local date.
pub const BUDDY_ROUND_JOB: &str = "buddy-round";

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
}
