//! Check-ins for care teams: `/checkin` (admins: check-ins, buddy pairing, support
//! resources), `/support` (anyone, private), `/buddy` (members) and `/shift` (members).

use poise::serenity_prelude as serenity;

use super::{ensure_server, guild, member, private, private_embed};
use crate::calendar::Schedule;
use crate::checkins::{BuddyStatus, CheckinError, CheckinStyle, CheckinSummary, ShiftPattern};
use crate::discord::{Context, Error, checkins::support_embed, fit};
use crate::ids::{CheckinId, GuildId};
use crate::store::ServerResource;

/// How long suggestions wait for the database: Discord allows 3 seconds for them, and none
/// is better than a late list.
const SUGGESTIONS_WAIT: std::time::Duration = std::time::Duration::from_millis(1_500);

/// Answers with `done` on success, or privately with what to fix; database trouble goes to
/// the shared error handler.
async fn answer<T>(
    ctx: Context<'_>,
    outcome: Result<T, CheckinError>,
    done: impl FnOnce(T) -> String,
) -> Result<(), Error> {
    match outcome {
        Ok(value) => private(ctx, done(value)).await,
        Err(CheckinError::Store(e)) => Err(e.into()),
        Err(user_error) => private(ctx, user_error.to_string()).await,
    }
}

/// One line about a check-in, for lists and confirmations.
fn describe(c: &CheckinSummary) -> String {
    let mut line = format!(
        "**#{}** · {} in <#{}> · {}",
        c.id,
        c.when,
        c.channel_id,
        c.style.describe()
    );
    match (c.paused_until, c.next_at) {
        (Some(until), _) => line.push_str(&format!(" · paused until <t:{}:f>", until / 1000)),
        (None, Some(next)) => line.push_str(&format!(" · next <t:{}:f>", next / 1000)),
        (None, None) => {}
    }
    if c.skips_bank_holidays {
        line.push_str(" · skips bank holidays");
    }
    if let Some(skip) = &c.next_holiday_skip {
        line.push_str(&format!("\n  {skip}"));
    }
    line
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
enum StyleChoice {
    #[name = "Thread and anonymous pulse"]
    Both,
    #[name = "Open thread only"]
    Thread,
    #[name = "Anonymous pulse only"]
    Pulse,
}

impl From<StyleChoice> for CheckinStyle {
    fn from(choice: StyleChoice) -> CheckinStyle {
        match choice {
            StyleChoice::Both => CheckinStyle::Both,
            StyleChoice::Thread => CheckinStyle::Thread,
            StyleChoice::Pulse => CheckinStyle::Pulse,
        }
    }
}

/// Informal team check-ins, buddy pairing and support contacts (admins).
#[poise::command(
    slash_command,
    guild_only,
    subcommands(
        "add",
        "list",
        "remove",
        "pause",
        "resume",
        "buddies",
        "resource_add",
        "resource_remove",
        "bank_holidays"
    ),
    subcommand_required,
    default_member_permissions = "MANAGE_GUILD",
    required_permissions = "MANAGE_GUILD"
)]
pub async fn checkin(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Suggests schedules that suit shift work, and checks what is typed as it is typed.
async fn autocomplete_when(
    _ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    const EXAMPLES: &[(&str, &str)] = &[
        ("daily 07:30,19:30", "at each shift handover, every day"),
        ("Mon,Thu 14:00", "twice a week, mid-shift"),
        ("weekdays 10:00", "every weekday morning"),
        (
            "daily 08:00,14:00,22:00",
            "three shifts: earlies, lates and nights",
        ),
        ("Fri 15:00", "once a week"),
    ];
    let mut choices = Vec::new();
    let typed = partial.trim();
    if !typed.is_empty() {
        let label = match Schedule::when(typed) {
            Ok(schedule) => format!("{typed}  →  {}", schedule.describe()),
            Err(error) => format!("{typed}  ✗  {}", error),
        };
        choices.push(fit::choice(&label, typed));
    }
    for (value, meaning) in EXAMPLES {
        if typed.is_empty() || value.to_lowercase().contains(&typed.to_lowercase()) {
            choices.push(fit::choice(&format!("{value}  ({meaning})"), *value));
        }
    }
    fit::choices(choices)
}

/// Lists this server's check-ins to choose from.
async fn autocomplete_checkin(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let Ok(guild_id) = guild(ctx) else {
        return serenity::CreateAutocompleteResponse::new();
    };
    let data = ctx.data();
    let list = tokio::time::timeout(SUGGESTIONS_WAIT, data.checkins.list(guild_id))
        .await
        .ok()
        .and_then(Result::ok)
        .unwrap_or_default();
    fit::choices(
        list.into_iter()
            .filter(|c| {
                partial.is_empty()
                    || c.id
                        .to_string()
                        .starts_with(partial.trim_start_matches('#'))
                    || c.when.contains(partial)
            })
            .map(|c| {
                fit::choice(
                    &format!("#{} · {} · {}", c.id, c.when, c.style.describe()),
                    c.id.get(),
                )
            }),
    )
}

/// Add a check-in: a warm prompt on a schedule, with a thread and/or an anonymous pulse.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn add(
    ctx: Context<'_>,
    #[description = "Where to post it"]
    #[channel_types("Text")]
    channel: serenity::ChannelId,
    #[description = "When (server time), e.g. \"Mon,Thu 14:00\", \"daily 07:30,19:30\" or cron"]
    #[autocomplete = "autocomplete_when"]
    #[max_length = 100]
    when: String,
    #[description = "A thread to talk in, an anonymous pulse, or both (default both)"]
    style: Option<StyleChoice>,
    #[description = "On the server's UK bank holidays (set with /daily options): post as usual (default) or skip"]
    on_bank_holidays: Option<CheckinHolidayChoice>,
) -> Result<(), Error> {
    ensure_server(ctx).await?;
    let style = style.map(CheckinStyle::from).unwrap_or(CheckinStyle::Both);
    let skip = matches!(on_bank_holidays, Some(CheckinHolidayChoice::Skip));
    let outcome = ctx
        .data()
        .checkins
        .add(guild(ctx)?, channel.into(), &when, style, skip)
        .await;
    answer(ctx, outcome, |c| {
        format!(
            "Check-in added: {}\nEach one posts a warm prompt from a bank of {} (no repeats until they've all been used){}. `/checkin list` shows them all.",
            describe(&c),
            ctx.data().checkins.bank.prompts.len(),
            if c.style.has_pulse() {
                format!(
                    ", and the pulse closes after {} hours, showing totals only if at least {} people answered",
                    ctx.data().checkins.config.open_for.num_hours(),
                    ctx.data().checkins.config.min_answers
                )
            } else {
                String::new()
            }
        )
    })
    .await
}

