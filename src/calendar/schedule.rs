//! A schedule: one time of day on some days, several times of day, or a cron expression; how
//! people write it, how it is stored, and how it is described back to them.

use std::collections::BTreeSet;

use chrono::NaiveTime;

use super::cron::CompiledCron;
use super::{Days, ScheduleError, parse_time};

/// When a job fires, in a server's local wall time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    Daily {
        time: NaiveTime,
        days: Days,
    },
    Cron {
        /// As the user wrote it (whitespace tidied); shown back to them and stored.
        expression: String,
        compiled: CompiledCron,
    },
    /// Several times of day on some days ("07:30 and 19:30 every day"): a check-in at each
    /// shift handover. Sorted, no repeats, at least two (one time is `Daily`).
    Times {
        times: Vec<NaiveTime>,
        days: Days,
    },
}

impl Schedule {
    /// A time of day ("09:00", "9:05") on some days ("every day", "weekdays", "mon,wed,fri").
    pub fn daily(time: &str, days: &str) -> Result<Schedule, ScheduleError> {
        Ok(Schedule::Daily {
            time: parse_time(time)?,
            days: Days::parse(days)?,
        })
    }

    /// A cron expression: 5 fields (minute hour day-of-month month day-of-week) or 6 with
    /// seconds first; day-of-week 0 or 7 is Sunday, names like MON-FRI work. At most one
    /// firing an hour.
    pub fn cron(expression: &str) -> Result<Schedule, ScheduleError> {
        let expression = expression.split_whitespace().collect::<Vec<_>>().join(" ");
        let compiled = CompiledCron::compile(&expression)?;
        Ok(Schedule::Cron {
            expression,
            compiled,
        })
    }

    /// Stable text form for the database: "daily 09:00 weekdays", "cron 0 9 * * 1-5".
    pub fn to_storage(&self) -> String {
        match self {
            Schedule::Daily { time, days } => {
                format!("daily {} {}", time.format("%H:%M"), days.to_storage())
            }
            Schedule::Cron { expression, .. } => format!("cron {expression}"),
            Schedule::Times { times, days } => {
                format!("times {} {}", join_times(times, ","), days.to_storage())
            }
        }
    }

    /// Reads [`Schedule::to_storage`] back.
    pub fn from_storage(text: &str) -> Result<Schedule, ScheduleError> {
        let unrecognised = || ScheduleError::BadStoredSchedule {
            text: text.to_string(),
        };
        let (kind, rest) = text.trim().split_once(' ').ok_or_else(unrecognised)?;
        match kind {
            "daily" => {
                let (time, days) = rest.trim().split_once(' ').ok_or_else(unrecognised)?;
                Schedule::daily(time, days)
            }
            "cron" => Schedule::cron(rest),
            "times" => {
                let (times, days) = rest.trim().split_once(' ').ok_or_else(unrecognised)?;
                Schedule::when(&format!("{days} {times}"))
            }
            _ => Err(unrecognised()),
        }
    }

    /// For people: "09:00 every day", "07:30 on weekdays", "cron 0 9 * * 1-5".
    pub fn describe(&self) -> String {
        match self {
            Schedule::Daily { time, days } => {
                let time = time.format("%H:%M");
                match days {
                    Days::Every => format!("{time} every day"),
                    _ => format!("{time} on {}", days.describe()),
                }
            }
            Schedule::Cron { expression, .. } => format!("cron {expression}"),
            Schedule::Times { times, days } => {
                let times = join_times(times, " and ");
                match days {
                    Days::Every => format!("{times} every day"),
                    _ => format!("{times} on {}", days.describe()),
                }
            }
        }
    }

    /// What people type for a check-in: days then one or more times ("Mon,Thu 14:00",
    /// "daily 07:30,19:30", "weekdays 08:00 and 20:00", "19:30" for every day), or a cron
    /// expression ("0 7,19 * * *").
    pub fn when(text: &str) -> Result<Schedule, ScheduleError> {
        let text = text.trim();
        if looks_like_cron(text) {
            return Schedule::cron(text);
        }
        let mut times = BTreeSet::new();
        let mut days = Vec::new();
        for token in text
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|t| !t.is_empty())
        {
            let lower = token.to_lowercase();
            if token.contains(':') || lower.ends_with("am") || lower.ends_with("pm") {
                times.insert(parse_time(token)?);
            } else if !matches!(lower.as_str(), "at" | "and" | "on" | "&") {
                days.push(token);
            }
        }
        let days = if days.is_empty() {
            Days::Every
        } else {
            Days::parse(&days.join(","))?
        };
        let times: Vec<NaiveTime> = times.into_iter().collect();
        match times.as_slice() {
            [] => Err(ScheduleError::BadTime {
                input: text.to_string(),
                reason: "no time of day given".into(),
            }),
            [time] => Ok(Schedule::Daily { time: *time, days }),
            _ => Ok(Schedule::Times { times, days }),
        }
    }
}

fn join_times(times: &[NaiveTime], separator: &str) -> String {
    times
        .iter()
        .map(|t| t.format("%H:%M").to_string())
        .collect::<Vec<_>>()
        .join(separator)
}

