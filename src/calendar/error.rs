//! What is wrong with a schedule, a time or a time zone, in words fit to show the person who
//! typed it: what is wrong and an example that works.

use crate::echo::{mention_free, quote};

/// The most characters of a parser's reason shown (it can repeat the input).
const REASON_MAX: usize = 120;

/// The example every cron error shows, so people can copy something that works.
const CRON_EXAMPLE: &str = "\"0 9 * * 1-5\" (09:00 on weekdays)";

/// A schedule the user cannot use, with a message fit to show them: what is wrong and an
/// example that works.
#[derive(Debug, thiserror::Error, PartialEq, Eq, Clone)]
pub enum ScheduleError {
    #[error(
        "{} is not a time of day: {}. Use the 24-hour clock as HH:MM, e.g. \"09:00\" or \"17:30\".",
        quote(.input), mention_free(.reason, REASON_MAX)
    )]
    BadTime { input: String, reason: String },

    #[error(
        "{} is not a set of days: {}. Use \"every day\", \"weekdays\", \"weekends\" or a list of days, e.g. \"mon,wed,fri\".",
        quote(.input), mention_free(.reason, REASON_MAX)
    )]
    BadDays { input: String, reason: String },

    #[error(
        "{} is not a cron schedule I understand: {}. Use 5 fields (minute hour day-of-month month day-of-week), e.g. {CRON_EXAMPLE}.",
        quote(.input), mention_free(.reason, REASON_MAX)
    )]
    BadCron { input: String, reason: String },

    #[error(
        "{} fires more often than once an hour ({}); a daily post must not spam the channel. Use one minute per hour, e.g. {CRON_EXAMPLE}.",
        quote(.input), mention_free(.reason, REASON_MAX)
    )]
    TooFrequent { input: String, reason: String },

    #[error(
        "{} never fires: {}. Use a date that exists, e.g. \"0 9 1 * *\" (09:00 on the 1st of each month) or {CRON_EXAMPLE}.",
        quote(.input), mention_free(.reason, REASON_MAX)
    )]
    NeverFires { input: String, reason: String },

    #[error("{}", unknown_time_zone_message(.name, .suggestion.as_deref()))]
    UnknownTimeZone {
        name: String,
        suggestion: Option<String>,
    },

    #[error(
        "{} isn't one day and one time: buddy rounds start on one day of the week, every so many weeks. Write one day and one time, e.g. \"mon 10:00\".",
        quote(.input)
    )]
    NotWeekly { input: String },

    #[error(
        "stored schedule {text:?} is not recognised; expected e.g. \"daily 09:00 every\" or \"cron 0 9 * * 1-5\"."
    )]
    BadStoredSchedule { text: String },
}

fn unknown_time_zone_message(name: &str, suggestion: Option<&str>) -> String {
    match suggestion {
        Some(suggestion) => format!(
            "Unknown time zone {}. Did you mean {suggestion:?}? Time zones are IANA names, written Region/City, e.g. \"Europe/London\".",
            quote(name)
        ),
        None => format!(
            "Unknown time zone {}. Use an IANA name, e.g. \"Europe/London\" or \"America/New_York\" (start typing a city to see suggestions).",
            quote(name)
        ),
    }
}
