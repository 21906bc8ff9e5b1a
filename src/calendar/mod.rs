//! Calendar maths, the lowest layer: days, times of day, quiet hours, cron expressions, time
//! zones, and when a schedule written in a server's local wall time fires, turned into real
//! instants by explicit daylight-saving rules, with the catch-up policy after downtime.
//!
//! Pure maths: no clock, no I/O, nothing from the rest of the crate but `echo` (to quote what
//! people typed back to them). Callers pass `now` and the server's time zone.
//!
//! The daylight-saving rules (users were burned by bots that got these wrong):
//! - a local time that does not exist (spring forward) fires at the first instant after the
//!   gap: Europe/London 01:30 on 2026-03-29 fires at 02:00 BST (01:00 UTC);
//! - a local time that happens twice (fall back) fires once, at its first occurrence:
//!   Europe/London 01:30 on 2026-10-25 fires at 00:30 UTC only;
//! - several local times that land on the same instant fire once.
//!
//! The `cron` crate alone gets both wrong when handed a time zone (it skips the missing time
//! and fires twice at the repeated one), so cron expressions are evaluated on naive local wall
//! times (as if they were UTC) and each local time is mapped to an instant by the rules above.
//!
//! One concern a file: `days`, `times` (and quiet hours), `cron`, `schedule` (what people
//! write, storage, descriptions), `local_time` (the daylight-saving rules), `firing` (the
//! search), `catch_up`, `zones`, `bank_holidays` (the UK's, by nation), and `error` for the
//! messages people see.

mod bank_holidays;
mod catch_up;
mod cron;
mod days;
mod error;
mod firing;
mod local_time;
mod schedule;
mod times;
mod zones;

pub use bank_holidays::{
    BankHoliday, Nation, ONE_OFFS, OneOff, UK_TIME_ZONE, bank_holiday, bank_holidays,
    server_holiday,
};
pub use catch_up::{CatchUp, DEFAULT_GRACE, catch_up};
pub use cron::CompiledCron;
pub use days::Days;
pub use error::ScheduleError;
pub use firing::Firing;
pub use local_time::{local_wall_time, resolve_local};
pub use schedule::{Schedule, weekly_round};
pub use times::{QuietHours, parse_time};
pub use zones::{COMMON_TIME_ZONES, DEFAULT_TIME_ZONE, parse_timezone, timezone_suggestions};

/// What the unit tests of every part share.
#[cfg(test)]
mod testing {
    use chrono::{DateTime, Datelike, NaiveDateTime, Utc, Weekday};
    use chrono_tz::{Australia, Europe, Tz};

    use super::{Firing, Schedule};

    pub const LONDON: Tz = Europe::London;
    pub const SYDNEY: Tz = Australia::Sydney;

    /// "2026-03-29 01:00" as a UTC instant.
    pub fn utc(text: &str) -> DateTime<Utc> {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M")
            .unwrap_or_else(|e| panic!("bad test instant {text:?}: {e}"))
            .and_utc()
    }

    /// "2026-03-29 01:30" as a naive local wall time.
    pub fn local(text: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M")
            .unwrap_or_else(|e| panic!("bad test local time {text:?}: {e}"))
    }

    pub fn daily(time: &str, days: &str) -> Schedule {
        Schedule::daily(time, days).unwrap()
    }

    pub fn cron(expression: &str) -> Schedule {
        Schedule::cron(expression).unwrap()
    }

    pub fn instants(firings: &[Firing]) -> Vec<DateTime<Utc>> {
        firings.iter().map(|f| f.at).collect()
    }

    pub fn weekdays_of(firings: &[Firing]) -> Vec<Weekday> {
        firings.iter().map(|f| f.local.weekday()).collect()
    }
}
