//! Finding firings: from an instant, the next firing of a schedule or the latest one, each a
//! real instant with the nominal local time and slot it stands for.
//!
//! A schedule names local wall times; `resolve_local` maps each to an instant by the
//! daylight-saving rules. Several local times can land on one instant (a time in a gap and the
//! one just after it); they fire once, as the earliest of them, whichever way the search goes.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;

use super::{Days, Schedule, local_wall_time, resolve_local};

/// One firing: the real instant, the nominal local wall time it stands for, and the slot key
/// that makes it exactly-once.
///
/// `slot` is "YYYY-MM-DD" for daily schedules (one post per local date) and
/// "YYYY-MM-DDTHH:MM" for cron and several times a day. It comes from the NOMINAL local time, so a firing moved by a
/// daylight-saving gap keeps its own date (Sydney 02:30 on 2026-10-04 fires at 16:00 UTC on
/// the 3rd but is still the slot "2026-10-04").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Firing {
    pub at: DateTime<Utc>,
    pub local: NaiveDateTime,
    pub slot: String,
}

/// How far the other way (in local time) a search starts, so that every local time which
/// could map to an instant on the searched side of the one asked about is seen, even across a
/// day-long gap (Samoa, 2011).
const SEARCH_MARGIN: Duration = Duration::days(2);
/// A guard against runaway loops; an hourly schedule needs about 100 steps at most.
const MAX_STEPS: usize = 10_000;

/// Which way a search walks through time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// To the first firing strictly after an instant.
    Forward,
    /// To the latest firing at or before an instant.
    Backward,
}

impl Direction {
    /// Whether `candidate` lies on the searched side of `bound`: strictly after it going
    /// forward, at or before it going back. The same test serves local times and instants.
    fn reached<T: PartialOrd>(self, candidate: T, bound: T) -> bool {
        match self {
            Direction::Forward => candidate > bound,
            Direction::Backward => candidate <= bound,
        }
    }

    /// Where a search from the local time `local` starts: [`SEARCH_MARGIN`] the other way.
    fn start(self, local: NaiveDateTime) -> NaiveDateTime {
        match self {
            Direction::Forward => local - SEARCH_MARGIN,
            Direction::Backward => local + SEARCH_MARGIN,
        }
    }

    /// The cursor from which the next step finds the nominal time beyond `nominal`: strictly
    /// after it going forward, at or before the second before it going back (nominal times
    /// are whole seconds).
    fn beyond(self, nominal: NaiveDateTime) -> NaiveDateTime {
        match self {
            Direction::Forward => nominal,
            Direction::Backward => nominal - Duration::seconds(1),
        }
    }

    fn next_date(self, date: NaiveDate) -> Option<NaiveDate> {
        match self {
            Direction::Forward => date.succ_opt(),
            Direction::Backward => date.pred_opt(),
        }
    }
}

impl Schedule {
    /// The first firing strictly after `after`.
    pub fn next_after(&self, tz: Tz, after: DateTime<Utc>) -> Option<Firing> {
        self.search(tz, after, Direction::Forward)
    }

    /// The next `n` firings strictly after `after`, each at a distinct instant.
    pub fn upcoming(&self, tz: Tz, after: DateTime<Utc>, n: usize) -> Vec<Firing> {
        let mut firings = Vec::with_capacity(n.min(64));
        let mut cursor = after;
        while firings.len() < n {
            let Some(firing) = self.next_after(tz, cursor) else {
                break;
            };
            cursor = firing.at;
            firings.push(firing);
        }
        firings
    }

    /// Firings strictly after `after` and at or before `until`, oldest first, at most `limit`.
    /// For logging what downtime skipped.
    pub fn firings_between(
        &self,
        tz: Tz,
        after: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: usize,
    ) -> Vec<Firing> {
        let mut firings = Vec::new();
        let mut cursor = after;
        while firings.len() < limit {
            match self.next_after(tz, cursor) {
                Some(firing) if firing.at <= until => {
                    cursor = firing.at;
                    firings.push(firing);
                }
                _ => break,
            }
        }
        firings
    }

