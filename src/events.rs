//! Connection events: a get-together a team plans (a walk, a tea break, a call), made as a
//! Discord scheduled event so members mark themselves interested in Discord itself. This
//! module knows the rules without Discord: reading when it is (in the server's time zone),
//! how long it lasts, what may be said about it, who may host one, and recording it so the
//! jobs remind the channel an hour before and thank it afterwards.
//!
//! "When" is read by hand rather than by a natural-language date library: the forms people
//! are offered are few ("tomorrow 18:00", "fri 12:30", "2026-06-12 18:00"), each has to
//! resolve in the server's time zone with the calendar's daylight-saving rules, and anything
//! else is refused with an example rather than guessed at.

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, NaiveDateTime, Utc, Weekday};
use chrono_tz::Tz;

use crate::calendar::{ScheduleError, local_wall_time, parse_time, parse_timezone, resolve_local};
use crate::echo::quote;
use crate::ids::{ChannelId, EventId, GuildId, RoleId};
use crate::store::{NewEvent, REMINDER_BEFORE_MS, Store, StoreError};

/// Discord's limits on a scheduled event.
pub const TITLE_MAX: usize = 100;
pub const DESCRIPTION_MAX: usize = 1000;
pub const PLACE_MAX: usize = 100;
/// How long an event lasts unless told.
pub const DEFAULT_MINUTES: i64 = 60;
/// The longest event: a day.
pub const MAX_MINUTES: i64 = 24 * 60;

/// What is wrong with an event, in words fit to show the person who typed it.
#[derive(Debug, thiserror::Error)]
pub enum EventError {
    #[error(
        "{} isn't a time I can read. Write a day and a 24-hour time, e.g. \"tomorrow 18:00\", \"fri 12:30\" or \"2026-06-12 18:00\".",
        quote(.0)
    )]
    BadWhen(String),
    #[error("{0}")]
    BadTime(#[from] ScheduleError),
    #[error(
        "{} is in the past ({}). Choose a time still to come, e.g. \"tomorrow 18:00\".",
        quote(.input), .local
    )]
    InThePast { input: String, local: String },
    #[error(
        "{} isn't a length of time I can read. Write minutes or hours, e.g. \"45m\", \"1h\" or \"1h30m\" (at most 24h).",
        quote(.0)
    )]
    BadDuration(String),
    #[error("The title must be 1 to {TITLE_MAX} characters (it is {0}). Shorten it and try again.")]
    BadTitle(usize),
    #[error("The description must be at most {DESCRIPTION_MAX} characters (it is {0}).")]
    LongDescription(usize),
    #[error(
        "Say where it is: choose a voice or stage channel, or write a place (up to {PLACE_MAX} characters), e.g. \"the kitchen\" or \"Zoom\"."
    )]
    NoPlace,
    #[error("The place must be at most {PLACE_MAX} characters (it is {0}).")]
    LongPlace(usize),
    #[error(
        "Events are announced in the daily act's channel, and none is set yet. An admin can choose one with `/daily setup`."
    )]
    NoChannel,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What someone asked for, as typed.
#[derive(Debug, Clone, Default)]
pub struct EventRequest<'a> {
    pub title: &'a str,
    pub when: &'a str,
    pub duration: Option<&'a str>,
    /// A place outside Discord, for an external event.
    pub place: Option<&'a str>,
    /// Whether a voice or stage channel was chosen (then no place is needed).
    pub in_channel: bool,
    pub description: Option<&'a str>,
}

/// An event ready to make in Discord.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedEvent {
    pub guild_id: GuildId,
    pub title: String,
    pub description: Option<String>,
    pub place: Option<String>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The daily channel, where it is announced, reminded and thanked.
    pub channel_id: ChannelId,
    pub timezone: Tz,
}

/// The link Discord opens an event at.
pub fn event_url(guild_id: GuildId, event_id: EventId) -> String {
    format!("https://discord.com/events/{guild_id}/{event_id}")
}

fn weekday(word: &str) -> Option<Weekday> {
    let days = [
        ("mon", Weekday::Mon),
        ("tue", Weekday::Tue),
        ("wed", Weekday::Wed),
        ("thu", Weekday::Thu),
        ("fri", Weekday::Fri),
        ("sat", Weekday::Sat),
        ("sun", Weekday::Sun),
    ];
    let word = word.to_lowercase();
    days.iter()
        .find(|(short, _)| word.len() >= 3 && (word.starts_with(short)))
        .map(|(_, day)| *day)
}

