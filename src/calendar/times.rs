//! Times of day: the 24-hour "HH:MM" people type, and quiet hours (a range of local times,
//! possibly over midnight, in which no direct message is sent).

use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Tz;

use super::{ScheduleError, local_wall_time, resolve_local};

/// A 24-hour "HH:MM" (or "H:MM") local time. Anything else is refused with an example rather
/// than guessed at: a post at the wrong hour is worse than a clear error.
pub fn parse_time(text: &str) -> Result<NaiveTime, ScheduleError> {
    let bad = |reason: &str| ScheduleError::BadTime {
        input: text.to_string(),
        reason: reason.to_string(),
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(bad("no time given"));
    }
    let lower = trimmed.to_lowercase();
    if lower.ends_with("am") || lower.ends_with("pm") {
        return Err(bad(&twelve_hour_hint(&lower)));
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let Some((hour, minute)) = trimmed.split_once(':') else {
        return Err(bad("expected hours and minutes separated by a colon"));
    };
    if !digits(hour) || hour.len() > 2 || !digits(minute) || minute.len() != 2 {
        return Err(bad(
            "expected one or two digits for the hour and two for the minutes",
        ));
    }
    let (hour, minute): (u32, u32) = (hour.parse().unwrap_or(99), minute.parse().unwrap_or(99));
    if hour > 23 {
        return Err(bad("the hour must be 00 to 23"));
    }
    if minute > 59 {
        return Err(bad("the minutes must be 00 to 59"));
    }
    NaiveTime::from_hms_opt(hour, minute, 0).ok_or_else(|| bad("not a time of day"))
}

/// Says what a 12-hour time is on the 24-hour clock: "2pm" is "14:00".
fn twelve_hour_hint(lower: &str) -> String {
    let (number, pm) = (&lower[..lower.len() - 2], lower.ends_with("pm"));
    let (hour, minute) = number
        .trim()
        .split_once(':')
        .unwrap_or((number.trim(), "00"));
    match (hour.parse::<u32>(), minute.parse::<u32>()) {
        (Ok(hour @ 1..=12), Ok(minute @ 0..=59)) => {
            let hour = hour % 12 + if pm { 12 } else { 0 };
            format!("12-hour times are not accepted: {lower:?} is \"{hour:02}:{minute:02}\"")
        }
        _ => "12-hour times are not accepted (\"9am\" is \"09:00\", \"5pm\" is \"17:00\")".into(),
    }
}

/// From `start` up to (not including) `end`, local time; over midnight when `start > end`.
/// Equal times mean no quiet hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl QuietHours {
    /// "21:00-08:00" (an en dash works too), or "off".
    pub fn parse(text: &str) -> Result<QuietHours, ScheduleError> {
        let text = text.trim();
        if matches!(text.to_lowercase().as_str(), "off" | "none" | "") {
            return Ok(QuietHours::off());
        }
        let (start, end) = text
            .split_once(['-', '–'])
            .ok_or_else(|| ScheduleError::BadTime {
                input: text.to_string(),
                reason: "quiet hours are two times with a dash between, e.g. \"21:00-08:00\""
                    .into(),
            })?;
        Ok(QuietHours {
            start: parse_time(start)?,
            end: parse_time(end)?,
        })
    }

    pub fn off() -> QuietHours {
        QuietHours {
            start: NaiveTime::MIN,
            end: NaiveTime::MIN,
        }
    }

    pub fn is_off(&self) -> bool {
        self.start == self.end
    }

    pub fn contains(&self, time: NaiveTime) -> bool {
        if self.start < self.end {
            self.start <= time && time < self.end
        } else if self.start > self.end {
            time >= self.start || time < self.end
        } else {
            false
        }
    }

    /// `now` if it is outside the quiet hours in `tz`, else the instant they end.
    pub fn next_allowed(&self, tz: Tz, now: DateTime<Utc>) -> DateTime<Utc> {
        let local = local_wall_time(tz, now);
        if !self.contains(local.time()) {
            return now;
        }
        // Inside: they end today if the end is still ahead, else tomorrow (over midnight).
        let date = if local.time() < self.end {
            local.date()
        } else {
            local.date() + Duration::days(1)
        };
        resolve_local(tz, date.and_time(self.end)).max(now)
    }

    /// "21:00–08:00" or "none".
    pub fn describe(&self) -> String {
        if self.is_off() {
            "none".into()
        } else {
            format!(
                "{}–{}",
                self.start.format("%H:%M"),
                self.end.format("%H:%M")
            )
        }
    }

    /// The stored pair of "HH:MM" times.
    pub fn to_storage(&self) -> (String, String) {
        (
            self.start.format("%H:%M").to_string(),
            self.end.format("%H:%M").to_string(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    use crate::calendar::Schedule;

    fn london() -> Tz {
        "Europe/London".parse().unwrap()
    }

    #[test]
    fn times_parse() {
        assert_eq!(
            parse_time("09:00").unwrap(),
            NaiveTime::from_hms_opt(9, 0, 0).unwrap()
        );
        assert_eq!(
            parse_time("9:05").unwrap(),
            NaiveTime::from_hms_opt(9, 5, 0).unwrap()
        );
        assert_eq!(
            parse_time(" 23:59 ").unwrap(),
            NaiveTime::from_hms_opt(23, 59, 0).unwrap()
        );
        assert_eq!(parse_time("00:00").unwrap(), NaiveTime::MIN);
    }

    #[test]
    fn bad_times_explain_and_give_an_example() {
        let cases = [
            ("25:00", "the hour must be 00 to 23"),
            ("24:00", "the hour must be 00 to 23"),
            ("12:60", "the minutes must be 00 to 59"),
            ("9am", "12-hour times are not accepted"),
            ("9:30 PM", "12-hour times are not accepted"),
            ("", "no time given"),
            ("   ", "no time given"),
            ("9", "colon"),
            ("0900", "colon"),
            ("9:5", "two for the minutes"),
            ("09:00:00", "two for the minutes"),
            ("-1:00", "digits"),
            ("nine:00", "digits"),
        ];
        for (text, reason) in cases {
            let error = Schedule::daily(text, "every day").unwrap_err();
            assert!(
                matches!(error, ScheduleError::BadTime { .. }),
                "{text:?}: {error:?}"
            );
            let message = error.to_string();
            assert!(message.contains(reason), "{text:?}: {message}");
            assert!(message.contains("\"09:00\""), "{message}");
        }
    }

    #[test]
    fn quiet_hours_over_midnight_hold_messages_until_morning() {
        let quiet = QuietHours::parse("21:00-08:00").unwrap();
        let evening = Utc.with_ymd_and_hms(2026, 11, 23, 22, 15, 0).unwrap();
        assert_eq!(
            quiet.next_allowed(london(), evening),
            Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap()
        );
        let small_hours = Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap();
        assert_eq!(
            quiet.next_allowed(london(), small_hours),
            Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap()
        );
        let day = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        assert_eq!(quiet.next_allowed(london(), day), day);
        // The end itself is no longer quiet; the start is.
        assert!(!quiet.contains(NaiveTime::from_hms_opt(8, 0, 0).unwrap()));
        assert!(quiet.contains(NaiveTime::from_hms_opt(21, 0, 0).unwrap()));
    }

    #[test]
    fn quiet_hours_follow_the_local_clock_in_summer() {
        let quiet = QuietHours::parse("21:00–08:00").unwrap();
        // 21:30 BST is 20:30 UTC: quiet until 08:00 BST = 07:00 UTC.
        let evening = Utc.with_ymd_and_hms(2026, 6, 10, 20, 30, 0).unwrap();
        assert_eq!(
            quiet.next_allowed(london(), evening),
            Utc.with_ymd_and_hms(2026, 6, 11, 7, 0, 0).unwrap()
        );
    }

    #[test]
    fn bad_quiet_hours_say_how_to_write_them() {
        let error = QuietHours::parse("9pm to 8am").unwrap_err().to_string();
        assert!(error.contains("21:00-08:00"), "{error}");
        assert!(QuietHours::parse("off").unwrap().is_off());
        let never = QuietHours::off();
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 3, 0, 0).unwrap();
        assert_eq!(never.next_allowed(london(), now), now);
    }
}