    /// The latest firing at or before `now`.
    pub fn latest_at_or_before(&self, tz: Tz, now: DateTime<Utc>) -> Option<Firing> {
        self.search(tz, now, Direction::Backward)
    }

    /// The one walker behind both searches: from a margin on the other side of `from`, step
    /// through the nominal local times in `direction`, resolving each to an instant, until one
    /// lands on the searched side of `from`.
    fn search(&self, tz: Tz, from: DateTime<Utc>, direction: Direction) -> Option<Firing> {
        let mut cursor = direction.start(local_wall_time(tz, from));
        for _ in 0..MAX_STEPS {
            let nominal = self.nominal(cursor, direction)?;
            let at = resolve_local(tz, nominal);
            if direction.reached(at, from) {
                let first = self.first_sharing(tz, nominal, at, direction);
                return Some(self.firing(first, at));
            }
            cursor = direction.beyond(nominal);
        }
        None
    }

    /// The earliest local time of the group firing at `at` that `nominal` belongs to, so both
    /// directions report the same firing (and slot).
    fn first_sharing(
        &self,
        tz: Tz,
        nominal: NaiveDateTime,
        at: DateTime<Utc>,
        direction: Direction,
    ) -> NaiveDateTime {
        // Local times map to instants in order, so going forward the first one past the bound
        // is already the earliest of any group sharing its instant. Going back it is the latest.
        if direction == Direction::Forward {
            return nominal;
        }
        let mut first = nominal;
        while let Some(earlier) = self.nominal(first - Duration::seconds(1), Direction::Backward) {
            if resolve_local(tz, earlier) != at {
                break;
            }
            first = earlier;
        }
        first
    }

    fn firing(&self, local: NaiveDateTime, at: DateTime<Utc>) -> Firing {
        let slot = match self {
            Schedule::Daily { .. } => local.format("%Y-%m-%d").to_string(),
            Schedule::Cron { .. } | Schedule::Times { .. } => {
                local.format("%Y-%m-%dT%H:%M").to_string()
            }
        };
        Firing { at, local, slot }
    }

    /// The next nominal local wall time from `t` in `direction`: the first strictly after `t`
    /// going forward, the last at or before `t` going back.
    fn nominal(&self, t: NaiveDateTime, direction: Direction) -> Option<NaiveDateTime> {
        match self {
            Schedule::Daily { time, days } => {
                nominal_on_days(std::slice::from_ref(time), days, t, direction)
            }
            Schedule::Times { times, days } => nominal_on_days(times, days, t, direction),
            Schedule::Cron { compiled, .. } => match direction {
                Direction::Forward => compiled.next_after(t),
                Direction::Backward => compiled.at_or_before(t),
            },
        }
    }
}

