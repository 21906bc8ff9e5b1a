//! Informal check-ins for care teams, without Discord: scheduled check-ins with a warm prompt
//! and an anonymous pulse, support signposting, buddy pairing, shift-aware quiet hours for
//! direct messages. The Discord side renders what these functions return; the dispatcher
//! (`jobs`) runs the timed parts.

pub mod content;
pub mod pairing;
pub mod pulse;
pub mod quiet;
pub mod signposting;

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;

pub use content::{ContentError, Prompt, PromptBank, Starter, SupportList, SupportResource};
pub use pulse::{Feeling, PulseResult, add_up};
pub use quiet::ShiftPattern;
pub use signposting::{CountryChoice, Signposting, SupportLists};

pub use crate::acts::stable_seed as seed;
use crate::calendar::{
    BankHoliday, Nation, QuietHours, Schedule, ScheduleError, bank_holidays, parse_timezone,
    resolve_local, server_holiday, weekly_round,
};
use crate::clock::Clock;
use crate::ids::{ChannelId, CheckinId, DmId, GuildId, MemberId, RunId};
use crate::settings::{MIN_PULSE_ANSWERS, Settings};
use crate::store::{
    BuddySettings, CheckinRecord, NewCheckin, NewDm, PulseAnswer, ServerResource, Store, StoreError,
};

/// How far back buddy history is read when pairing (a year of rounds).
pub const PAIRING_MEMORY: Duration = Duration::days(366);
/// Most check-ins one server can have (a few shift handovers a day is plenty).
pub const MAX_CHECKINS: usize = 10;
/// Most support resources a server can add (Discord shows 25 embed fields).
pub const MAX_SERVER_RESOURCES: usize = 15;
/// How long the support list waits for a server's own contacts before showing the rest.
const OWN_CONTACTS_WAIT: std::time::Duration = std::time::Duration::from_millis(400);

/// What a check-in posts: a thread to talk in, the anonymous pulse, or both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckinStyle {
    Thread,
    Pulse,
    Both,
}

impl CheckinStyle {
    pub const ALL: [CheckinStyle; 3] = [
        CheckinStyle::Both,
        CheckinStyle::Thread,
        CheckinStyle::Pulse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckinStyle::Thread => "thread",
            CheckinStyle::Pulse => "pulse",
            CheckinStyle::Both => "both",
        }
    }

    pub fn parse(text: &str) -> Option<CheckinStyle> {
        CheckinStyle::ALL.into_iter().find(|s| s.as_str() == text)
    }

    pub fn has_thread(self) -> bool {
        matches!(self, CheckinStyle::Thread | CheckinStyle::Both)
    }

    pub fn has_pulse(self) -> bool {
        matches!(self, CheckinStyle::Pulse | CheckinStyle::Both)
    }

    pub fn describe(self) -> &'static str {
        match self {
            CheckinStyle::Thread => "an open thread",
            CheckinStyle::Pulse => "an anonymous pulse",
            CheckinStyle::Both => "an open thread and an anonymous pulse",
        }
    }
}

/// Something a member or admin asked for that cannot be done, in words they can act on.
#[derive(Debug, thiserror::Error)]
pub enum CheckinError {
    #[error("{0}")]
    Schedule(#[from] ScheduleError),
    #[error("There is no check-in #{0} on this server. `/checkin list` shows the ones there are.")]
    NotFound(CheckinId),
    #[error(
        "This server already has {MAX_CHECKINS} check-ins, the most it can have. Remove one with `/checkin remove` first."
    )]
    TooMany,
    #[error(
        "This check-in has closed, so answers can't be added or changed now. Thank you for looking; the next check-in will have its own pulse."
    )]
    Closed,
    #[error("You're not in buddy pairing on this server. `/buddy join` adds you.")]
    NotInPairing,
    #[error(
        "You don't have a buddy this round yet: you'll be paired at the next round. `/support` has other people you can talk to now."
    )]
    NoBuddy,
    #[error(
        "Buddy pairing is not turned on here. An admin can turn it on with `/checkin buddies`."
    )]
    PairingOff,
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Content(#[from] ContentError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Check-in settings from configuration.
#[derive(Debug, Clone)]
pub struct CheckinConfig {
    pub min_answers: u32,
    pub open_for: Duration,
    pub quiet_hours: QuietHours,
    pub buddy_every_weeks: u32,
    pub buddy_round: Schedule,
    pub default_timezone: String,
}

impl CheckinConfig {
    pub fn from_settings(settings: &Settings) -> Result<CheckinConfig, ScheduleError> {
        let c = &settings.checkins;
        Ok(CheckinConfig {
            min_answers: c.pulse_min_answers.max(MIN_PULSE_ANSWERS),
            open_for: Duration::hours(i64::from(c.pulse_open_hours)),
            quiet_hours: QuietHours::parse(&c.quiet_hours)?,
            buddy_every_weeks: c.buddy_every_weeks,
            buddy_round: Schedule::when(&c.buddy_round_time)?,
            default_timezone: settings.schedule.default_timezone.clone(),
        })
    }
}

/// A check-in as admins see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckinSummary {
    pub id: CheckinId,
    pub channel_id: ChannelId,
    /// "07:30 and 19:30 every day".
    pub when: String,
    pub style: CheckinStyle,
    /// The next firing (Unix ms), if any.
    pub next_at: Option<i64>,
    /// When a pause ends (Unix ms), while paused.
    pub paused_until: Option<i64>,
    /// It is not posted on the server's bank holidays.
    pub skips_bank_holidays: bool,
    /// The next firing it skips for a bank holiday, as "Mon 31 Aug: bank holiday in England
    /// and Wales (Summer bank holiday), skipped".
    pub next_holiday_skip: Option<String>,
}