/// When an event starts: "today 18:00", "tomorrow 18:00", a weekday ("fri 12:30", the next
/// one, today's if still to come), "2026-06-12 18:00", or a time alone (today, or tomorrow if
/// it has passed). Read in `tz` at `now`; a time in the past is refused.
pub fn parse_when(text: &str, tz: Tz, now: DateTime<Utc>) -> Result<DateTime<Utc>, EventError> {
    let bad = || EventError::BadWhen(text.to_owned());
    let words: Vec<&str> = text.split_whitespace().collect();
    let today = local_wall_time(tz, now).date();
    let (day, time, roll_over) = match words.as_slice() {
        [time] => (today, parse_time(time)?, true),
        [day, time] => {
            let time = parse_time(time)?;
            let lower = day.to_lowercase();
            let date = if lower == "today" {
                today
            } else if lower == "tomorrow" {
                today + Days::new(1)
            } else if let Ok(date) = NaiveDate::parse_from_str(day, "%Y-%m-%d") {
                date
            } else if let Some(wanted) = weekday(day) {
                let ahead = (7 + wanted.num_days_from_monday()
                    - today.weekday().num_days_from_monday())
                    % 7;
                let date = today + Days::new(u64::from(ahead));
                // Today's weekday at a time already gone means next week's.
                if ahead == 0 && resolve_local(tz, NaiveDateTime::new(date, time)) <= now {
                    date + Days::new(7)
                } else {
                    date
                }
            } else {
                return Err(bad());
            };
            (date, time, false)
        }
        _ => return Err(bad()),
    };
    let mut at = resolve_local(tz, NaiveDateTime::new(day, time));
    if at <= now && roll_over {
        at = resolve_local(tz, NaiveDateTime::new(day + Days::new(1), time));
    }
    if at <= now {
        return Err(EventError::InThePast {
            input: text.to_owned(),
            local: format!(
                "it is now {} there",
                local_wall_time(tz, now).format("%a %d %b %H:%M")
            ),
        });
    }
    Ok(at)
}

/// How long: "45m", "1h", "1h30m", "90" (minutes), "2 hours". At most a day.
pub fn parse_duration(text: &str) -> Result<Duration, EventError> {
    let bad = || EventError::BadDuration(text.to_owned());
    let compact: String = text
        .to_lowercase()
        .replace("hours", "h")
        .replace("hour", "h")
        .replace("hrs", "h")
        .replace("minutes", "m")
        .replace("mins", "m")
        .replace("min", "m")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    if compact.is_empty() {
        return Err(bad());
    }
    let mut minutes: i64 = 0;
    let mut number = String::new();
    let mut any_unit = false;
    for c in compact.chars() {
        match c {
            '0'..='9' => number.push(c),
            'h' | 'm' => {
                let n: i64 = number.parse().map_err(|_| bad())?;
                minutes += if c == 'h' { n * 60 } else { n };
                number.clear();
                any_unit = true;
            }
            _ => return Err(bad()),
        }
    }
    if !number.is_empty() {
        if any_unit {
            return Err(bad());
        }
        minutes = number.parse().map_err(|_| bad())?;
    }
    if !(1..=MAX_MINUTES).contains(&minutes) {
        return Err(bad());
    }
    Ok(Duration::minutes(minutes))
}

/// Event rules over the store.
pub struct Events {
    store: Store,
}

impl Events {
    pub fn new(store: Store) -> Events {
        Events { store }
    }

    /// Checks a request and works out its times and channel, without making anything.
    pub async fn plan(
        &self,
        guild_id: GuildId,
        request: &EventRequest<'_>,
        now: DateTime<Utc>,
    ) -> Result<PlannedEvent, EventError> {
        let title = request.title.trim();
        let length = title.chars().count();
        if !(1..=TITLE_MAX).contains(&length) {
            return Err(EventError::BadTitle(length));
        }
        let description = request.description.map(str::trim).filter(|d| !d.is_empty());
        if let Some(d) = description
            && d.chars().count() > DESCRIPTION_MAX
        {
            return Err(EventError::LongDescription(d.chars().count()));
        }
        let place = request.place.map(str::trim).filter(|p| !p.is_empty());
        if let Some(p) = place
            && p.chars().count() > PLACE_MAX
        {
            return Err(EventError::LongPlace(p.chars().count()));
        }
        if place.is_none() && !request.in_channel {
            return Err(EventError::NoPlace);
        }
        let config = self.store.daily_config(guild_id).await?;
        let Some((channel_id, zone)) = config
            .as_ref()
            .and_then(|c| c.channel_id.map(|ch| (ch, c.timezone.clone())))
        else {
            return Err(EventError::NoChannel);
        };
        let timezone = parse_timezone(&zone)?;
        let starts_at = parse_when(request.when, timezone, now)?;
        let length = match request.duration {
            Some(text) if !text.trim().is_empty() => parse_duration(text)?,
            _ => Duration::minutes(DEFAULT_MINUTES),
        };
        Ok(PlannedEvent {
            guild_id,
            title: title.to_owned(),
            description: description.map(str::to_owned),
            place: if request.in_channel {
                None
            } else {
                place.map(str::to_owned)
            },
            starts_at,
            ends_at: starts_at + length,
            channel_id,
            timezone,
        })
    }

