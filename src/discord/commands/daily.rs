//! `/daily` and `/settings`: where and when the daily act is posted, and the server's country
//! for support lists (admins).

use poise::serenity_prelude as serenity;

use super::{ensure_server, guild, private, private_embed};
use crate::calendar::Nation;
use crate::calendar::timezone_suggestions;
use crate::daily::{AdminError, DailySummary, OnBankHoliday, PreviewDay, SizePlan};
use crate::discord::{Context, Error};
use crate::store::DailyChange;

/// Answers with the outcome of an admin change: what will happen next, or what to fix.
async fn answer(
    ctx: Context<'_>,
    done: &str,
    outcome: Result<DailySummary, AdminError>,
) -> Result<(), Error> {
    match outcome {
        Ok(summary) => private(ctx, format!("{done}\n{}", describe(&summary))).await,
        Err(AdminError::Store(e)) => Err(e.into()),
        Err(user_error) => private(ctx, user_error.to_string()).await,
    }
}

/// A few lines saying what is set up and what happens next.
fn describe(summary: &DailySummary) -> String {
    let config = &summary.config;
    let mut lines = Vec::new();
    match (&summary.schedule, config.channel_id) {
        (Some(schedule), Some(channel)) => lines.push(format!(
            "Daily act: {} ({}) in <#{channel}>.",
            schedule.describe(),
            config.timezone
        )),
        _ => lines.push("Daily act: not set up yet (`/daily setup`).".to_owned()),
    }
    if let Some(until) = config.paused_until {
        if until == i64::MAX {
            lines.push("Paused until you run `/daily resume`.".to_owned());
        } else {
            lines.push(format!("Paused until <t:{}:D>.", until / 1000));
        }
    }
    if let Some(nation) =
        Nation::for_server(config.bank_holiday_region.as_deref(), &config.timezone)
    {
        lines.push(format!(
            "Bank holidays in {}: {}.",
            nation.name(),
            OnBankHoliday::parse(&config.bank_holidays).describe()
        ));
    }
    if let Some(next) = &summary.next {
        lines.push(format!(
            "Next post: <t:{}:F> (<t:{}:R>).",
            next.at.timestamp(),
            next.at.timestamp()
        ));
    }
    lines.join("\n")
}

/// Suggests time zones as you type.
async fn autocomplete_timezone(
    _ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    crate::discord::fit::choices(
        timezone_suggestions(partial, 25)
            .into_iter()
            .map(|zone| crate::discord::fit::choice(zone, zone)),
    )
}

/// Set up the daily act of connection (admins).
#[poise::command(
    slash_command,
    guild_only,
    subcommands("setup", "schedule", "pause", "resume", "preview", "options"),
    subcommand_required,
    default_member_permissions = "MANAGE_GUILD",
    required_permissions = "MANAGE_GUILD"
)]
pub async fn daily(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Choose the channel and the local time for the daily act.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn setup(
    ctx: Context<'_>,
    #[description = "The channel to post in"]
    #[channel_types("Text")]
    channel: serenity::ChannelId,
    #[description = "Local time, 24-hour HH:MM, e.g. 09:00"]
    #[max_length = 20]
    time: String,
    #[description = "Time zone, e.g. Europe/London (default: the server's)"]
    #[autocomplete = "autocomplete_timezone"]
    #[max_length = 64]
    timezone: Option<String>,
    #[description = "every day (default), weekdays, weekends, or days, e.g. mon,wed,fri"]
    #[max_length = 100]
    days: Option<String>,
) -> Result<(), Error> {
    ensure_server(ctx).await?;
    let outcome = ctx
        .data()
        .daily
        .setup(
            guild(ctx)?,
            channel.into(),
            &time,
            timezone.as_deref(),
            days.as_deref(),
        )
        .await;
    answer(ctx, "Done: the daily act is set up.", outcome).await
}

/// Post on a cron schedule instead, e.g. "0 9 * * 1-5" for 09:00 on weekdays.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn schedule(
    ctx: Context<'_>,
    #[description = "minute hour day month weekday, e.g. 0 9 * * 1-5"]
    #[max_length = 100]
    cron: String,
) -> Result<(), Error> {
    let outcome = ctx.data().daily.set_cron(guild(ctx)?, &cron).await;
    answer(
        ctx,
        "Done: the daily act follows that schedule now.",
        outcome,
    )
    .await
}