/// List this server's check-ins and when each is next.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn list(ctx: Context<'_>) -> Result<(), Error> {
    let list = ctx.data().checkins.list(guild(ctx)?).await?;
    if list.is_empty() {
        return private(
            ctx,
            "No check-ins yet. `/checkin add` sets one up, e.g. `when: daily 07:30,19:30` for each shift handover.",
        )
        .await;
    }
    let lines: Vec<String> = list.iter().map(describe).collect();
    private_embed(
        ctx,
        serenity::CreateEmbed::new()
            .title("Check-ins")
            .description(lines.join("\n")),
    )
    .await
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
enum CheckinHolidayChoice {
    #[name = "Post as usual"]
    Post,
    #[name = "Skip the day"]
    Skip,
}

/// Post or skip a check-in on the server's UK bank holidays (nation: /daily options).
#[poise::command(
    slash_command,
    guild_only,
    rename = "bank-holidays",
    required_permissions = "MANAGE_GUILD"
)]
async fn bank_holidays(
    ctx: Context<'_>,
    #[description = "Which check-in"]
    #[autocomplete = "autocomplete_checkin"]
    checkin: i64,
    #[description = "Post as usual or skip the day"] on_bank_holidays: CheckinHolidayChoice,
) -> Result<(), Error> {
    let skip = matches!(on_bank_holidays, CheckinHolidayChoice::Skip);
    let outcome = ctx
        .data()
        .checkins
        .set_bank_holidays(guild(ctx)?, CheckinId(checkin), skip)
        .await;
    answer(ctx, outcome, |c| format!("Saved: {}", describe(&c))).await
}

