//! What the bot's buttons and forms do: one match routes every click, another every form,
//! by their [`ComponentId`]. Ids hold all the state a click needs, so a button keeps working
//! after a restart (nothing waits in memory for it).

use poise::serenity_prelude as serenity;

use super::answer::Answer;
use super::component_id::ComponentId;
use super::render;
use super::{Data, Error};
use crate::acts::ActFilter;
use crate::ideas::Smaller;
use crate::ids::{GuildId, MemberId};
use crate::ops::Metrics;
use crate::wins::Recorded;

/// Routes a button click to what it does; buttons that are not ours (or from an older
/// version) are left unanswered, and `InTime` says so. The check-in and review buttons only
/// work in the server they were posted in.
pub async fn route_button(
    ctx: &serenity::Context,
    data: &Data,
    interaction: &serenity::ComponentInteraction,
) -> Result<(), Error> {
    let Some(button) = ComponentId::parse(&interaction.data.custom_id) else {
        return Ok(());
    };
    let guild_id = interaction.guild_id.map(GuildId::from);
    match (button, guild_id) {
        (
            ComponentId::DailyDone { .. }
            | ComponentId::DailySmaller { .. }
            | ComponentId::DailyIdea,
            _,
        ) => {
            Metrics::incr(&data.metrics.commands);
            let response = daily_button(data, interaction, button).await?;
            Answer::for_button(interaction)
                .respond(&ctx.http, response)
                .await?;
            Ok(())
        }
        (
            ComponentId::IdeaAnother { .. }
            | ComponentId::IdeaSmaller { .. }
            | ComponentId::IdeaShare { .. },
            _,
        ) => idea_button(ctx, data, interaction, button).await,
        (
            ComponentId::WinVisibility { .. }
            | ComponentId::WinDelete { .. }
            | ComponentId::PrivacyForget { .. }
            | ComponentId::PrivacyKeep,
            _,
        ) => wins_button(ctx, data, interaction, button).await,
        (
            ComponentId::Review {
                suggestion,
                approve,
            },
            Some(guild_id),
        ) => {
            super::commands::acts::review_button(
                ctx,
                data,
                interaction,
                guild_id,
                suggestion,
                approve,
            )
            .await
        }
        (ComponentId::Pulse { run, feeling }, Some(guild_id)) => {
            super::checkins::pulse_button(ctx, data, interaction, guild_id, run, feeling).await
        }
        (ComponentId::TellBuddy, Some(guild_id)) => {
            super::checkins::tell_buddy_button(ctx, data, interaction, guild_id).await
        }
        (ComponentId::Review { .. } | ComponentId::Pulse { .. } | ComponentId::TellBuddy, None)
        | (ComponentId::DidItForm { .. }, _) => Ok(()),
    }
}

/// Routes a form sent back to what it does; forms that are not ours are left unanswered.
pub async fn route_form(
    ctx: &serenity::Context,
    data: &Data,
    modal: &serenity::ModalInteraction,
) -> Result<(), Error> {
    match ComponentId::parse(&modal.data.custom_id) {
        Some(ComponentId::DidItForm { post }) => did_it_form(ctx, data, modal, post).await,
        _ => Ok(()),
    }
}

/// Answers an `/idea` button by replacing the idea with the next one.
async fn idea_button(
    ctx: &serenity::Context,
    data: &Data,
    interaction: &serenity::ComponentInteraction,
    button: ComponentId,
) -> Result<(), Error> {
    Metrics::incr(&data.metrics.commands);
    let guild_id = interaction.guild_id.map(GuildId::from);
    let member_id = MemberId::from(interaction.user.id);
    let in_guild = guild_id.is_some();
    let response = match button {
        ComponentId::IdeaAnother { filter, .. } => {
            match data.ideas.offer(guild_id, member_id, &filter).await {
                Some(act) => render::update(render::idea_message(&act, &filter, in_guild, None)),
                None => render::update(render::notice(render::NOTHING_MATCHES)),
            }
        }
        ComponentId::IdeaSmaller { current } => {
            match data.ideas.smaller(guild_id, member_id, current).await? {
                Smaller::Offer(act) => render::update(render::idea_message(
                    &act,
                    &ActFilter::default(),
                    in_guild,
                    None,
                )),
                Smaller::AlreadySmallest(act) => render::update(render::idea_message(
                    &act,
                    &ActFilter::default(),
                    in_guild,
                    Some(render::ALREADY_SMALLEST),
                )),
                Smaller::Gone => render::update(render::notice(render::ACT_GONE)),
                Smaller::NoneFits => render::update(render::notice(render::NOTHING_SMALLER_FITS)),
            }
        }
        ComponentId::IdeaShare { act } => match data.ideas.act(act).await? {
            Some(act) => {
                let name = interaction
                    .member
                    .as_ref()
                    .and_then(|m| m.nick.clone())
                    .or_else(|| interaction.user.global_name.clone())
                    .unwrap_or_else(|| interaction.user.name.clone());
                serenity::CreateInteractionResponse::Message(render::shared_idea(&act, &name))
            }
            None => render::update(render::notice(render::ACT_GONE)),
        },
        _ => return Ok(()),
    };
    Answer::for_button(interaction)
        .respond(&ctx.http, response)
        .await?;
    Ok(())
}