/// The bank holiday a check-in firing is skipped for, if the check-in skips them and the
/// server keeps one that local day (`timezone` is the server's zone, as the firing's).
pub fn holiday_skipped(
    record: &CheckinRecord,
    timezone: &str,
    date: NaiveDate,
) -> Option<(Nation, BankHoliday)> {
    if record.bank_holidays != SKIP_BANK_HOLIDAYS {
        return None;
    }
    server_holiday(record.bank_holiday_region.as_deref(), timezone, date)
}

/// A check-in's word for skipping bank holidays (the other is "post").
pub const SKIP_BANK_HOLIDAYS: &str = "skip";

/// What a pulse answer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PulseAnswered {
    pub feeling: Feeling,
    pub changed: bool,
    pub answers_so_far: i64,
    pub min_answers: u32,
    /// The member has a buddy this round (so a "let my buddy know" offer makes sense).
    /// Only looked up for "struggling", the one answer that offers it.
    pub has_buddy: bool,
}

/// The support list for a server: the configured list, then the server's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupportView {
    pub intro: String,
    pub resources: Vec<SupportResource>,
    /// How many of `resources` (at the end) the server added.
    pub server_added: usize,
    /// The server's own contacts couldn't be read just now, so they are missing.
    pub own_unavailable: bool,
    /// The country whose helplines these are ("United States"); `None` for the international
    /// list.
    pub country: Option<&'static str>,
}

/// A member's place in buddy pairing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuddyStatus {
    pub joined: bool,
    /// When a pause ends (Unix ms), while paused.
    pub paused_until: Option<i64>,
    pub buddies: Vec<MemberId>,
    pub pairing_on: bool,
    /// The next round (Unix ms).
    pub next_round: Option<i64>,
    pub every_weeks: i64,
}

/// A direct message for a member, to queue until their quiet hours allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueDm<'a> {
    pub guild_id: GuildId,
    /// Who it goes to.
    pub member_id: MemberId,
    /// Who it is about (a buddy who asked for a chat, or went quiet), so that it goes if they
    /// ask to be forgotten.
    pub about_member_id: Option<MemberId>,
    /// "buddy-round", "buddy-notice", "gone-quiet".
    pub kind: &'a str,
    pub body: &'a str,
}

/// The check-in features.
pub struct Checkins {
    store: Store,
    clock: Arc<dyn Clock>,
    pub bank: Arc<PromptBank>,
    support: Arc<SupportLists>,
    /// Each server's signposting as last read, for when the database can't answer in time:
    /// a server not read since start-up then gets the international list, never a guess.
    signposting_seen: std::sync::Mutex<std::collections::HashMap<GuildId, Signposting>>,
    pub config: CheckinConfig,
    /// The hour each (server, member) was last noted as seen, so a busy channel costs one
    /// database write per member per hour, not one per message.
    seen_hours: std::sync::Mutex<std::collections::HashMap<(GuildId, MemberId), i64>>,
}

