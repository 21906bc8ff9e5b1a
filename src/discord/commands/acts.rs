//! `/acts add`, `/acts review` (admins) and `/suggest` (members): a server's own acts.

use poise::serenity_prelude as serenity;

use super::idea::{SettingChoice, SizeChoice, WayChoice};
use super::{guild, member, private};
use crate::acts::{Act, Setting, Size, Way};
use crate::discord::answer::Answer;
use crate::discord::component_id::ComponentId;
use crate::discord::{Context, Data, Error, no_mentions, render};
use crate::ids::{GuildId, SuggestionId};
use crate::store::Suggestion;

/// Pending suggestions one member may have at once.
pub const MAX_PENDING_PER_MEMBER: i64 = 3;

/// Checks a member's act text: length within what the catalogue allows. Invisible direction
/// controls and piles of combining marks are removed: everyone in the server will see it.
fn act_text(text: &str) -> Result<String, String> {
    let cleaned = crate::echo::clean(text);
    let text = cleaned.trim();
    let chars = text.chars().count();
    if chars < crate::acts::MIN_ACT_TEXT {
        return Err(format!(
            "That's a little short: describe the act in at least {} characters, like \"Ask a colleague how their weekend really went.\"",
            crate::acts::MIN_ACT_TEXT
        ));
    }
    if chars > crate::acts::MAX_ACT_TEXT {
        return Err(format!(
            "That's {chars} characters; an act reads best at {} or fewer, like \"Ask a colleague how their weekend really went.\" Could you shorten it?",
            crate::acts::MAX_ACT_TEXT
        ));
    }
    Ok(text.to_owned())
}

fn new_act(text: String, size: SizeChoice, way: WayChoice, setting: Option<SettingChoice>) -> Act {
    Act {
        slug: format!("own-{:016x}", rand::random::<u64>()),
        text,
        size: Size::from(size),
        way: Way::from(way),
        settings: vec![setting.map(Setting::from).unwrap_or(Setting::Anywhere)],
        needs: vec![],
    }
}

/// Add and review your server's own acts (admins).
#[poise::command(
    slash_command,
    guild_only,
    subcommands("add", "review"),
    subcommand_required,
    default_member_permissions = "MANAGE_GUILD",
    required_permissions = "MANAGE_GUILD"
)]
pub async fn acts(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// Add an act of your own to this server's catalogue.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn add(
    ctx: Context<'_>,
    #[description = "The act, e.g. Bring in a photo from your first week and share the story"]
    #[max_length = 300]
    text: String,
    #[description = "How big a step it is"] size: SizeChoice,
    #[description = "Which of the Five Ways to Wellbeing"] way: WayChoice,
    #[description = "Where it fits (default: anywhere)"] setting: Option<SettingChoice>,
) -> Result<(), Error> {
    let text = match act_text(&text) {
        Ok(text) => text,
        Err(why) => return private(ctx, why).await,
    };
    let guild_id = guild(ctx)?;
    let act = new_act(text, size, way, setting);
    ctx.data()
        .store
        .add_server_act(guild_id, &act, "admin", ctx.data().clock.now_ms())
        .await?;
    private(
        ctx,
        format!(
            "Added to this server's acts: {} ({}, {}).",
            crate::echo::quote_up_to(&act.text, crate::acts::MAX_ACT_TEXT),
            act.size.label(),
            act.way.label()
        ),
    )
    .await
}

/// Review members' suggestions: approve or decline each.
#[poise::command(slash_command, guild_only, required_permissions = "MANAGE_GUILD")]
async fn review(ctx: Context<'_>) -> Result<(), Error> {
    let guild_id = guild(ctx)?;
    let pending = ctx.data().store.pending_suggestions(guild_id).await?;
    let (content, embed, components) = review_message(&pending);
    let mut reply = poise::CreateReply::default()
        .content(content)
        .components(components)
        .ephemeral(true)
        .allowed_mentions(no_mentions());
    if let Some(embed) = embed {
        reply = reply.embed(embed);
    }
    super::reply(ctx, reply).await
}

type ReviewMessage = (
    String,
    Option<serenity::CreateEmbed>,
    Vec<serenity::CreateActionRow>,
);

/// The first pending suggestion with Approve and Decline buttons, or "all done".
fn review_message(pending: &[Suggestion]) -> ReviewMessage {
    let Some(first) = pending.first() else {
        return (
            "No suggestions are waiting. Members can suggest acts with `/suggest`.".to_owned(),
            None,
            vec![],
        );
    };
    let embed = serenity::CreateEmbed::new()
        .title(format!("Suggestion 1 of {}", pending.len()))
        .description(render::escape_markdown(&first.act.text))
        .field("Size", first.act.size.label(), true)
        .field("Way to Wellbeing", first.act.way.label(), true)
        .field("Suggested by", format!("<@{}>", first.member_id), true);
    let buttons = vec![
        serenity::CreateButton::new(
            ComponentId::Review {
                suggestion: first.id,
                approve: true,
            }
            .render(),
        )
        .label("Approve")
        .style(serenity::ButtonStyle::Success),
        serenity::CreateButton::new(
            ComponentId::Review {
                suggestion: first.id,
                approve: false,
            }
            .render(),
        )
        .label("Decline")
        .style(serenity::ButtonStyle::Danger),
    ];
    (
        String::new(),
        Some(embed),
        vec![serenity::CreateActionRow::Buttons(buttons)],
    )
}