/// Remove a check-in (its past pulses stay in the impact export as totals).
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn remove(
    ctx: Context<'_>,
    #[description = "Which check-in"]
    #[autocomplete = "autocomplete_checkin"]
    checkin: i64,
) -> Result<(), Error> {
    let outcome = ctx
        .data()
        .checkins
        .remove(guild(ctx)?, CheckinId(checkin))
        .await;
    answer(ctx, outcome, |c| format!("Removed: {}", describe(&c))).await
}

/// Pause a check-in for some days (nothing is saved up to post later).
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn pause(
    ctx: Context<'_>,
    #[description = "Which check-in"]
    #[autocomplete = "autocomplete_checkin"]
    checkin: i64,
    #[description = "For how many days (default 7)"]
    #[min = 1]
    #[max = 90]
    days: Option<u32>,
) -> Result<(), Error> {
    let outcome = ctx
        .data()
        .checkins
        .pause(guild(ctx)?, CheckinId(checkin), days.unwrap_or(7))
        .await;
    answer(ctx, outcome, |c| {
        format!(
            "Paused: {}\n`/checkin resume` starts it again sooner.",
            describe(&c)
        )
    })
    .await
}

/// Start a paused check-in again.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn resume(
    ctx: Context<'_>,
    #[description = "Which check-in"]
    #[autocomplete = "autocomplete_checkin"]
    checkin: i64,
) -> Result<(), Error> {
    let outcome = ctx
        .data()
        .checkins
        .resume(guild(ctx)?, CheckinId(checkin))
        .await;
    answer(ctx, outcome, |c| format!("Resumed: {}", describe(&c))).await
}

/// Turn buddy pairing on or change it: how often, when, and the optional gone-quiet nudge.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn buddies(
    ctx: Context<'_>,
    #[description = "Weeks between rounds (default 2)"]
    #[min = 1]
    #[max = 12]
    every_weeks: Option<u32>,
    #[description = "Day and time a round starts, server time, e.g. \"thu 14:00\" (default \"mon 10:00\")"]
    #[max_length = 40]
    day_time: Option<String>,
    #[description = "Nudge a buddy when their partner hasn't been seen for this many days (0 = off, the default)"]
    #[min = 0]
    #[max = 60]
    gone_quiet_days: Option<u32>,
    #[description = "Turn buddy pairing off"] off: Option<bool>,
) -> Result<(), Error> {
    ensure_server(ctx).await?;
    let guild_id = guild(ctx)?;
    if off == Some(true) {
        ctx.data().checkins.pairing_off(guild_id).await?;
        return private(
            ctx,
            "Buddy pairing is off: no more rounds. Members stay on the list, so `/checkin buddies` turns it back on where it was.",
        )
        .await;
    }
    let outcome = ctx
        .data()
        .checkins
        .set_pairing(guild_id, every_weeks, day_time.as_deref(), gone_quiet_days)
        .await;
    answer(ctx, outcome, |s| {
        let when = Schedule::from_storage(&s.round_schedule)
            .map(|s| s.describe())
            .unwrap_or(s.round_schedule.clone());
        let next = s
            .next_at
            .map(|at| format!(" The next round is <t:{}:F>.", at / 1000))
            .unwrap_or_default();
        let nudge = match s.gone_quiet_days {
            Some(days) => format!(
                " Gone-quiet nudge: on, after {days} days (only ever to the quiet member's buddy, never to admins)."
            ),
            None => " Gone-quiet nudge: off.".into(),
        };
        format!(
            "Buddy pairing is on: a round every {} week(s), {when}.{next}{nudge}\nMembers join with `/buddy join`; pairs are announced by direct message, outside quiet hours.",
            s.every_weeks
        )
    })
    .await
}