impl Checkins {
    pub fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        bank: PromptBank,
        support: SupportLists,
        config: CheckinConfig,
    ) -> Checkins {
        Checkins {
            store,
            clock,
            bank: Arc::new(bank),
            support: Arc::new(support),
            signposting_seen: Default::default(),
            config,
            seen_hours: Default::default(),
        }
    }

    /// From settings: the configured prompt and support files, or the built-in ones.
    pub fn from_settings(
        store: Store,
        clock: Arc<dyn Clock>,
        settings: &Settings,
    ) -> Result<Checkins, CheckinError> {
        let bank = match settings.prompts_path() {
            Some(path) => PromptBank::load(&path)?,
            None => PromptBank::builtin(),
        };
        let support = match settings.support_path() {
            Some(path) => SupportLists::load(&path)?,
            None => SupportLists::builtin(),
        };
        Ok(Checkins::new(
            store,
            clock,
            bank,
            support,
            CheckinConfig::from_settings(settings)?,
        ))
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The server's time zone, or the configured default.
    pub async fn timezone(&self, guild_id: GuildId) -> Result<Tz, CheckinError> {
        let name = self
            .store
            .daily_config(guild_id)
            .await?
            .map(|c| c.timezone)
            .unwrap_or_else(|| self.config.default_timezone.clone());
        Ok(parse_timezone(&name)?)
    }

    // ----- scheduled check-ins ----------------------------------------------------------

    /// Adds a check-in. `when` is "Mon,Thu 14:00", "daily 07:30,19:30" or cron, in the
    /// server's time zone. Nothing is posted for times already past.
    pub async fn add(
        &self,
        guild_id: GuildId,
        channel_id: ChannelId,
        when: &str,
        style: CheckinStyle,
        skip_bank_holidays: bool,
    ) -> Result<CheckinSummary, CheckinError> {
        let schedule = Schedule::when(when)?;
        if self.store.checkins_for(guild_id).await?.len() >= MAX_CHECKINS {
            return Err(CheckinError::TooMany);
        }
        let tz = self.timezone(guild_id).await?;
        let now = self.clock.now();
        let next = schedule
            .next_after(tz, now)
            .map(|f| f.at.timestamp_millis());
        let id = self
            .store
            .insert_checkin(
                &NewCheckin {
                    guild_id,
                    channel_id,
                    schedule: &schedule.to_storage(),
                    style: style.as_str(),
                    next_at: next,
                },
                now.timestamp_millis(),
            )
            .await?;
        if skip_bank_holidays {
            self.store
                .set_checkin_bank_holidays(guild_id, id, SKIP_BANK_HOLIDAYS)
                .await?;
        }
        self.summary(guild_id, id).await
    }

    /// Whether a check-in is posted on the server's bank holidays.
    pub async fn set_bank_holidays(
        &self,
        guild_id: GuildId,
        id: CheckinId,
        skip: bool,
    ) -> Result<CheckinSummary, CheckinError> {
        let word = if skip { SKIP_BANK_HOLIDAYS } else { "post" };
        if !self
            .store
            .set_checkin_bank_holidays(guild_id, id, word)
            .await?
        {
            return Err(CheckinError::NotFound(id));
        }
        self.summary(guild_id, id).await
    }

    pub async fn list(&self, guild_id: GuildId) -> Result<Vec<CheckinSummary>, CheckinError> {
        let records = self.store.checkins_for(guild_id).await?;
        Ok(records.iter().map(|r| self.summarise(r)).collect())
    }

    pub async fn summary(
        &self,
        guild_id: GuildId,
        id: CheckinId,
    ) -> Result<CheckinSummary, CheckinError> {
        let record = self
            .store
            .checkin(guild_id, id)
            .await?
            .ok_or(CheckinError::NotFound(id))?;
        Ok(self.summarise(&record))
    }

    fn summarise(&self, record: &CheckinRecord) -> CheckinSummary {
        let now = self.clock.now_ms();
        let schedule = Schedule::from_storage(&record.schedule);
        CheckinSummary {
            id: record.id,
            channel_id: record.channel_id,
            when: schedule
                .as_ref()
                .map(Schedule::describe)
                .unwrap_or_else(|_| record.schedule.clone()),
            style: CheckinStyle::parse(&record.style).unwrap_or(CheckinStyle::Both),
            next_at: record.next_at,
            paused_until: record.paused_until.filter(|u| *u > now),
            skips_bank_holidays: record.bank_holidays == SKIP_BANK_HOLIDAYS,
            next_holiday_skip: schedule
                .ok()
                .and_then(|s| self.next_holiday_skip(record, &s)),
        }
    }

    /// The next firing of a check-in that a bank holiday skips, within a year, described.
    fn next_holiday_skip(&self, record: &CheckinRecord, schedule: &Schedule) -> Option<String> {
        let zone = record
            .timezone
            .as_deref()
            .unwrap_or(&self.config.default_timezone);
        let tz = parse_timezone(zone).ok()?;
        let now = self.clock.now();
        let nation = Nation::for_server(record.bank_holiday_region.as_deref(), zone)?;
        if record.bank_holidays != SKIP_BANK_HOLIDAYS {
            return None;
        }
        let today = now.with_timezone(&tz).date_naive();
        let year = chrono::Datelike::year(&today);
        // The schedule's first firing on or after each coming holiday: is it that day?
        [year, year + 1]
            .into_iter()
            .flat_map(|y| bank_holidays(nation, y))
            .filter(|h| h.date >= today)
            .find_map(|holiday| {
                let midnight = resolve_local(tz, holiday.date.and_time(chrono::NaiveTime::MIN));
                let from = (midnight - Duration::milliseconds(1)).max(now);
                let firing = schedule.next_after(tz, from)?;
                (firing.local.date() == holiday.date).then(|| {
                    format!(
                        "{}: {}, skipped",
                        holiday.date.format("%a %-d %b"),
                        holiday.describe(nation)
                    )
                })
            })
    }

    pub async fn remove(
        &self,
        guild_id: GuildId,
        id: CheckinId,
    ) -> Result<CheckinSummary, CheckinError> {
        let summary = self.summary(guild_id, id).await?;
        self.store.delete_checkin(guild_id, id).await?;
        Ok(summary)
    }

    /// Pauses a check-in for some days (its firings in that time are skipped, not saved up).
    pub async fn pause(
        &self,
        guild_id: GuildId,
        id: CheckinId,
        days: u32,
    ) -> Result<CheckinSummary, CheckinError> {
        if !(1..=90).contains(&days) {
            return Err(CheckinError::Invalid(
                "Pause for 1 to 90 days; `/checkin resume` starts it again sooner.".into(),
            ));
        }
        let until = self.clock.now() + Duration::days(i64::from(days));
        if !self
            .store
            .set_checkin_paused(guild_id, id, Some(until.timestamp_millis()))
            .await?
        {
            return Err(CheckinError::NotFound(id));
        }
        self.summary(guild_id, id).await
    }

    pub async fn resume(
        &self,
        guild_id: GuildId,
        id: CheckinId,
    ) -> Result<CheckinSummary, CheckinError> {
        if !self.store.set_checkin_paused(guild_id, id, None).await? {
            return Err(CheckinError::NotFound(id));
        }
        self.summary(guild_id, id).await
    }

    /// The prompt for a check-in firing: none repeats until the whole bank has been used on
    /// this server. Seeded by (server, slot) so a retry picks the same one.
    pub fn choose_prompt(&self, guild_id: GuildId, slot: &str, history: &[String]) -> Prompt {
        let ids: HashSet<&str> = self.bank.prompts.iter().map(|p| p.id.as_str()).collect();
        let history: Vec<&str> = history.iter().map(String::as_str).collect();
        let used = crate::acts::current_round(&history, &ids);
        let fresh: Vec<&Prompt> = self
            .bank
            .prompts
            .iter()
            .filter(|p| !used.contains(p.id.as_str()))
            .collect();
        let mut rng = StdRng::seed_from_u64(seed(guild_id, slot));
        fresh
            .choose(&mut rng)
            .copied()
            .or_else(|| self.bank.prompts.first())
            .cloned()
            .expect("the prompt bank is validated to hold prompts")
    }

    /// Records a member's pulse answer (or changes it) while the check-in is open.
    pub async fn answer_pulse(
        &self,
        guild_id: GuildId,
        run_id: RunId,
        member_id: MemberId,
        feeling: Feeling,
    ) -> Result<PulseAnswered, CheckinError> {
        // Read before writing, so recording the answer is the last thing done.
        let has_buddy = feeling == Feeling::Struggling
            && !self
                .store
                .current_buddies(guild_id, member_id, self.clock.now_ms())
                .await?
                .is_empty();
        let outcome = self
            .store
            .record_pulse_answer(
                guild_id,
                run_id,
                member_id,
                feeling.score(),
                self.clock.now_ms(),
            )
            .await?;
        match outcome {
            PulseAnswer::Closed => Err(CheckinError::Closed),
            PulseAnswer::Recorded { changed, answers } => Ok(PulseAnswered {
                feeling,
                changed,
                answers_so_far: answers,
                min_answers: self.config.min_answers,
                has_buddy,
            }),
        }
    }

    // ----- support ----------------------------------------------------------------------

    /// The support lists, by country.
    pub fn support_lists(&self) -> &SupportLists {
        &self.support
    }

    /// The support list, at once: the lists are in memory, and the server's country and own
    /// contacts (none in direct messages) are read when the database answers within a moment.
    /// Signposting never waits on, or fails with, the database. In direct messages, and for a
    /// server whose country can't be read, the international list is shown: never another
    /// country's numbers.
    pub async fn support(&self, guild_id: Option<GuildId>) -> SupportView {
        let read = match guild_id {
            Some(guild_id) => {
                let store = &self.store;
                store
                    .within(OWN_CONTACTS_WAIT, async {
                        tokio::try_join!(
                            store.country_setting(guild_id),
                            store.support_resources(guild_id)
                        )
                    })
                    .await
                    .map(|(setting, own)| (Some(guild_id), setting, own))
            }
            None => Ok((None, None, Vec::new())),
        };
        let own_unavailable = read.is_err();
        let (country, own) = match read {
            Ok((guild_id, setting, own)) => {
                let signposting = match (guild_id, setting) {
                    (Some(guild_id), Some(setting)) => {
                        Some(self.remember(guild_id, &setting.country, &setting.timezone))
                    }
                    _ => None,
                };
                (
                    signposting.and_then(|s| s.country().map(str::to_owned)),
                    own,
                )
            }
            Err(error) => {
                tracing::warn!(%error, "showing support without the server's own contacts");
                let seen = guild_id.and_then(|guild_id| {
                    self.signposting_seen
                        .lock()
                        .expect("the signposting memory is never poisoned")
                        .get(&guild_id)
                        .cloned()
                });
                (
                    seen.and_then(|s| s.country().map(str::to_owned)),
                    Vec::new(),
                )
            }
        };
        let list = self.support.for_country(country.as_deref());
        let international = std::ptr::eq(list, self.support.for_country(None));
        let country = country
            .as_deref()
            .and_then(signposting::country)
            .filter(|_| !international)
            .map(|c| c.name);
        let mut resources = list.resources.clone();
        let server_added = own.len();
        resources.extend(own.into_iter().map(|r| SupportResource {
            name: r.name,
            contact: r.contact,
            details: r.details,
            url: r.url,
            source: None,
            checked_on: None,
        }));
        SupportView {
            intro: list.intro.clone(),
            resources,
            server_added,
            own_unavailable,
            country,
        }
    }

    /// Notes a server's signposting as read, for when the database can't answer.
    fn remember(&self, guild_id: GuildId, country: &Option<String>, timezone: &str) -> Signposting {
        let signposting = Signposting::new(country.as_deref(), timezone);
        self.signposting_seen
            .lock()
            .expect("the signposting memory is never poisoned")
            .insert(guild_id, signposting.clone());
        signposting
    }

    /// The server's country as set, and as suggested by its time zone.
    pub async fn signposting(&self, guild_id: GuildId) -> Result<Signposting, CheckinError> {
        let setting = self.store.country_setting(guild_id).await?.ok_or_else(|| {
            CheckinError::Invalid(
                "I don't know this server yet; try again in a minute, once I've seen it.".into(),
            )
        })?;
        Ok(self.remember(guild_id, &setting.country, &setting.timezone))
    }

    /// Sets the server's country from what an admin typed or picked (see
    /// [`signposting::parse_country`]).
    pub async fn set_country(
        &self,
        guild_id: GuildId,
        input: &str,
    ) -> Result<Signposting, CheckinError> {
        let choice = signposting::parse_country(input).map_err(CheckinError::Invalid)?;
        let code = match &choice {
            CountryChoice::Set(code) => Some(code.as_str()),
            CountryChoice::FromTimeZone => None,
        };
        if !self
            .store
            .set_country(guild_id, code, self.clock.now_ms())
            .await?
        {
            return Err(CheckinError::Invalid(
                "I don't know this server yet; try again in a minute, once I've seen it.".into(),
            ));
        }
        self.signposting(guild_id).await
    }

    /// Adds a server's own resource (an employee assistance line, a named contact).
    pub async fn add_resource(
        &self,
        guild_id: GuildId,
        resource: ServerResource,
    ) -> Result<(), CheckinError> {
        let limit = |what: &str, text: &str, max: usize, example: &str| {
            if text.trim().is_empty() || text.chars().count() > max {
                Err(CheckinError::Invalid(format!(
                    "The {what} must be 1 to {max} characters (it is {}), e.g. {example}.",
                    text.chars().count()
                )))
            } else {
                Ok(())
            }
        };
        limit(
            "name",
            &resource.name,
            80,
            "\"Employee Assistance Programme\"",
        )?;
        limit(
            "details",
            &resource.details,
            200,
            "\"Free, confidential counselling, 24 hours a day\"",
        )?;
        if let Some(contact) = &resource.contact {
            limit("contact", contact, 80, "\"Call 0800 000 0000\"")?;
        }
        if let Some(url) = &resource.url
            && !(url.starts_with("https://") && url.len() > "https://".len() && url.len() <= 300)
        {
            return Err(CheckinError::Invalid(format!(
                "{} is not a web address I can show: use one starting with https://, e.g. https://www.mind.org.uk",
                crate::echo::quote(url)
            )));
        }
        if self.store.support_resources(guild_id).await?.len() >= MAX_SERVER_RESOURCES {
            return Err(CheckinError::Invalid(format!(
                "This server already has {MAX_SERVER_RESOURCES} resources of its own; remove one with `/checkin resource-remove` first."
            )));
        }
        if !self
            .store
            .add_support_resource(guild_id, &resource, self.clock.now_ms())
            .await?
        {
            return Err(CheckinError::Invalid(format!(
                "There is already a resource called {}. Remove it first to change it, e.g. `/checkin resource-remove name: {}`.",
                crate::echo::quote(&resource.name),
                crate::echo::mention_free(&resource.name, crate::echo::QUOTE_MAX)
            )));
        }
        Ok(())
    }

    pub async fn remove_resource(&self, guild_id: GuildId, name: &str) -> Result<(), CheckinError> {
        if self.store.remove_support_resource(guild_id, name).await? {
            Ok(())
        } else {
            Err(CheckinError::Invalid(format!(
                "This server has no resource called {}; the built-in list can't be removed, only added to. Pick one of the server's own from the list as you type, e.g. `/checkin resource-remove name: Employee Assistance Programme`.",
                crate::echo::quote(name)
            )))
        }
    }

    // ----- buddy pairing ----------------------------------------------------------------

    /// Turns pairing on (or changes it): a round every `every_weeks` weeks at `round_time`
    /// ("mon 10:00"), and optionally the gone-quiet nudge after `gone_quiet_days`.
    pub async fn set_pairing(
        &self,
        guild_id: GuildId,
        every_weeks: Option<u32>,
        round_time: Option<&str>,
        gone_quiet_days: Option<u32>,
    ) -> Result<BuddySettings, CheckinError> {
        let existing = self.store.buddy_settings(guild_id).await?;
        let every_weeks = every_weeks
            .map(i64::from)
            .or(existing.as_ref().map(|e| e.every_weeks))
            .unwrap_or(i64::from(self.config.buddy_every_weeks));
        if !(1..=12).contains(&every_weeks) {
            return Err(CheckinError::Invalid(
                "Rounds can be 1 to 12 weeks apart.".into(),
            ));
        }
        let schedule = match round_time {
            Some(text) => weekly_round(text)?,
            None => existing
                .as_ref()
                .and_then(|e| Schedule::from_storage(&e.round_schedule).ok())
                .unwrap_or_else(|| self.config.buddy_round.clone()),
        };
        let gone_quiet_days = match gone_quiet_days {
            Some(0) => None,
            Some(days @ 1..=60) => Some(i64::from(days)),
            Some(_) => {
                return Err(CheckinError::Invalid(
                    "The gone-quiet nudge can wait 1 to 60 days (0 turns it off).".into(),
                ));
            }
            None => existing.as_ref().and_then(|e| e.gone_quiet_days),
        };
        let tz = self.timezone(guild_id).await?;
        // The first round is the next firing; it then repeats every `every_weeks` weeks.
        let next_at = match existing.as_ref().and_then(|e| e.next_at) {
            Some(at) if round_time.is_none() => Some(at),
            _ => schedule
                .next_after(tz, self.clock.now())
                .map(|f| f.at.timestamp_millis()),
        };
        let settings = BuddySettings {
            guild_id,
            every_weeks,
            round_schedule: schedule.to_storage(),
            next_at,
            gone_quiet_days,
            timezone: None,
        };
        self.store
            .set_buddy_settings(&settings, self.clock.now_ms())
            .await?;
        Ok(settings)
    }

    pub async fn pairing_off(&self, guild_id: GuildId) -> Result<bool, CheckinError> {
        Ok(self.store.delete_buddy_settings(guild_id).await?)
    }

    pub async fn join(
        &self,
        guild_id: GuildId,
        member_id: MemberId,
    ) -> Result<BuddyStatus, CheckinError> {
        self.store
            .join_buddies(guild_id, member_id, self.clock.now_ms())
            .await?;
        self.buddy_status(guild_id, member_id).await
    }

    pub async fn leave(&self, guild_id: GuildId, member_id: MemberId) -> Result<(), CheckinError> {
        if self.store.leave_buddies(guild_id, member_id).await? {
            Ok(())
        } else {
            Err(CheckinError::NotInPairing)
        }
    }

    /// Skips rounds for `weeks` (0 resumes now).
    pub async fn pause_buddy(
        &self,
        guild_id: GuildId,
        member_id: MemberId,
        weeks: u32,
    ) -> Result<BuddyStatus, CheckinError> {
        if weeks > 26 {
            return Err(CheckinError::Invalid(
                "Pause for up to 26 weeks (0 resumes now); `/buddy leave` stops pairing altogether.".into(),
            ));
        }
        let until = (weeks > 0)
            .then(|| (self.clock.now() + Duration::weeks(i64::from(weeks))).timestamp_millis());
        if !self.store.pause_buddy(guild_id, member_id, until).await? {
            return Err(CheckinError::NotInPairing);
        }
        self.buddy_status(guild_id, member_id).await
    }

    pub async fn buddy_status(
        &self,
        guild_id: GuildId,
        member_id: MemberId,
    ) -> Result<BuddyStatus, CheckinError> {
        let record = self.store.buddy(guild_id, member_id).await?;
        let settings = self.store.buddy_settings(guild_id).await?;
        let now = self.clock.now_ms();
        Ok(BuddyStatus {
            joined: record.is_some(),
            paused_until: record
                .as_ref()
                .and_then(|r| r.paused_until)
                .filter(|u| *u > now),
            buddies: self
                .store
                .current_buddies(guild_id, member_id, self.clock.now_ms())
                .await?,
            pairing_on: settings.is_some(),
            next_round: settings.as_ref().and_then(|s| s.next_at),
            every_weeks: settings
                .map(|s| s.every_weeks)
                .unwrap_or(i64::from(self.config.buddy_every_weeks)),
        })
    }

    /// The member asked (after saying they are struggling) to let their buddy know they could
    /// use a chat. Queues a direct message to each buddy, respecting their quiet hours.
    /// Returns the buddies told.
    pub async fn tell_buddy(
        &self,
        guild_id: GuildId,
        member_id: MemberId,
    ) -> Result<Vec<MemberId>, CheckinError> {
        if self.store.buddy_settings(guild_id).await?.is_none() {
            return Err(CheckinError::PairingOff);
        }
        let buddies = self
            .store
            .current_buddies(guild_id, member_id, self.clock.now_ms())
            .await?;
        if buddies.is_empty() {
            return Err(CheckinError::NoBuddy);
        }
        let server = self.server_name(guild_id).await?;
        for buddy in &buddies {
            // Pressing the button twice tells them once.
            if self
                .store
                .dm_waiting(*buddy, member_id, "buddy-notice")
                .await?
            {
                continue;
            }
            let body = buddy_notice_text(member_id, &server);
            self.queue_dm(QueueDm {
                guild_id,
                member_id: *buddy,
                about_member_id: Some(member_id),
                kind: "buddy-notice",
                body: &body,
            })
            .await?;
        }
        Ok(buddies)
    }

    pub async fn server_name(&self, guild_id: GuildId) -> Result<String, CheckinError> {
        Ok(self
            .store
            .server(guild_id)
            .await?
            .map(|s| s.name)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "your server".into()))
    }

    /// The groups for a server's next buddy round: its active (unpaused) members, paired
    /// with a year of history so no pair repeats while that can be avoided. Seeded by the
    /// round's slot, so a retry of the same round pairs the same way. Stores nothing.
    pub async fn plan_round(
        &self,
        guild_id: GuildId,
        slot: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<Vec<MemberId>>, StoreError> {
        // Pairing is pure arithmetic on the members' plain numbers.
        let members: Vec<pairing::MemberId> = self
            .store
            .active_buddies(guild_id, now.timestamp_millis())
            .await?
            .into_iter()
            .map(MemberId::get)
            .collect();
        let rows = self
            .store
            .buddy_history(guild_id, (now - PAIRING_MEMORY).timestamp_millis())
            .await?;
        let mut history = pairing::History::new();
        for group in rows.chunk_by(|a, b| (a.0, a.1) == (b.0, b.1)) {
            let ids: Vec<pairing::MemberId> = group.iter().map(|(_, _, m)| m.get()).collect();
            history.record(group[0].0.get(), &ids);
        }
        let mut rng = StdRng::seed_from_u64(seed(guild_id, slot));
        Ok(pairing::pair_round(&members, &history, &mut rng)
            .into_iter()
            .map(|group| group.into_iter().map(MemberId).collect())
            .collect())
    }

    /// Sets a member's shift pattern; `Custom` needs `quiet` ("HH:MM-HH:MM").
    pub async fn set_shift(
        &self,
        guild_id: GuildId,
        member_id: MemberId,
        pattern: ShiftPattern,
        custom: Option<&str>,
    ) -> Result<QuietHours, CheckinError> {
        let quiet = match (pattern.quiet_hours(self.config.quiet_hours), custom) {
            (_, Some(text)) if pattern == ShiftPattern::Custom => QuietHours::parse(text)?,
            (Some(quiet), _) => quiet,
            (None, _) => {
                return Err(CheckinError::Invalid(
                    "For your own hours, give them too, e.g. `quiet_hours: 10:00-18:00`.".into(),
                ));
            }
        };
        let (start, end) = quiet.to_storage();
        self.store
            .set_member_shift(
                guild_id,
                member_id,
                pattern.as_str(),
                (&start, &end),
                self.clock.now_ms(),
            )
            .await?;
        Ok(quiet)
    }

    /// A member's quiet hours in a server: their shift pattern's, else the configured ones.
    pub async fn quiet_hours_for(
        &self,
        guild_id: GuildId,
        member_id: MemberId,
    ) -> Result<QuietHours, CheckinError> {
        Ok(match self.store.member_shift(guild_id, member_id).await? {
            Some((_, start, end)) => QuietHours::parse(&format!("{start}-{end}"))?,
            None => self.config.quiet_hours,
        })
    }

    /// Queues a direct message to go out as soon as the recipient's quiet hours allow.
    pub async fn queue_dm(&self, dm: QueueDm<'_>) -> Result<DmId, CheckinError> {
        let now = self.clock.now();
        let send_after = self
            .next_allowed(dm.guild_id, dm.member_id, now)
            .await?
            .timestamp_millis();
        Ok(self
            .store
            .queue_dm(
                &NewDm {
                    guild_id: dm.guild_id,
                    member_id: dm.member_id,
                    about_member_id: dm.about_member_id,
                    kind: dm.kind,
                    body: dm.body,
                    send_after,
                },
                now.timestamp_millis(),
            )
            .await?)
    }

    /// The first instant at or after `now` outside the member's quiet hours.
    pub async fn next_allowed(
        &self,
        guild_id: GuildId,
        member_id: MemberId,
        now: DateTime<Utc>,
    ) -> Result<DateTime<Utc>, CheckinError> {
        let tz = self.timezone(guild_id).await?;
        Ok(self
            .quiet_hours_for(guild_id, member_id)
            .await?
            .next_allowed(tz, now))
    }

    /// Notes that a member was active in a server (for the gone-quiet nudge), at most once an
    /// hour per member: the store is only asked when the hour has changed.
    pub async fn seen(&self, guild_id: GuildId, member_id: MemberId) -> Result<(), StoreError> {
        const HOUR_MS: i64 = 3_600_000;
        /// Beyond this many remembered members the memory starts afresh (a few MB at most).
        const MAX_REMEMBERED: usize = 200_000;
        let now = self.clock.now_ms();
        {
            let mut hours = self.seen_hours.lock().expect("seen hours");
            if hours.get(&(guild_id, member_id)) == Some(&(now / HOUR_MS)) {
                return Ok(());
            }
            if hours.len() >= MAX_REMEMBERED {
                hours.clear();
            }
            hours.insert((guild_id, member_id), now / HOUR_MS);
        }
        self.store.buddy_seen(guild_id, member_id, now).await
    }
}

