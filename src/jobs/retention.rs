//! Once a day: deletes wins past their retention, the data of servers the bot left long
//! enough ago (everything of theirs goes with them), stray pulse answers, and buddy rounds
//! older than pairing looks back.

use std::sync::Mutex;

use chrono::{DateTime, Utc};

use super::context::JobContext;
use super::report::Pass;
use super::{Job, JobFuture};
use crate::store::StoreError;

#[derive(Default)]
pub struct RetentionJob {
    /// When it last ran in this process.
    last_run: Mutex<Option<DateTime<Utc>>>,
}

impl Job for RetentionJob {
    fn name(&self) -> &'static str {
        "retention"
    }

    fn run<'a>(
        &'a self,
        ctx: &'a JobContext,
        pass: &'a mut Pass,
    ) -> JobFuture<'a, Result<(), StoreError>> {
        Box::pin(async move {
            let now = pass.now;
            {
                let mut last = self.last_run.lock().expect("retention clock");
                if last.is_some_and(|at| now - at < chrono::Duration::days(1)) {
                    return Ok(());
                }
                *last = Some(now);
            }
            // One process of a fleet runs it each day: the others find the day's turn taken.
            let day_ms = chrono::Duration::days(1).num_milliseconds();
            if !ctx
                .store
                .try_fleet_lock(
                    "retention",
                    &ctx.owner,
                    now.timestamp_millis(),
                    now.timestamp_millis() + day_ms - 60_000,
                )
                .await?
            {
                return Ok(());
            }
            let report = &mut pass.report;
            report.expired_wins = ctx
                .store
                .delete_wins_before((now - ctx.settings.wins_retention).timestamp_millis())
                .await?;
            report.expired_servers = ctx
                .store
                .delete_servers_left_before(
                    (now - ctx.settings.left_server_retention).timestamp_millis(),
                )
                .await?;
            // Wins a process of an older version stored without a date (during an upgrade).
            let dated = ctx.store.tally_undated_wins().await?;
            if dated > 0 {
                tracing::info!(wins = dated, "dated and tallied wins stored without a date");
            }
            let stray = ctx.store.delete_answers_of_closed_runs().await?;
            if stray > 0 {
                tracing::warn!(
                    answers = stray,
                    "deleted pulse answers left under closed check-ins"
                );
            }
            report.expired_buddy_rows = ctx
                .store
                .delete_buddy_rounds_before(
                    (now - crate::checkins::PAIRING_MEMORY).timestamp_millis(),
                )
                .await?;
            if report.expired_wins + report.expired_servers + report.expired_buddy_rows > 0 {
                tracing::info!(
                    wins = report.expired_wins,
                    servers = report.expired_servers,
                    buddy_rows = report.expired_buddy_rows,
                    "retention: deleted expired data"
                );
            }
            Ok(())
        })
    }
}