/// Add a support contact of your own (an employee assistance line, a named person).
#[poise::command(
    slash_command,
    guild_only,
    rename = "resource-add",
    required_permissions = "MANAGE_GUILD"
)]
async fn resource_add(
    ctx: Context<'_>,
    #[description = "Its name, e.g. \"Employee Assistance Programme\""]
    #[max_length = 80]
    name: String,
    #[description = "What it offers and when, e.g. \"Free, confidential counselling, 24/7\""]
    #[max_length = 200]
    details: String,
    #[description = "How to reach it, e.g. \"Call 0800 000 0000\" or \"Ask Sam, team lead\""]
    #[max_length = 80]
    contact: Option<String>,
    #[description = "A web address, e.g. https://www.mind.org.uk"]
    #[max_length = 300]
    url: Option<String>,
) -> Result<(), Error> {
    ensure_server(ctx).await?;
    let resource = ServerResource {
        name: name.trim().to_owned(),
        contact: contact
            .map(|c| c.trim().to_owned())
            .filter(|c| !c.is_empty()),
        details: details.trim().to_owned(),
        url: url.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty()),
    };
    let shown = crate::echo::quote(&resource.name);
    let outcome = ctx
        .data()
        .checkins
        .add_resource(guild(ctx)?, resource)
        .await;
    answer(ctx, outcome, |()| {
        format!("Added {shown} to this server's support list. Members see it with `/support`, and anyone who answers \"struggling\" sees it too.")
    })
    .await
}

/// Lists this server's own resources to choose from.
async fn autocomplete_resource(
    ctx: Context<'_>,
    partial: &str,
) -> serenity::CreateAutocompleteResponse {
    let Ok(guild_id) = guild(ctx) else {
        return serenity::CreateAutocompleteResponse::new();
    };
    let store = &ctx.data().store;
    let own = store
        .within(SUGGESTIONS_WAIT, store.support_resources(guild_id))
        .await
        .unwrap_or_default();
    fit::choices(
        own.into_iter()
            .filter(|r| r.name.to_lowercase().contains(&partial.to_lowercase()))
            .map(|r| fit::choice(&r.name, r.name.clone())),
    )
}

/// Remove one of this server's own support contacts.
#[poise::command(
    slash_command,
    guild_only,
    rename = "resource-remove",
    required_permissions = "MANAGE_GUILD"
)]
async fn resource_remove(
    ctx: Context<'_>,
    #[description = "Which one, e.g. \"Employee Assistance Programme\" (pick from the list)"]
    #[autocomplete = "autocomplete_resource"]
    #[max_length = 80]
    name: String,
) -> Result<(), Error> {
    let outcome = ctx
        .data()
        .checkins
        .remove_resource(guild(ctx)?, &name)
        .await;
    answer(ctx, outcome, |()| {
        format!(
            "Removed {} from this server's support list.",
            crate::echo::quote(&name)
        )
    })
    .await
}

/// People you can talk to, any time. Only you see this.
#[poise::command(slash_command)]
pub async fn support(ctx: Context<'_>) -> Result<(), Error> {
    let guild_id = ctx.guild_id().map(GuildId::from);
    let view = ctx.data().checkins.support(guild_id).await;
    private_embed(ctx, support_embed(&view)).await
}