    /// Records an event Discord has made, so that it is reminded and thanked.
    pub async fn record(
        &self,
        planned: &PlannedEvent,
        event_id: EventId,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let starts_at = planned.starts_at.timestamp_millis();
        let now_ms = now.timestamp_millis();
        // Made within the hour before it starts: the announcement is the reminder.
        let reminded_at = (starts_at - REMINDER_BEFORE_MS <= now_ms).then_some(now_ms);
        self.store
            .insert_event(&NewEvent {
                event_id,
                guild_id: planned.guild_id,
                channel_id: planned.channel_id,
                title: &planned.title,
                starts_at,
                ends_at: planned.ends_at.timestamp_millis(),
                created_at: now_ms,
                reminded_at,
            })
            .await
    }

    /// Whether someone with these roles may host (admins always may).
    pub async fn may_host(
        &self,
        guild_id: GuildId,
        admin: bool,
        roles: &[RoleId],
    ) -> Result<bool, StoreError> {
        if admin {
            return Ok(true);
        }
        Ok(self
            .store
            .event_host_role(guild_id)
            .await?
            .is_some_and(|role| roles.contains(&role)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    const LONDON: Tz = chrono_tz::Europe::London;

    #[test]
    fn when_reads_days_and_times_in_the_servers_zone() {
        // Wednesday 10 June 2026, 10:00 in London (BST, UTC+1).
        let now = utc("2026-06-10T09:00:00Z");
        let at = |text: &str| parse_when(text, LONDON, now).unwrap();
        assert_eq!(at("tomorrow 18:00"), utc("2026-06-11T17:00:00Z"));
        assert_eq!(at("today 18:00"), utc("2026-06-10T17:00:00Z"));
        assert_eq!(at("fri 12:30"), utc("2026-06-12T11:30:00Z"));
        assert_eq!(at("Friday 12:30"), utc("2026-06-12T11:30:00Z"));
        // Wednesday at a time gone: next Wednesday.
        assert_eq!(at("wed 09:00"), utc("2026-06-17T08:00:00Z"));
        assert_eq!(at("2026-12-01 18:00"), utc("2026-12-01T18:00:00Z"));
        // A time alone that has passed today: tomorrow.
        assert_eq!(at("08:00"), utc("2026-06-11T07:00:00Z"));
    }

    #[test]
    fn past_and_unreadable_times_are_refused_with_an_example() {
        let now = utc("2026-06-10T09:00:00Z");
        let past = parse_when("today 09:30", LONDON, now)
            .unwrap_err()
            .to_string();
        assert!(past.contains("in the past"), "{past}");
        let past = parse_when("2026-01-01 10:00", LONDON, now)
            .unwrap_err()
            .to_string();
        assert!(past.contains("in the past"), "{past}");
        for text in [
            "someday",
            "next week 10:00",
            "tomorrow 6pm",
            "blursday 10:00",
        ] {
            let error = parse_when(text, LONDON, now).unwrap_err().to_string();
            assert!(error.contains("e.g."), "{text}: {error}");
        }
    }

    #[test]
    fn durations_read_minutes_and_hours_up_to_a_day() {
        let minutes = |t: &str| parse_duration(t).unwrap().num_minutes();
        assert_eq!(minutes("45m"), 45);
        assert_eq!(minutes("1h"), 60);
        assert_eq!(minutes("1h30m"), 90);
        assert_eq!(minutes("90"), 90);
        assert_eq!(minutes("2 hours"), 120);
        for bad in ["", "0m", "25h", "soon", "1h30"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }
}