/// Pause the daily act, until a date or until you resume it.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn pause(
    ctx: Context<'_>,
    #[description = "Resume on this local date, YYYY-MM-DD, e.g. 2026-06-08 (default: until /daily resume)"]
    #[max_length = 30]
    until: Option<String>,
) -> Result<(), Error> {
    let outcome = ctx.data().daily.pause(guild(ctx)?, until.as_deref()).await;
    answer(ctx, "Paused.", outcome).await
}

/// Resume the daily act after a pause.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn resume(ctx: Context<'_>) -> Result<(), Error> {
    let outcome = ctx.data().daily.resume(guild(ctx)?).await;
    answer(ctx, "Resumed.", outcome).await
}

/// See the next seven posts, with their local times and acts.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn preview(ctx: Context<'_>) -> Result<(), Error> {
    let upcoming = match ctx.data().daily.preview(guild(ctx)?, 7).await {
        Ok(upcoming) => upcoming,
        Err(AdminError::Store(e)) => return Err(e.into()),
        Err(user_error) => return private(ctx, user_error.to_string()).await,
    };
    if upcoming.is_empty() {
        return private(ctx, AdminError::NotSetUp.to_string()).await;
    }
    let mut embed = serenity::CreateEmbed::new().title("The next seven daily acts");
    if let Some(shortfall) = ctx.data().daily.shortfall(guild(ctx)?).await? {
        embed = embed.description(too_few(&shortfall));
    }
    for PreviewDay {
        firing,
        act,
        holiday,
    } in upcoming
    {
        let name = format!(
            "{} (<t:{}:R>)",
            firing.local.format("%a %-d %b, %H:%M"),
            firing.at.timestamp()
        );
        // "Mon 31 Aug: bank holiday in England and Wales (Summer bank holiday), skipped".
        let holiday =
            holiday.map(|h| format!("{}: {}", firing.local.format("%a %-d %b"), h.describe()));
        let value = match (act, holiday) {
            (Some(act), holiday) => format!(
                "{}{} · {} · {}",
                holiday.map(|h| format!("{h}\n")).unwrap_or_default(),
                act.act.text,
                act.act.size.label(),
                act.act.way.label()
            ),
            (None, Some(holiday)) => holiday,
            (None, None) => "No act fits the filters: widen them with `/daily options`.".to_owned(),
        };
        embed = embed.field(name, crate::discord::render::truncate(&value, 1024), false);
    }
    private_embed(ctx, embed).await
}

