//! The catch-up policy after downtime: post the latest missed firing if it is still timely,
//! never replay a backlog.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use super::{Firing, Schedule, local_wall_time};

/// How late a missed firing may still be posted after downtime.
pub const DEFAULT_GRACE: Duration = Duration::hours(2);

/// What to do about the time since the last check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CatchUp {
    /// Post this one now.
    Post(Firing),
    /// Nothing was due.
    Nothing,
    /// The latest due firing is too late (past the grace window or on an earlier local date):
    /// skip it. Never replay a backlog: yesterday's act posted today reads as a bug.
    TooLate(Firing),
}

/// Decides what a restarted (or regularly ticking) scheduler should do.
///
/// `done_through`: the instant up to which firings were already handled (claimed); firings at
/// or before it are not due again. `None` means nothing was ever handled, so the latest firing
/// counts as due; to avoid an immediate post when a server first sets a schedule, store the
/// setup time as `done_through`.
///
/// Only the latest firing at or before `now` is considered. It is posted if it is at most
/// `grace` late AND falls on the same local date as `now`; otherwise it is `TooLate`. Older
/// missed firings are never posted; [`Schedule::firings_between`] lists them for the log.
pub fn catch_up(
    schedule: &Schedule,
    tz: Tz,
    done_through: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    grace: Duration,
) -> CatchUp {
    let Some(latest) = schedule.latest_at_or_before(tz, now) else {
        return CatchUp::Nothing;
    };
    if done_through.is_some_and(|done| latest.at <= done) {
        return CatchUp::Nothing;
    }
    let late = now - latest.at;
    let same_local_date = local_wall_time(tz, latest.at).date() == local_wall_time(tz, now).date();
    if late <= grace && same_local_date {
        CatchUp::Post(latest)
    } else {
        CatchUp::TooLate(latest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::calendar::testing::{LONDON, cron, daily, local, utc};

    #[test]
    fn catch_up_nothing_due() {
        let s = daily("09:00", "every day");
        let done = Some(utc("2026-01-10 09:00"));
        assert_eq!(
            catch_up(&s, LONDON, done, utc("2026-01-10 20:00"), DEFAULT_GRACE),
            CatchUp::Nothing
        );
        // Done exactly through the latest firing, or beyond it.
        assert_eq!(
            catch_up(&s, LONDON, done, utc("2026-01-10 09:30"), DEFAULT_GRACE),
            CatchUp::Nothing
        );
        assert_eq!(
            catch_up(
                &s,
                LONDON,
                Some(utc("2026-01-10 09:10")),
                utc("2026-01-10 09:30"),
                DEFAULT_GRACE
            ),
            CatchUp::Nothing
        );
    }

    #[test]
    fn catch_up_posts_within_grace() {
        let s = daily("09:00", "every day");
        let done = Some(utc("2026-01-09 09:00"));
        let now = utc("2026-01-10 10:30");
        let CatchUp::Post(firing) = catch_up(&s, LONDON, done, now, DEFAULT_GRACE) else {
            panic!("expected a post");
        };
        assert_eq!(firing.at, utc("2026-01-10 09:00"));
        assert_eq!(firing.slot, "2026-01-10");
        // Exactly at the edge of the window still posts; on time posts too.
        assert!(matches!(
            catch_up(&s, LONDON, done, utc("2026-01-10 11:00"), DEFAULT_GRACE),
            CatchUp::Post(_)
        ));
        assert!(matches!(
            catch_up(&s, LONDON, done, utc("2026-01-10 09:00"), DEFAULT_GRACE),
            CatchUp::Post(_)
        ));
        // Never handled anything: the latest firing counts as due.
        assert!(matches!(
            catch_up(&s, LONDON, None, now, DEFAULT_GRACE),
            CatchUp::Post(_)
        ));
    }

    #[test]
    fn catch_up_three_hours_late_is_too_late() {
        let s = daily("09:00", "every day");
        let result = catch_up(
            &s,
            LONDON,
            Some(utc("2026-01-09 09:00")),
            utc("2026-01-10 12:00"),
            DEFAULT_GRACE,
        );
        let CatchUp::TooLate(firing) = result else {
            panic!("expected too late, got {result:?}");
        };
        assert_eq!(firing.at, utc("2026-01-10 09:00"));
        // A wider grace window would have posted it.
        assert!(matches!(
            catch_up(
                &s,
                LONDON,
                Some(utc("2026-01-09 09:00")),
                utc("2026-01-10 12:00"),
                Duration::hours(4)
            ),
            CatchUp::Post(_)
        ));
    }

    #[test]
    fn catch_up_across_local_midnight_is_too_late() {
        // 23:30 London firing, noticed 00:30 next day: within 2 h but a new local date.
        let s = daily("23:30", "every day");
        let result = catch_up(
            &s,
            LONDON,
            Some(utc("2026-01-09 23:30")),
            utc("2026-01-11 00:30"),
            DEFAULT_GRACE,
        );
        assert_eq!(
            result,
            CatchUp::TooLate(Firing {
                at: utc("2026-01-10 23:30"),
                local: local("2026-01-10 23:30"),
                slot: "2026-01-10".to_string(),
            })
        );
        // The local date matters, not the UTC date: in summer 23:30 BST is 22:30 UTC, and
        // 23:45 UTC is already tomorrow in London.
        let summer = catch_up(
            &s,
            LONDON,
            Some(utc("2026-07-09 22:30")),
            utc("2026-07-10 23:15"),
            DEFAULT_GRACE,
        );
        assert!(matches!(summer, CatchUp::TooLate(_)), "{summer:?}");
        let summer_same_day = catch_up(
            &s,
            LONDON,
            Some(utc("2026-07-09 22:30")),
            utc("2026-07-10 22:50"),
            DEFAULT_GRACE,
        );
        assert!(
            matches!(summer_same_day, CatchUp::Post(_)),
            "{summer_same_day:?}"
        );
    }

    #[test]
    fn catch_up_considers_only_the_latest_missed_firing() {
        // Down for three days: only today's firing is considered, and it is in time.
        let s = daily("09:00", "every day");
        let done = utc("2026-01-07 09:00");
        let now = utc("2026-01-10 09:45");
        assert_eq!(
            catch_up(&s, LONDON, Some(done), now, DEFAULT_GRACE),
            CatchUp::Post(Firing {
                at: utc("2026-01-10 09:00"),
                local: local("2026-01-10 09:00"),
                slot: "2026-01-10".to_string(),
            })
        );
        // The skipped ones are listable for the log.
        let skipped: Vec<_> = s
            .firings_between(
                LONDON,
                done,
                utc("2026-01-10 09:00") - Duration::seconds(1),
                10,
            )
            .into_iter()
            .map(|f| f.slot)
            .collect();
        assert_eq!(skipped, ["2026-01-08", "2026-01-09"]);
        // Several firings a day, two missed: only the later one, posted.
        let hourly = cron("0 9,10,11 * * *");
        let result = catch_up(
            &hourly,
            LONDON,
            Some(utc("2026-01-10 08:00")),
            utc("2026-01-10 11:20"),
            DEFAULT_GRACE,
        );
        let CatchUp::Post(firing) = result else {
            panic!("expected a post, got {result:?}");
        };
        assert_eq!(firing.slot, "2026-01-10T11:00");
    }

    #[test]
    fn catch_up_on_a_gap_day_posts_the_shifted_firing() {
        let s = daily("01:30", "every day");
        let result = catch_up(
            &s,
            LONDON,
            Some(utc("2026-03-28 01:30")),
            utc("2026-03-29 02:00"),
            DEFAULT_GRACE,
        );
        let CatchUp::Post(firing) = result else {
            panic!("expected a post, got {result:?}");
        };
        assert_eq!(firing.at, utc("2026-03-29 01:00"));
        assert_eq!(firing.slot, "2026-03-29");
    }
}
