//! `/privacy`: what the bot keeps about you, a copy of it, erasing it, and whether your
//! replies are collected at all.

use poise::serenity_prelude as serenity;

use super::{member, private};
use crate::discord::component_id::ComponentId;
use crate::discord::{Context, Error, no_mentions};
use crate::wins::Visibility;

use super::wins::VisibilityChoice;

/// See, export or erase what the bot keeps about you.
#[poise::command(
    slash_command,
    subcommands("show", "export", "forget", "collect", "sharing"),
    subcommand_required
)]
pub async fn privacy(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// What the bot keeps about you, in a few lines.
#[poise::command(slash_command)]
async fn show(ctx: Context<'_>) -> Result<(), Error> {
    let member = member(ctx);
    let export = ctx.data().store.export_member(member).await?;
    let prefs = ctx.data().wins.prefs(member).await?;
    let shared = export
        .wins
        .iter()
        .filter(|w| w.visibility != "count")
        .count();
    let with_words = export.wins.iter().filter(|w| w.text.is_some()).count();
    let here = ctx.guild_id().map(crate::ids::GuildId::from);
    let avoid_line = avoid_line(&export.avoid_choices, here);
    let text = format!(
        "**What I keep about you**\n\
         - {} win(s) across your servers: {shared} shared, {} only counted; {with_words} with your words.\n\
         - {} suggestion(s) for a server's acts.\n\
         - Collecting your replies: **{}**. Your replies are {}.\n\
         - Check-ins: {} pulse answer(s) in check-ins still open (deleted when they close); \
         buddy pairing in {} server(s), {} past round(s); {} shift pattern(s); {} direct message(s) waiting for you.\n\
         - {avoid_line}\n\
         - Nothing else: I don't read or keep your messages except replies to the daily post, \
         and what `/idea` offered you is forgotten when I restart.\n\
         Wins are deleted after {} days. `/privacy export` gives you a copy, `/privacy forget` erases it all.",
        export.wins.len(),
        export.wins.len() - shared,
        export.suggestions.len(),
        if prefs.collect { "on" } else { "off" },
        Visibility::parse(&prefs.default_visibility).map_or("shared anonymously", |v| v.outcome()),
        export.open_pulse_answers.len(),
        export.buddy_pairing.len(),
        export.buddy_rounds.len(),
        export.shift_patterns.len(),
        export.queued_messages.len(),
        ctx.data().settings.privacy.wins_retention_days,
    );
    private(ctx, text).await
}

/// What the member asked `/idea` to leave out: here, and how many other servers.
fn avoid_line(choices: &[crate::store::AvoidExport], here: Option<crate::ids::GuildId>) -> String {
    use crate::acts::Avoid;
    if choices.is_empty() {
        return "What `/idea` leaves out for you: nothing (set it with `/idea avoid:`).".to_owned();
    }
    let mut parts = Vec::new();
    let elsewhere = choices.iter().filter(|c| Some(c.guild_id) != here).count();
    if let Some(this) = choices.iter().find(|c| Some(c.guild_id) == here) {
        let avoid = Avoid::from_storage(&this.needs);
        parts.push(format!(
            "in this server, {} (`{}`)",
            avoid.describe(),
            avoid.words()
        ));
    }
    if elsewhere > 0 {
        let all = choices
            .iter()
            .filter(|c| Some(c.guild_id) != here)
            .fold(Avoid::NOTHING, |a, c| {
                a.union(Avoid::from_storage(&c.needs))
            });
        parts.push(format!(
            "in {elsewhere} other server(s), {} (`{}`)",
            all.describe(),
            all.words()
        ));
    }
    format!(
        "What `/idea` leaves out for you: {}. `/idea avoid: none` in a server clears it there.",
        parts.join("; ")
    )
}

/// A file with everything the bot keeps about you. Only you see it.
#[poise::command(slash_command)]
async fn export(ctx: Context<'_>) -> Result<(), Error> {
    let export = ctx.data().store.export_member(member(ctx)).await?;
    let json = serde_json::to_vec_pretty(&export)?;
    super::reply_with_file(
        ctx,
        poise::CreateReply::default().content("Here is everything I keep about you."),
        serenity::CreateAttachment::bytes(json, "smallacts-my-data.json"),
    )
    .await
}

/// Erase everything the bot keeps about you (asks you to confirm first).
#[poise::command(slash_command)]
async fn forget(ctx: Context<'_>) -> Result<(), Error> {
    let buttons = vec![
        serenity::CreateButton::new(
            ComponentId::PrivacyForget {
                member: member(ctx),
            }
            .render(),
        )
        .label("Erase everything")
        .style(serenity::ButtonStyle::Danger),
        serenity::CreateButton::new(ComponentId::PrivacyKeep.render())
            .label("Keep it")
            .style(serenity::ButtonStyle::Secondary),
    ];
    super::reply(
        ctx,
        poise::CreateReply::default()
            .content(
                "This erases every win, suggestion and choice of yours, in every server, for good. \
                 The team's totals go down by your wins. Are you sure?",
            )
            .components(vec![serenity::CreateActionRow::Buttons(buttons)])
            .ephemeral(true)
            .allowed_mentions(no_mentions()),
    )
    .await
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum OnOff {
    #[name = "on"]
    On,
    #[name = "off"]
    Off,
}

/// Turn collection of your replies as wins on or off. While off, nothing of yours is kept.
#[poise::command(slash_command)]
async fn collect(
    ctx: Context<'_>,
    #[description = "on or off"] setting: OnOff,
) -> Result<(), Error> {
    let on = matches!(setting, OnOff::On);
    ctx.data().wins.set_collecting(member(ctx), on).await?;
    private(
        ctx,
        if on {
            "Collection is on: your replies to the daily post count as wins, shared as you choose."
        } else {
            "Collection is off: from now on I keep nothing of yours, not even a count. `/privacy collect on` turns it back on."
        },
    )
    .await
}

/// How your collected replies are shared unless you say otherwise.
#[poise::command(slash_command)]
async fn sharing(
    ctx: Context<'_>,
    #[description = "Your usual choice"] visibility: VisibilityChoice,
) -> Result<(), Error> {
    let visibility = Visibility::from(visibility);
    ctx.data()
        .wins
        .set_default_visibility(member(ctx), visibility)
        .await?;
    private(
        ctx,
        format!("Saved: your replies will be {}.", visibility.outcome()),
    )
    .await
}