/// Buddy pairing: be paired with a teammate or two every few weeks, for a chat.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("join", "leave", "buddy_pause", "status"),
    subcommand_required
)]
pub async fn buddy(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

fn describe_status(status: &BuddyStatus) -> String {
    let mut lines = Vec::new();
    if !status.joined {
        lines.push("You're not in buddy pairing here. `/buddy join` adds you.".to_string());
    } else if let Some(until) = status.paused_until {
        lines.push(format!(
            "You're in buddy pairing, paused until <t:{}:D>: no rounds for you until then.",
            until / 1000
        ));
    } else {
        lines.push("You're in buddy pairing.".to_string());
    }
    if !status.buddies.is_empty() {
        let names: Vec<String> = status.buddies.iter().map(|b| format!("<@{b}>")).collect();
        lines.push(format!("This round you're with {}.", names.join(" and ")));
    }
    match (status.pairing_on, status.next_round) {
        (true, Some(next)) => lines.push(format!(
            "Rounds are every {} week(s); the next is <t:{}:F>, announced by direct message (never in your quiet hours: `/shift`).",
            status.every_weeks,
            next / 1000
        )),
        (true, None) => {}
        (false, _) => lines.push(
            "Pairing isn't turned on in this server yet; an admin can turn it on with `/checkin buddies`."
                .to_string(),
        ),
    }
    lines.join("\n")
}

/// Join buddy pairing (or come back from a pause).
#[poise::command(slash_command, guild_only)]
async fn join(ctx: Context<'_>) -> Result<(), Error> {
    ensure_server(ctx).await?;
    let outcome = ctx.data().checkins.join(guild(ctx)?, member(ctx)).await;
    answer(ctx, outcome, |status| {
        format!(
            "Welcome in. 💛 You'll be paired with a teammate or two at the next round: no agenda, just a chat.\n{}",
            describe_status(&status)
        )
    })
    .await
}

/// Leave buddy pairing.
#[poise::command(slash_command, guild_only)]
async fn leave(ctx: Context<'_>) -> Result<(), Error> {
    let outcome = ctx.data().checkins.leave(guild(ctx)?, member(ctx)).await;
    answer(ctx, outcome, |()| {
        "You've left buddy pairing; no more rounds for you. `/buddy join` any time to come back."
            .into()
    })
    .await
}

/// Take a break from buddy pairing for a few weeks.
#[poise::command(slash_command, guild_only, rename = "pause")]
async fn buddy_pause(
    ctx: Context<'_>,
    #[description = "For how many weeks (0 = come back now)"]
    #[min = 0]
    #[max = 26]
    weeks: u32,
) -> Result<(), Error> {
    let outcome = ctx
        .data()
        .checkins
        .pause_buddy(guild(ctx)?, member(ctx), weeks)
        .await;
    answer(ctx, outcome, |status| describe_status(&status)).await
}

/// Who your buddy is this round, and when the next round is.
#[poise::command(slash_command, guild_only)]
async fn status(ctx: Context<'_>) -> Result<(), Error> {
    let outcome = ctx
        .data()
        .checkins
        .buddy_status(guild(ctx)?, member(ctx))
        .await;
    answer(ctx, outcome, |status| describe_status(&status)).await
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
enum ShiftChoice {
    #[name = "Days (quiet overnight, the server's hours)"]
    Days,
    #[name = "Lates (quiet 00:00-10:00)"]
    Lates,
    #[name = "Nights (quiet 09:00-17:00, while you sleep)"]
    Nights,
    #[name = "My own quiet hours"]
    Custom,
}

/// Your shift pattern, so the bot never sends you direct messages while you sleep.
#[poise::command(slash_command, guild_only)]
pub async fn shift(
    ctx: Context<'_>,
    #[description = "How you work"] pattern: ShiftChoice,
    #[description = "For your own hours: when not to message you, e.g. 10:00-18:00 (server time)"]
    #[max_length = 40]
    quiet_hours: Option<String>,
) -> Result<(), Error> {
    ensure_server(ctx).await?;
    let pattern = match pattern {
        ShiftChoice::Days => ShiftPattern::Days,
        ShiftChoice::Lates => ShiftPattern::Lates,
        ShiftChoice::Nights => ShiftPattern::Nights,
        ShiftChoice::Custom => ShiftPattern::Custom,
    };
    let guild_id = guild(ctx)?;
    // Read before writing, so saving is the last thing done.
    let tz = ctx.data().checkins.timezone(guild_id).await?;
    let outcome = ctx
        .data()
        .checkins
        .set_shift(guild_id, member(ctx), pattern, quiet_hours.as_deref())
        .await;
    answer(ctx, outcome, |quiet| {
        if quiet.is_off() {
            "Saved: no quiet hours, so direct messages from me can come at any time.".into()
        } else {
            format!(
                "Saved: I won't send you direct messages {} ({}); anything for you then waits until they end.",
                quiet.describe(),
                tz.name()
            )
        }
    })
    .await
}