/// Handles Approve/Decline: checks Manage Server again (buttons can be forwarded), decides,
/// tells the suggester privately, and shows the next suggestion.
pub async fn review_button(
    ctx: &serenity::Context,
    data: &Data,
    interaction: &serenity::ComponentInteraction,
    guild_id: GuildId,
    id: SuggestionId,
    approve: bool,
) -> Result<(), Error> {
    let allowed = interaction
        .member
        .as_ref()
        .and_then(|m| m.permissions)
        .is_some_and(|p| p.manage_guild());
    let answer = Answer::for_button(interaction);
    if !allowed {
        answer
            .say(
                &ctx.http,
                "Reviewing suggestions needs the Manage Server permission.",
            )
            .await?;
        return Ok(());
    }
    // Read before deciding, so the decision is the last thing done: if the database stops
    // answering, either it was made or nothing was.
    let mut pending = data.store.pending_suggestions(guild_id).await?;
    let decided = data
        .store
        .decide_suggestion(
            guild_id,
            id,
            approve,
            interaction.user.id.into(),
            data.clock.now_ms(),
        )
        .await?;
    pending.retain(|s| s.id != id);
    let (content, embed, components) = review_message(&pending);
    let note = match &decided {
        Some(_) if approve => "Approved: it's in this server's acts now.",
        Some(_) => "Declined.",
        None => "Someone else already decided that one.",
    };
    let update = serenity::CreateInteractionResponseMessage::new()
        .content(format!("{note} {content}"))
        .embeds(embed.into_iter().collect())
        .components(components)
        .allowed_mentions(no_mentions());
    answer
        .respond(
            &ctx.http,
            serenity::CreateInteractionResponse::UpdateMessage(update),
        )
        .await?;
    if let Some(suggestion) = decided {
        // The decision is made and shown: a database hiccup here only loses the name.
        let server = data
            .store
            .server(guild_id)
            .await
            .ok()
            .flatten()
            .map(|s| s.name)
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| "your server".into());
        let text = if approve {
            format!(
                "Good news: your suggested act for {server} was approved and joins its catalogue. Thank you for adding to it."
            )
        } else {
            format!(
                "Your suggested act for {server} wasn't added this time. Thank you for suggesting it: keep the ideas coming."
            )
        };
        let dm = async {
            let channel = serenity::UserId::from(suggestion.member_id)
                .create_dm_channel(&ctx.http)
                .await?;
            channel
                .send_message(
                    &ctx.http,
                    serenity::CreateMessage::new()
                        .content(text)
                        .allowed_mentions(no_mentions()),
                )
                .await
        };
        if let Err(error) = dm.await {
            tracing::info!(error = %error, "could not tell a member about their suggestion (DMs closed?)");
        }
    }
    Ok(())
}

/// Suggest an act for this server's catalogue; an admin reviews it.
#[poise::command(slash_command, guild_only)]
pub async fn suggest(
    ctx: Context<'_>,
    #[description = "The act, e.g. Learn one word in a colleague's first language"]
    #[max_length = 300]
    text: String,
    #[description = "How big a step it is (default: smaller)"] size: Option<SizeChoice>,
    #[description = "Which Way to Wellbeing (default: connect)"] way: Option<WayChoice>,
    #[description = "Where it fits (default: anywhere)"] setting: Option<SettingChoice>,
) -> Result<(), Error> {
    let text = match act_text(&text) {
        Ok(text) => text,
        Err(why) => return private(ctx, why).await,
    };
    let guild_id = guild(ctx)?;
    let member = member(ctx);
    let store = &ctx.data().store;
    if store.pending_suggestions_by(guild_id, member).await? >= MAX_PENDING_PER_MEMBER {
        return private(
            ctx,
            format!("You have {MAX_PENDING_PER_MEMBER} suggestions waiting for an admin already. Once they're reviewed you can suggest more."),
        )
        .await;
    }
    let act = new_act(
        text,
        size.unwrap_or(SizeChoice::Smaller),
        way.unwrap_or(WayChoice::Connect),
        setting,
    );
    store
        .add_suggestion(guild_id, member, &act, ctx.data().clock.now_ms())
        .await?;
    private(ctx, "Thank you! Your suggestion is waiting for an admin to review. I'll let you know privately what they decide.").await
}