/// [`Schedule::nominal`] for sorted times of day on some days, checked date by date from
/// `t`'s own. Eight dates cover `t`'s date and a whole week past it.
fn nominal_on_days(
    times: &[NaiveTime],
    days: &Days,
    t: NaiveDateTime,
    direction: Direction,
) -> Option<NaiveDateTime> {
    let mut date = t.date();
    for _ in 0..8 {
        if days.includes(date.weekday()) {
            let mut on_date = times.iter().map(|time| date.and_time(*time));
            let found = match direction {
                Direction::Forward => on_date.find(|at| direction.reached(*at, t)),
                Direction::Backward => on_date.rev().find(|at| direction.reached(*at, t)),
            };
            if found.is_some() {
                return found;
            }
        }
        date = direction.next_date(date)?;
    }
    None
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, Duration, TimeZone, Utc, Weekday};
    use chrono_tz::Tz;

    use crate::calendar::Schedule;
    use crate::calendar::testing::{
        LONDON, SYDNEY, cron, daily, instants, local, utc, weekdays_of,
    };

    #[test]
    fn spring_forward_missing_time_fires_at_end_of_gap() {
        let s = daily("01:30", "every day");
        let first = s.next_after(LONDON, utc("2026-03-28 12:00")).unwrap();
        assert_eq!(first.at, utc("2026-03-29 01:00"));
        assert_eq!(first.local, local("2026-03-29 01:30"));
        assert_eq!(first.slot, "2026-03-29");
        let second = s.next_after(LONDON, first.at).unwrap();
        assert_eq!(second.at, utc("2026-03-30 00:30"));
        assert_eq!(second.slot, "2026-03-30");
    }

    #[test]
    fn fall_back_repeated_time_fires_once_at_first_occurrence() {
        let s = daily("01:30", "every");
        let first = s.next_after(LONDON, utc("2026-10-24 12:00")).unwrap();
        assert_eq!(first.at, utc("2026-10-25 00:30"));
        assert_eq!(first.slot, "2026-10-25");
        // Not again at the second 01:30 (01:30 UTC): next is the following day.
        let second = s.next_after(LONDON, first.at).unwrap();
        assert_eq!(second.at, utc("2026-10-26 01:30"));
        assert_eq!(second.slot, "2026-10-26");
        // Looking back from during the repeated hour finds the first occurrence, even when
        // the local clock (01:10 GMT) now reads earlier than the firing's own 01:30.
        let back = s
            .latest_at_or_before(LONDON, utc("2026-10-25 01:10"))
            .unwrap();
        assert_eq!(back.at, utc("2026-10-25 00:30"));
        assert_eq!(back.slot, "2026-10-25");
        let back = s
            .latest_at_or_before(LONDON, utc("2026-10-25 01:45"))
            .unwrap();
        assert_eq!(back.at, utc("2026-10-25 00:30"));
    }

    #[test]
    fn nine_am_is_eight_utc_in_summer_and_nine_in_winter() {
        let s = daily("09:00", "daily");
        assert_eq!(
            s.next_after(LONDON, utc("2026-07-01 00:00")).unwrap().at,
            utc("2026-07-01 08:00")
        );
        assert_eq!(
            s.next_after(LONDON, utc("2026-12-01 00:00")).unwrap().at,
            utc("2026-12-01 09:00")
        );
    }

    #[test]
    fn fortnight_across_spring_forward() {
        let start = utc("2026-03-22 00:00");
        let nine = daily("09:00", "every day");
        let expected: Vec<_> = (22..=28)
            .map(|d| utc(&format!("2026-03-{d} 09:00")))
            .chain((29..=31).map(|d| utc(&format!("2026-03-{d} 08:00"))))
            .chain((1..=4).map(|d| utc(&format!("2026-04-0{d} 08:00"))))
            .collect();
        assert_eq!(instants(&nine.upcoming(LONDON, start, 14)), expected);
        let window = nine.firings_between(LONDON, start, utc("2026-04-05 00:00"), 100);
        assert_eq!(instants(&window), expected);

        let early = daily("01:30", "every day");
        let expected: Vec<_> = (22..=28)
            .map(|d| utc(&format!("2026-03-{d} 01:30")))
            .chain([utc("2026-03-29 01:00")])
            .chain((30..=31).map(|d| utc(&format!("2026-03-{d} 00:30"))))
            .chain((1..=4).map(|d| utc(&format!("2026-04-0{d} 00:30"))))
            .collect();
        let window = early.firings_between(LONDON, start, utc("2026-04-05 00:00"), 100);
        assert_eq!(window.len(), 14);
        assert_eq!(instants(&window), expected);
        let slots: Vec<_> = window.iter().map(|f| f.slot.as_str()).collect();
        assert_eq!(slots[7], "2026-03-29");
    }

    #[test]
    fn fortnight_across_fall_back() {
        let start = utc("2026-10-17 23:00"); // local midnight starting 18 October (BST)
        let end = utc("2026-11-01 00:00"); // local midnight ending 31 October (GMT)
        let nine = daily("09:00", "every day");
        let expected: Vec<_> = (18..=24)
            .map(|d| utc(&format!("2026-10-{d} 08:00")))
            .chain((25..=31).map(|d| utc(&format!("2026-10-{d} 09:00"))))
            .collect();
        assert_eq!(
            instants(&nine.firings_between(LONDON, start, end, 100)),
            expected
        );
        assert_eq!(instants(&nine.upcoming(LONDON, start, 14)), expected);

        let early = daily("01:30", "every day");
        let expected: Vec<_> = (18..=25)
            .map(|d| utc(&format!("2026-10-{d} 00:30")))
            .chain((26..=31).map(|d| utc(&format!("2026-10-{d} 01:30"))))
            .collect();
        let window = early.firings_between(LONDON, start, end, 100);
        assert_eq!(window.len(), 14);
        assert_eq!(instants(&window), expected);
        let dates: Vec<_> = window.iter().map(|f| f.local.day()).collect();
        assert_eq!(dates, (18..=31).collect::<Vec<_>>());
    }

    #[test]
    fn sydney_gap_in_october_fires_at_end_of_gap_but_keeps_its_date() {
        // 2026-10-04 02:00 AEST jumps to 03:00 AEDT (= 16:00 UTC on the 3rd).
        let s = daily("02:30", "every day");
        let firing = s.next_after(SYDNEY, utc("2026-10-03 00:00")).unwrap();
        assert_eq!(firing.at, utc("2026-10-03 16:00"));
        assert_eq!(firing.local, local("2026-10-04 02:30"));
        assert_eq!(firing.slot, "2026-10-04");
        // The day before is AEST (+10), the day after AEDT (+11).
        let before = s.next_after(SYDNEY, utc("2026-10-02 00:00")).unwrap();
        assert_eq!(before.at, utc("2026-10-02 16:30"));
        let after = s.next_after(SYDNEY, firing.at).unwrap();
        assert_eq!(after.at, utc("2026-10-04 15:30"));
    }

    #[test]
    fn sydney_overlap_in_april_fires_once_at_first_occurrence() {
        // 2026-04-05 03:00 AEDT falls back to 02:00 AEST: 02:30 happens at 15:30 and 16:30 UTC.
        for s in [daily("02:30", "every day"), cron("30 2 * * *")] {
            let firing = s.next_after(SYDNEY, utc("2026-04-04 00:00")).unwrap();
            assert_eq!(firing.at, utc("2026-04-04 15:30"));
            assert_eq!(firing.local, local("2026-04-05 02:30"));
            let next = s.next_after(SYDNEY, firing.at).unwrap();
            assert_eq!(next.at, utc("2026-04-05 16:30"));
            assert_eq!(next.local, local("2026-04-06 02:30"));
        }
        let gap = cron("30 2 * * *")
            .next_after(SYDNEY, utc("2026-10-03 00:00"))
            .unwrap();
        assert_eq!(gap.at, utc("2026-10-03 16:00"));
        assert_eq!(gap.slot, "2026-10-04T02:30");
    }

    #[test]
    fn daily_lists_leap_day() {
        let s = daily("09:00", "every day");
        let slots: Vec<_> = s
            .upcoming(LONDON, utc("2028-02-28 00:00"), 3)
            .into_iter()
            .map(|f| f.slot)
            .collect();
        assert_eq!(slots, ["2028-02-28", "2028-02-29", "2028-03-01"]);
        let slots: Vec<_> = s
            .upcoming(LONDON, utc("2027-02-28 00:00"), 2)
            .into_iter()
            .map(|f| f.slot)
            .collect();
        assert_eq!(slots, ["2027-02-28", "2027-03-01"]);
    }

    #[test]
    fn daily_schedules_skip_days_not_chosen() {
        // 2026-06-05 is a Friday.
        let after = utc("2026-06-05 12:00");
        let weekdays = daily("09:00", "weekdays").upcoming(LONDON, after, 3);
        assert_eq!(
            weekdays_of(&weekdays),
            [Weekday::Mon, Weekday::Tue, Weekday::Wed]
        );
        assert_eq!(weekdays[0].at, utc("2026-06-08 08:00"));
        let weekends = daily("09:00", "weekends").upcoming(LONDON, after, 3);
        assert_eq!(
            weekdays_of(&weekends),
            [Weekday::Sat, Weekday::Sun, Weekday::Sat]
        );
        let mwf = daily("09:00", "mon,wed,fri").upcoming(LONDON, after, 4);
        assert_eq!(
            weekdays_of(&mwf),
            [Weekday::Mon, Weekday::Wed, Weekday::Fri, Weekday::Mon]
        );
        assert_eq!(mwf[2].slot, "2026-06-12");
    }

    #[test]
    fn cron_across_london_changes() {
        let s = cron("30 1 * * *");
        let spring = s.upcoming(LONDON, utc("2026-03-28 12:00"), 2);
        assert_eq!(
            instants(&spring),
            [utc("2026-03-29 01:00"), utc("2026-03-30 00:30")]
        );
        assert_eq!(spring[0].slot, "2026-03-29T01:30");
        let fall = s.upcoming(LONDON, utc("2026-10-24 12:00"), 2);
        assert_eq!(
            instants(&fall),
            [utc("2026-10-25 00:30"), utc("2026-10-26 01:30")]
        );
        // Six-field form with seconds behaves the same.
        let fall6 = cron("0 30 1 * * *").upcoming(LONDON, utc("2026-10-24 12:00"), 2);
        assert_eq!(instants(&fall6), instants(&fall));
    }

    #[test]
    fn cron_times_inside_a_gap_collapse_to_one_firing() {
        let s = cron("0 1,2 * * *");
        // 01:00 local is in the gap and 02:00 BST is the instant after it: both are 01:00 UTC.
        let spring = s.upcoming(LONDON, utc("2026-03-28 12:00"), 4);
        assert_eq!(
            instants(&spring),
            [
                utc("2026-03-29 01:00"),
                utc("2026-03-30 00:00"),
                utc("2026-03-30 01:00"),
                utc("2026-03-31 00:00"),
            ]
        );
        assert_eq!(spring[0].slot, "2026-03-29T01:00");
        // Looking back reports the same firing (same slot), not the 02:00 twin.
        let back = s
            .latest_at_or_before(LONDON, utc("2026-03-29 01:30"))
            .unwrap();
        assert_eq!(back, spring[0]);
        // Fall back: 01:00 happens twice (first at 00:00 UTC), 02:00 GMT is 02:00 UTC.
        let fall = s.upcoming(LONDON, utc("2026-10-24 12:00"), 2);
        assert_eq!(
            instants(&fall),
            [utc("2026-10-25 00:00"), utc("2026-10-25 02:00")]
        );
    }

    #[test]
    fn hourly_cron_never_doubles_across_changes() {
        let s = cron("0 * * * *");
        let spring = s.firings_between(
            LONDON,
            utc("2026-03-28 23:30"),
            utc("2026-03-29 03:30"),
            100,
        );
        assert_eq!(
            instants(&spring),
            [
                utc("2026-03-29 00:00"),
                utc("2026-03-29 01:00"),
                utc("2026-03-29 02:00"),
                utc("2026-03-29 03:00"),
            ]
        );
        let fall = s.firings_between(
            LONDON,
            utc("2026-10-24 22:30"),
            utc("2026-10-25 03:30"),
            100,
        );
        assert_eq!(
            instants(&fall),
            [
                utc("2026-10-24 23:00"),
                utc("2026-10-25 00:00"),
                utc("2026-10-25 02:00"),
                utc("2026-10-25 03:00"),
            ]
        );
    }

    #[test]
    fn next_after_is_strictly_after_and_latest_includes_now() {
        for s in [daily("09:00", "every day"), cron("0 9 * * *")] {
            let at = utc("2026-01-10 09:00");
            let next = s.next_after(LONDON, at).unwrap();
            assert_eq!(next.at, utc("2026-01-11 09:00"));
            let just_before = s.next_after(LONDON, at - Duration::seconds(1)).unwrap();
            assert_eq!(just_before.at, at);
            let latest = s.latest_at_or_before(LONDON, at).unwrap();
            assert_eq!(latest.at, at);
            assert_eq!(latest.local, local("2026-01-10 09:00"));
            let earlier = s
                .latest_at_or_before(LONDON, at - Duration::seconds(1))
                .unwrap();
            assert_eq!(earlier.at, utc("2026-01-09 09:00"));
            let three = s.upcoming(LONDON, at, 3);
            assert_eq!(
                instants(&three),
                [
                    utc("2026-01-11 09:00"),
                    utc("2026-01-12 09:00"),
                    utc("2026-01-13 09:00")
                ]
            );
            assert!(s.upcoming(LONDON, at, 0).is_empty());
        }
    }

    #[test]
    fn searches_handle_sub_second_instants() {
        let s = cron("0 9 * * *");
        let at = utc("2026-01-10 09:00") + Duration::milliseconds(500);
        assert_eq!(
            s.next_after(LONDON, at).unwrap().at,
            utc("2026-01-11 09:00")
        );
        assert_eq!(
            s.latest_at_or_before(LONDON, at).unwrap().at,
            utc("2026-01-10 09:00")
        );
    }

    #[test]
    fn latest_skips_days_not_chosen() {
        // 2026-06-07 is a Sunday; the last weekday 09:00 was Friday the 5th.
        let s = daily("09:00", "weekdays");
        let latest = s
            .latest_at_or_before(LONDON, utc("2026-06-07 12:00"))
            .unwrap();
        assert_eq!(latest.at, utc("2026-06-05 08:00"));
        assert_eq!(latest.slot, "2026-06-05");
    }

    #[test]
    fn several_times_a_day_fire_once_each_with_their_own_slot() {
        let tz: Tz = "Europe/London".parse().unwrap();
        let handovers = Schedule::when("daily 07:30,19:30").unwrap();
        let start = Utc.with_ymd_and_hms(2026, 11, 23, 0, 0, 0).unwrap();
        let firings = handovers.upcoming(tz, start, 4);
        let slots: Vec<&str> = firings.iter().map(|f| f.slot.as_str()).collect();
        assert_eq!(
            slots,
            [
                "2026-11-23T07:30",
                "2026-11-23T19:30",
                "2026-11-24T07:30",
                "2026-11-24T19:30"
            ]
        );
        let evening = Utc.with_ymd_and_hms(2026, 11, 23, 21, 0, 0).unwrap();
        assert_eq!(
            handovers.latest_at_or_before(tz, evening).unwrap().slot,
            "2026-11-23T19:30"
        );
        // Only on the days asked for: Thursday's 14:00 follows Monday's.
        let weekly = Schedule::when("Mon,Thu 09:00, 14:00").unwrap();
        let monday_after = Utc.with_ymd_and_hms(2026, 11, 23, 15, 0, 0).unwrap();
        assert_eq!(
            weekly.next_after(tz, monday_after).unwrap().slot,
            "2026-11-26T09:00"
        );
        // A handover inside the spring-forward gap fires at the end of the gap, once.
        let night = Schedule::when("daily 01:30,13:30").unwrap();
        let before_gap = Utc.with_ymd_and_hms(2026, 3, 28, 14, 0, 0).unwrap();
        let firing = night.next_after(tz, before_gap).unwrap();
        assert_eq!(firing.slot, "2026-03-29T01:30");
        assert_eq!(
            firing.at,
            Utc.with_ymd_and_hms(2026, 3, 29, 1, 0, 0).unwrap()
        );
    }
}