/// The direct message a new buddy group gets.
pub fn buddy_round_text(
    server: &str,
    others: &[MemberId],
    every_weeks: i64,
    starter: &str,
) -> String {
    let names: Vec<String> = others.iter().map(|m| format!("<@{m}>")).collect();
    let with = match names.split_last() {
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
        None => "nobody yet".into(),
    };
    format!(
        "👋 **Your buddy pairing in {server}**\n\
         For the next {weeks} you're paired with {with}. No agenda and no pressure: a hello, a \
         cuppa together, a message on a long shift.\n\n\
         If you'd like a way in: *{starter}*\n\n\
         `/buddy pause` takes a break from pairing, `/buddy leave` stops it.",
        weeks = if every_weeks == 1 {
            "week".to_string()
        } else {
            format!("{every_weeks} weeks")
        },
    )
}

/// The direct message the only member in pairing gets at a round.
pub fn only_one_text(server: &str) -> String {
    format!(
        "👋 It's buddy round time in {server}, but you're the only one in pairing so far, so \
         there's nobody to pair you with yet. You'll be paired as soon as someone else joins \
         with `/buddy join`; maybe mention it to a teammate?"
    )
}

/// The direct message a buddy gets when their partner asks for a chat.
pub fn buddy_notice_text(member_id: MemberId, server: &str) -> String {
    format!(
        "💛 Your buddy <@{member_id}> in {server} said they could use a chat. You don't need to \
         fix anything: a friendly hello, a cuppa or a message is plenty. They chose to let you \
         know; nothing else about them was shared."
    )
}