/// Five or six fields of cron characters and no "HH:MM": what a cron expression looks like,
/// as opposed to "Mon,Thu 14:00".
fn looks_like_cron(text: &str) -> bool {
    let fields: Vec<&str> = text.split_whitespace().collect();
    (5..=6).contains(&fields.len())
        && !text.contains(':')
        && fields[0]
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '*' | ',' | '-' | '/'))
}

/// A weekly round's day and time: exactly one day and one time a week ("mon 10:00"), since
/// rounds then repeat every so many weeks from it.
pub fn weekly_round(text: &str) -> Result<Schedule, ScheduleError> {
    let schedule = Schedule::when(text)?;
    match &schedule {
        Schedule::Daily {
            days: Days::Only(days),
            ..
        } if days.len() == 1 => Ok(schedule),
        _ => Err(ScheduleError::NotWeekly {
            input: text.to_string(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::calendar::testing::{cron, daily};

    #[test]
    fn storage_round_trips() {
        let cases = [
            (daily("09:00", "every day"), "daily 09:00 every"),
            (daily("7:30", "Mon-Fri"), "daily 07:30 weekdays"),
            (daily("10:15", "weekends"), "daily 10:15 weekends"),
            (daily("18:00", "Fri Mon Wed"), "daily 18:00 mon,wed,fri"),
            (cron("0 9 * * 1-5"), "cron 0 9 * * 1-5"),
            (cron("  0  0 9 * * MON-FRI "), "cron 0 0 9 * * MON-FRI"),
        ];
        for (schedule, stored) in cases {
            assert_eq!(schedule.to_storage(), stored);
            assert_eq!(
                Schedule::from_storage(stored).unwrap(),
                schedule,
                "{stored}"
            );
        }
        for bad in ["", "daily", "weekly 09:00", "daily 09:00", "cron"] {
            assert!(
                matches!(
                    Schedule::from_storage(bad),
                    Err(ScheduleError::BadStoredSchedule { .. })
                ),
                "{bad:?}"
            );
        }
        assert!(matches!(
            Schedule::from_storage("daily 25:00 every"),
            Err(ScheduleError::BadTime { .. })
        ));
        assert!(matches!(
            Schedule::from_storage("cron * * * * *"),
            Err(ScheduleError::TooFrequent { .. })
        ));
    }

    #[test]
    fn descriptions() {
        assert_eq!(daily("09:00", "every").describe(), "09:00 every day");
        assert_eq!(daily("7:30", "weekdays").describe(), "07:30 on weekdays");
        assert_eq!(daily("10:00", "weekends").describe(), "10:00 on weekends");
        assert_eq!(
            daily("12:05", "mon,wed,fri").describe(),
            "12:05 on Mon, Wed and Fri"
        );
        assert_eq!(cron("0 9 * * 1-5").describe(), "cron 0 9 * * 1-5");
    }

    #[test]
    fn check_in_times_read_the_friendly_forms_and_cron() {
        let handovers = Schedule::when("daily 07:30,19:30").unwrap();
        assert_eq!(handovers.describe(), "07:30 and 19:30 every day");
        assert_eq!(handovers.to_storage(), "times 07:30,19:30 every");
        assert_eq!(
            Schedule::from_storage(&handovers.to_storage()).unwrap(),
            handovers
        );
        let twice_weekly = Schedule::when("Mon,Thu 14:00").unwrap();
        assert_eq!(twice_weekly, Schedule::daily("14:00", "mon,thu").unwrap());
        assert_eq!(
            Schedule::when("weekdays at 08:00 and 20:00").unwrap(),
            Schedule::Times {
                times: vec![
                    NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
                    NaiveTime::from_hms_opt(20, 0, 0).unwrap()
                ],
                days: Days::Weekdays,
            }
        );
        assert_eq!(
            Schedule::when("19:30").unwrap(),
            Schedule::daily("19:30", "every day").unwrap()
        );
        assert!(matches!(
            Schedule::when("0 7,19 * * *").unwrap(),
            Schedule::Cron { .. }
        ));
        let no_time = Schedule::when("mon,thu").unwrap_err().to_string();
        assert!(no_time.contains("no time of day given"), "{no_time}");
        let twelve_hour = Schedule::when("daily 7pm").unwrap_err().to_string();
        assert!(
            twelve_hour.contains("\"7pm\" is \"19:00\""),
            "{twelve_hour}"
        );
        let bad_day = Schedule::when("Mun 14:00").unwrap_err().to_string();
        assert!(bad_day.contains("not a day of the week"), "{bad_day}");
    }

    #[test]
    fn a_round_is_one_day_and_one_time_a_week() {
        assert!(weekly_round("mon 10:00").is_ok());
        assert!(weekly_round("Friday 15:30").is_ok());
        for not_weekly in ["10:00", "mon,thu 10:00", "mon 10:00,14:00", "0 10 * * 1"] {
            let error = weekly_round(not_weekly).unwrap_err().to_string();
            assert!(error.contains("mon 10:00"), "{not_weekly}: {error}");
        }
    }
}