/// The warning admins see when the server's filters leave too few acts.
pub(super) fn too_few(shortfall: &crate::acts::Shortfall) -> String {
    format!(
        "\u{26a0}\u{fe0f} With this server's filters, {shortfall}. Widen them with \
         `/daily options avoid:` (fewer barriers left out) or `only:` (any setting)."
    )
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum PlanChoice {
    #[name = "Gentle week: smallest on Monday, small by Friday"]
    GentleWeek,
    #[name = "Always smallest"]
    Smallest,
    #[name = "Always smaller"]
    Smaller,
    #[name = "Always small"]
    Small,
    #[name = "Mixed sizes"]
    Mixed,
}

impl PlanChoice {
    fn word(self) -> &'static str {
        match self {
            PlanChoice::GentleWeek => "gentle-week",
            PlanChoice::Smallest => "always-smallest",
            PlanChoice::Smaller => "always-smaller",
            PlanChoice::Small => "always-small",
            PlanChoice::Mixed => "mixed",
        }
    }
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum OnlyChoice {
    #[name = "Any act"]
    Any,
    #[name = "Acts for care settings"]
    Care,
    #[name = "Acts for workplaces"]
    Workplace,
    #[name = "Acts that work online"]
    Online,
    #[name = "Acts for community groups"]
    Community,
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum BankHolidayChoice {
    #[name = "Post as usual"]
    Post,
    #[name = "Skip the day"]
    Skip,
    #[name = "Post a smallest act with a holiday greeting"]
    Greeting,
}

impl From<BankHolidayChoice> for OnBankHoliday {
    fn from(choice: BankHolidayChoice) -> OnBankHoliday {
        match choice {
            BankHolidayChoice::Post => OnBankHoliday::Post,
            BankHolidayChoice::Skip => OnBankHoliday::Skip,
            BankHolidayChoice::Greeting => OnBankHoliday::Greeting,
        }
    }
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum NationChoice {
    #[name = "England and Wales"]
    EnglandAndWales,
    #[name = "Scotland"]
    Scotland,
    #[name = "Northern Ireland"]
    NorthernIreland,
    #[name = "Not in the UK"]
    NotInUk,
}

impl NationChoice {
    fn nation(self) -> Option<Nation> {
        match self {
            NationChoice::EnglandAndWales => Some(Nation::EnglandAndWales),
            NationChoice::Scotland => Some(Nation::Scotland),
            NationChoice::NorthernIreland => Some(Nation::NorthernIreland),
            NationChoice::NotInUk => None,
        }
    }
}

/// Sizes, which acts, barriers to leave out, Awareness Week, UK bank holidays, where problems go.
// A poise command takes each of its options as an argument; the options are what they are.
#[allow(clippy::too_many_arguments)]
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn options(
    ctx: Context<'_>,
    #[description = "How the size of each day's act is chosen"] size_plan: Option<PlanChoice>,
    #[description = "Only acts that fit this setting"] only: Option<OnlyChoice>,
    #[description = "Take part in Loneliness Awareness Week in June (on by default)"]
    awareness_week: Option<bool>,
    #[description = "Monday the week starts, YYYY-MM-DD, e.g. 2026-06-08 (default: 2nd Monday of June)"]
    #[max_length = 30]
    awareness_start: Option<String>,
    #[description = "Where to report problems (default: a DM to the server owner)"]
    #[channel_types("Text")]
    admin_channel: Option<serenity::ChannelId>,
    #[description = "Whose UK bank holidays this server keeps (default: not in the UK)"]
    bank_holiday_nation: Option<NationChoice>,
    #[description = "What the daily act does on those bank holidays (default: post as usual)"]
    bank_holidays: Option<BankHolidayChoice>,
    #[description = "Leave out acts needing money, alcohol, car, mobility or outgoing, e.g. money, car; none: every act"]
    #[autocomplete = "super::autocomplete_avoid"]
    #[max_length = 100]
    avoid: Option<String>,
) -> Result<(), Error> {
    let change = DailyChange {
        size_plan: size_plan.map(|p| p.word().to_owned()),
        setting_filter: only.map(|o| {
            match o {
                OnlyChoice::Any => "",
                OnlyChoice::Care => "care",
                OnlyChoice::Workplace => "workplace",
                OnlyChoice::Online => "online",
                OnlyChoice::Community => "community",
            }
            .to_owned()
        }),
        awareness_week,
        awareness_start: awareness_start
            .map(|s| Some(s.trim().to_owned()).filter(|s| !s.is_empty())),
        admin_channel_id: admin_channel.map(|c| Some(c.into())),
        bank_holiday_region: bank_holiday_nation
            .map(|n| n.nation().map(|nation| nation.as_str().to_owned())),
        bank_holidays: bank_holidays.map(|p| OnBankHoliday::from(p).as_str().to_owned()),
        avoid_needs: avoid,
        ..Default::default()
    };
    let guild_id = guild(ctx)?;
    let outcome = ctx.data().daily.set_options(guild_id, change).await;
    let done = match (&outcome, ctx.data().daily.shortfall(guild_id).await?) {
        (Ok(_), Some(shortfall)) => format!("Saved.\n{}", too_few(&shortfall)),
        _ => "Saved.".to_owned(),
    };
    answer(ctx, &done, outcome).await
}

/// Suggests countries as you type: those with their own helplines, another country, or the
/// time zone's suggestion.
async fn autocomplete_country(
    _ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    use crate::checkins::signposting::COUNTRIES;
    use crate::discord::fit::choice;
    let typed = partial.trim().to_lowercase();
    let fits = |words: &[&str]| {
        typed.is_empty() || words.iter().any(|w| w.to_lowercase().contains(&typed))
    };
    let mut offered: Vec<_> = COUNTRIES
        .iter()
        .filter(|c| fits(&[c.name, c.code]) || fits(c.aliases))
        .map(|c| choice(&format!("{} ({})", c.name, c.code), c.code))
        .collect();
    if offered.is_empty() && typed.len() == 2 && typed.chars().all(|c| c.is_ascii_alphabetic()) {
        let code = typed.to_ascii_uppercase();
        offered.push(choice(
            &format!("{code}: no list of its own yet, so the international helplines"),
            code.as_str(),
        ));
    }
    if fits(&["another country", "other", "international"]) {
        offered.push(choice(
            "Another country: the international helplines",
            "other",
        ));
    }
    if fits(&["auto", "time zone", "timezone"]) {
        offered.push(choice("Follow the time zone's suggestion", "auto"));
    }
    crate::discord::fit::choices(offered)
}

/// See this server's settings; add country: to choose whose helplines /support shows.
#[poise::command(
    slash_command,
    guild_only,
    default_member_permissions = "MANAGE_GUILD",
    required_permissions = "MANAGE_GUILD"
)]
pub async fn settings(
    ctx: Context<'_>,
    #[description = "Set the country whose helplines members see with /support, e.g. United States"]
    #[autocomplete = "autocomplete_country"]
    #[max_length = 60]
    country: Option<String>,
) -> Result<(), Error> {
    let guild_id = guild(ctx)?;
    let checkins = &ctx.data().checkins;
    let signposting = match &country {
        Some(country) => {
            ensure_server(ctx).await?;
            checkins.set_country(guild_id, country).await
        }
        None => checkins.signposting(guild_id).await,
    };
    let signposting = match signposting {
        Ok(signposting) => signposting,
        Err(crate::checkins::CheckinError::Store(e)) => return Err(e.into()),
        Err(user_error) => return private(ctx, user_error.to_string()).await,
    };
    let summary = match ctx.data().daily.summary(guild_id).await {
        Ok(summary) => summary,
        Err(AdminError::Store(e)) => return Err(e.into()),
        Err(user_error) => return private(ctx, user_error.to_string()).await,
    };
    let config = &summary.config;
    let plan = SizePlan::parse(&config.size_plan)
        .map(|p| p.describe())
        .unwrap_or_else(|_| config.size_plan.clone());
    let only = if config.setting_filter.is_empty() {
        "any act".to_owned()
    } else {
        format!("acts for {}", config.setting_filter)
    };
    let avoid = crate::acts::Avoid::from_storage(&config.avoid_needs);
    let left_out = if avoid.is_empty() {
        "nothing".to_owned()
    } else {
        format!("{} ({})", avoid.describe(), avoid.words())
    };
    let week = if !config.awareness_week {
        "off".to_owned()
    } else if let Some(start) = &config.awareness_start {
        format!("on, from {start}")
    } else {
        "on (second Monday of June)".to_owned()
    };
    let holidays = match Nation::for_server(config.bank_holiday_region.as_deref(), &config.timezone)
    {
        Some(nation) => format!(
            "{}: {}",
            nation.name(),
            OnBankHoliday::parse(&config.bank_holidays).describe()
        ),
        None => "not in the UK: none".to_owned(),
    };
    let admin = config
        .admin_channel_id
        .map(|c| format!("<#{c}>"))
        .unwrap_or_else(|| "a DM to the server owner".into());
    let embed = serenity::CreateEmbed::new()
        .title("smallacts settings")
        .description(describe(&summary))
        .field("Time zone", &config.timezone, true)
        .field("Sizes", plan, true)
        .field("Acts", only, true)
        .field("Left out", left_out, true)
        .field("Loneliness Awareness Week", week, true)
        .field("Bank holidays", holidays, true)
        .field("Problems reported to", admin, true)
        .field(
            "Country (for /support)",
            signposting.describe(checkins.support_lists()),
            false,
        )
        .footer(serenity::CreateEmbedFooter::new(
            "Change these with /daily setup, /daily schedule, /daily options and /settings country.",
        ));
    let embed = if country.is_some() {
        embed.description(format!(
            "Saved: the country is {}.\n{}",
            signposting
                .set
                .as_deref()
                .map(crate::checkins::signposting::name)
                .unwrap_or_else(|| "the time zone's suggestion".to_owned()),
            describe(&summary)
        ))
    } else {
        embed
    };
    private_embed(ctx, embed).await
}