/// Answers the buttons about wins and privacy.
async fn wins_button(
    ctx: &serenity::Context,
    data: &Data,
    interaction: &serenity::ComponentInteraction,
    button: ComponentId,
) -> Result<(), Error> {
    let member_id = MemberId::from(interaction.user.id);
    let response = match button {
        ComponentId::WinVisibility { win, visibility } => {
            let saved = data.wins.set_visibility(win, member_id, visibility).await?;
            let text = if saved {
                format!(
                    "Saved: it will be {}. You can change it any time with `/wins mine`.",
                    visibility.outcome()
                )
            } else {
                "That win is gone or isn't yours.".to_owned()
            };
            render::update(render::notice(&text))
        }
        ComponentId::WinDelete { win } => {
            // Read first, so deleting is the last thing done: if the database stops
            // answering, either the win is gone or nothing changed. (Outside a server there
            // are none of theirs to list.)
            let mut wins = match interaction.guild_id {
                Some(guild) => data.wins.mine(guild.into(), member_id, 6).await?,
                None => Vec::new(),
            };
            data.wins.delete_mine(win, member_id).await?;
            wins.retain(|w| w.id != win);
            wins.truncate(5);
            let (embed, rows) = render::my_wins(&wins);
            render::update(
                serenity::CreateInteractionResponseMessage::new()
                    .content("Deleted.")
                    .embed(embed)
                    .components(rows)
                    .allowed_mentions(super::no_mentions()),
            )
        }
        ComponentId::PrivacyForget { member } => {
            // Only the member themselves can erase their data, whoever got hold of the button.
            if member != member_id {
                serenity::CreateInteractionResponse::Message(render::notice(
                    "Only the person who asked can confirm this.",
                ))
            } else {
                let report = data.store.forget_member(member_id).await?;
                data.ideas.forget_member(member_id);
                render::update(render::notice(&format!(
                    "Done. I erased everything I kept about you ({} row(s)). If you take part again, it starts afresh.",
                    report.total()
                )))
            }
        }
        ComponentId::PrivacyKeep => render::update(render::notice("Nothing was erased.")),
        _ => return Ok(()),
    };
    Metrics::incr(&data.metrics.commands);
    Answer::for_button(interaction)
        .respond(&ctx.http, response)
        .await?;
    Ok(())
}

/// The "I did it" form: counts the win with its words, then asks who may see them.
async fn did_it_form(
    ctx: &serenity::Context,
    data: &Data,
    modal: &serenity::ModalInteraction,
    post_id: crate::ids::PostId,
) -> Result<(), Error> {
    Metrics::incr(&data.metrics.commands);
    let text: Option<String> = modal
        .data
        .components
        .iter()
        .flat_map(|row| row.components.iter())
        .find_map(|c| match c {
            serenity::ActionRowComponent::InputText(input) if input.custom_id == "text" => {
                input.value.clone()
            }
            _ => None,
        });
    let guild_id = modal.guild_id.map(GuildId::from);
    let post = data
        .store
        .post_by_id(post_id)
        .await?
        .filter(|p| Some(p.guild_id) == guild_id);
    let message = match post {
        None => render::notice(render::POST_GONE),
        Some(post) => {
            let recorded = data
                .wins
                .did_it(
                    post.guild_id,
                    modal.user.id.into(),
                    post.id,
                    post.act_id,
                    text.as_deref(),
                )
                .await?;
            data.metrics.count_win(&recorded);
            match recorded {
                Recorded::Stored(win_id)
                    if text.as_deref().is_some_and(|t| !t.trim().is_empty()) =>
                {
                    render::notice(
                        "Counted as one of today's wins, thank you. Who may see your words?",
                    )
                    .components(render::visibility_buttons(win_id))
                }
                Recorded::Stored(_) => render::notice(render::DONE_COUNTED),
                Recorded::NotCollecting => render::notice(render::NOT_COLLECTING),
                Recorded::TooMany { limit } => render::notice(&render::too_many(limit)),
            }
        }
    };
    Answer::for_form(modal)
        .respond(
            &ctx.http,
            serenity::CreateInteractionResponse::Message(message),
        )
        .await?;
    Ok(())
}

/// Answers a daily-post button with a new private message.
async fn daily_button(
    data: &Data,
    interaction: &serenity::ComponentInteraction,
    button: ComponentId,
) -> Result<serenity::CreateInteractionResponse, Error> {
    let guild_id = interaction.guild_id.map(GuildId::from);
    let member_id = MemberId::from(interaction.user.id);
    let message = match button {
        // Ask how it went (optional) before counting it. A form can only be the first
        // answer, so it opens at once: the post is looked up when the form comes back.
        ComponentId::DailyDone { post } => {
            return Ok(serenity::CreateInteractionResponse::Modal(
                render::did_it_modal(post),
            ));
        }
        ComponentId::DailySmaller { act } => {
            match data.ideas.smaller(guild_id, member_id, act).await? {
                Smaller::Offer(act) => {
                    render::idea_message(&act, &ActFilter::default(), guild_id.is_some(), None)
                }
                Smaller::AlreadySmallest(act) => render::idea_message(
                    &act,
                    &ActFilter::default(),
                    guild_id.is_some(),
                    Some(render::ALREADY_SMALLEST),
                ),
                Smaller::Gone => render::notice(render::ACT_GONE),
                Smaller::NoneFits => render::notice(render::NOTHING_SMALLER_FITS),
            }
        }
        // "Another idea" (`DailyIdea`: the router sends only the daily post's buttons here).
        _ => match data
            .ideas
            .offer(guild_id, member_id, &ActFilter::default())
            .await
        {
            Some(act) => {
                render::idea_message(&act, &ActFilter::default(), guild_id.is_some(), None)
            }
            None => render::notice(render::NOTHING_MATCHES),
        },
    };
    Ok(serenity::CreateInteractionResponse::Message(message))
}