/// The direct message a buddy gets when their partner has not been around for a while.
pub fn gone_quiet_text(quiet_member: MemberId, server: &str) -> String {
    format!(
        "🌱 It's been a little while since your buddy <@{quiet_member}> was around in {server}. \
         If you'd like to, a friendly hello might be welcome. No pressure, and no need to \
         mention this message."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles_read_back_and_say_what_they_post() {
        for style in CheckinStyle::ALL {
            assert_eq!(CheckinStyle::parse(style.as_str()), Some(style));
        }
        assert!(CheckinStyle::Both.has_thread() && CheckinStyle::Both.has_pulse());
        assert!(!CheckinStyle::Thread.has_pulse());
        assert!(!CheckinStyle::Pulse.has_thread());
    }

    #[test]
    fn buddy_messages_name_everyone_in_the_group() {
        let trio = buddy_round_text(
            "Rose Court",
            &[MemberId(11), MemberId(12)],
            2,
            "Best biscuit?",
        );
        assert!(trio.contains("<@11> and <@12>"), "{trio}");
        assert!(trio.contains("2 weeks") && trio.contains("Best biscuit?"));
        let pair = buddy_round_text("Rose Court", &[MemberId(11)], 1, "Tea or coffee?");
        assert!(
            pair.contains("next week you're paired with <@11>"),
            "{pair}"
        );
    }
}
