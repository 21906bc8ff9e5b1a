//! Shift patterns: how someone works, which moves their quiet hours (for people who sleep in
//! the day). Quiet hours themselves are a range of local times, in `calendar`.

use chrono::NaiveTime;

use crate::calendar::QuietHours;

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
    use chrono::{TimeZone, Utc};
    use chrono_tz::Tz;

    fn london() -> Tz {
        "Europe/London".parse().unwrap()
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
}
