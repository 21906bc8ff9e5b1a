//! Local wall time and real instants: the daylight-saving rules of this bot (see `calendar`),
//! in one place.

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The local wall time in `tz` at an instant.
pub fn local_wall_time(tz: Tz, at: DateTime<Utc>) -> NaiveDateTime {
    at.with_timezone(&tz).naive_local()
}

/// The instant a local wall time fires at, by this bot's rules: a time in a spring-forward gap
/// fires at the first instant after the gap; a time repeated by a fall-back fires at its first
/// occurrence.
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local).earliest() {
        Some(at) => at.with_timezone(&Utc),
        None => end_of_gap(tz, local),
    }
}

/// The first instant whose local time is at or after `local`, which sits in a gap.
///
/// chrono-tz has no "next transition" query, so this bisects on whole seconds. UTC offsets
/// lie within -12h..+14h, so 26 hours either side of `local` read as UTC brackets the answer;
/// in a gap the local time can only jump over `local` forwards, so the boundary found is the
/// end of the gap that contains it.
fn end_of_gap(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let reaches = |seconds: i64| {
        DateTime::from_timestamp(seconds, 0)
            .map(|at| local_wall_time(tz, at) >= local)
            .unwrap_or(true)
    };
    let guess = local.and_utc().timestamp();
    let (mut before, mut after) = (guess - 26 * 3600, guess + 26 * 3600);
    while after - before > 1 {
        let middle = before + (after - before) / 2;
        if reaches(middle) {
            after = middle;
        } else {
            before = middle;
        }
    }
    DateTime::from_timestamp(after, 0).unwrap_or_else(|| local.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Australia;

    use crate::calendar::testing::{LONDON, local, utc};

    #[test]
    fn half_hour_gap_resolves_to_its_end() {
        // Lord Howe Island moves 02:00 -> 02:30 (+10:30 -> +11) on 2026-10-04.
        let at = resolve_local(Australia::Lord_Howe, local("2026-10-04 02:15"));
        assert_eq!(at, utc("2026-10-03 15:30"));
        assert_eq!(
            resolve_local(LONDON, local("2026-03-29 01:00")),
            utc("2026-03-29 01:00")
        );
        assert_eq!(
            resolve_local(LONDON, local("2026-03-29 01:59")),
            utc("2026-03-29 01:00")
        );
        assert_eq!(
            resolve_local(LONDON, local("2026-03-29 02:00")),
            utc("2026-03-29 01:00")
        );
        assert_eq!(
            resolve_local(LONDON, local("2026-10-25 01:00")),
            utc("2026-10-25 00:00")
        );
    }
}
