//! Quiet hours: local hours in which no direct message is sent, and the shift patterns that
//! move them for people who sleep in the day.

use chrono::{DateTime, Duration, NaiveTime, Utc};
use chrono_tz::Tz;

use crate::schedule::{ScheduleError, local_wall_time, parse_time, resolve_local};

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

/// How someone works, which decides when they are asleep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShiftPattern {
    /// The server's quiet hours (default 21:00-08:00).
    Days,
    /// Late shifts finishing around 22:00: quiet 00:00-10:00.
    Lates,
    /// Night shifts: asleep in the day, quiet 09:00-17:00.
    Nights,
    /// Their own hours.
    Custom,
}

impl ShiftPattern {
    pub const ALL: [ShiftPattern; 4] = [
        ShiftPattern::Days,
        ShiftPattern::Lates,
        ShiftPattern::Nights,
        ShiftPattern::Custom,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ShiftPattern::Days => "days",
            ShiftPattern::Lates => "lates",
            ShiftPattern::Nights => "nights",
            ShiftPattern::Custom => "custom",
        }
    }

    pub fn parse(text: &str) -> Option<ShiftPattern> {
        ShiftPattern::ALL
            .into_iter()
            .find(|p| p.as_str() == text.trim().to_lowercase())
    }

    /// The quiet hours this pattern brings, given the server's default ones; `None` for
    /// `Custom` (the member gives their own).
    pub fn quiet_hours(self, default: QuietHours) -> Option<QuietHours> {
        let at = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap_or(NaiveTime::MIN);
        match self {
            ShiftPattern::Days => Some(default),
            ShiftPattern::Lates => Some(QuietHours {
                start: at(0),
                end: at(10),
            }),
            ShiftPattern::Nights => Some(QuietHours {
                start: at(9),
                end: at(17),
            }),
            ShiftPattern::Custom => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn london() -> Tz {
        "Europe/London".parse().unwrap()
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
    fn night_shifts_move_quiet_hours_into_the_day() {
        let default = QuietHours::parse("21:00-08:00").unwrap();
        let nights = ShiftPattern::Nights.quiet_hours(default).unwrap();
        let midday = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
        assert_eq!(
            nights.next_allowed(london(), midday),
            Utc.with_ymd_and_hms(2026, 11, 24, 17, 0, 0).unwrap()
        );
        let late_evening = Utc.with_ymd_and_hms(2026, 11, 24, 23, 0, 0).unwrap();
        assert_eq!(nights.next_allowed(london(), late_evening), late_evening);
        assert_eq!(ShiftPattern::Days.quiet_hours(default), Some(default));
        assert_eq!(ShiftPattern::Custom.quiet_hours(default), None);
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
