//! Check-ins on Discord: how a check-in, its pulse results and the support list look, and
//! what the pulse and "let my buddy know" buttons do. Custom ids carry all a click needs.

use std::time::Duration;

use poise::serenity_prelude as serenity;

use super::answer::Answer;
use super::component_id::ComponentId;
use super::render::{notice, truncate};
use super::{Data, Error, no_mentions};
use crate::checkins::{CheckinError, Feeling, PulseAnswered, PulseResult, SupportView};
use crate::ids::{GuildId, MemberId, RunId};
use crate::jobs::CheckinPost;
use crate::ops::Metrics;

/// A warm, neutral colour: nothing about a check-in should look like an alert.
const CHECKIN_COLOUR: serenity::Colour = serenity::Colour::new(0x7BA7BC);

/// A check-in post: the prompt, and the pulse buttons when it has a pulse.
pub fn checkin_message(post: &CheckinPost, nonce: Option<String>) -> serenity::CreateMessage {
    let mut description = format!("**{}**\n\n", post.prompt);
    if post.style.has_thread() {
        description.push_str(
            "No agenda: say as much or as little as you like in the thread, and a word, an emoji or \"pass\" is fine too.\n",
        );
    }
    if post.style.has_pulse() {
        description.push_str(&format!(
            "\n**How are you really doing?** Tap one below. It's anonymous: nobody, admins \
             included, sees who answered what. Totals are shown when the pulse closes at {}, \
             and only if at least {} people answered. You can change your answer until then.",
            post.closes, post.min_answers
        ));
    }
    let embed = serenity::CreateEmbed::new()
        .title(format!("🫖 {}", post.title))
        .description(truncate(&description, 4000))
        .colour(CHECKIN_COLOUR)
        .footer(serenity::CreateEmbedFooter::new(
            "Struggling? /support lists people you can talk to, privately.",
        ));
    let mut message = serenity::CreateMessage::new()
        .embed(embed)
        .allowed_mentions(no_mentions());
    if post.style.has_pulse() {
        let buttons = Feeling::ALL
            .into_iter()
            .map(|f| {
                serenity::CreateButton::new(
                    ComponentId::Pulse {
                        run: post.run_id,
                        feeling: f,
                    }
                    .render(),
                )
                .label(f.label())
                .emoji(serenity::ReactionType::Unicode(f.emoji().into()))
                .style(serenity::ButtonStyle::Secondary)
            })
            .collect();
        message = message.components(vec![serenity::CreateActionRow::Buttons(buttons)]);
    }
    if let Some(nonce) = nonce {
        message = message
            .nonce(serenity::Nonce::String(nonce))
            .enforce_nonce(true);
    }
    message
}

/// A closed pulse: totals only, and only when enough people answered.
pub fn pulse_results_message(
    title: &str,
    result: &PulseResult,
    min_answers: u32,
) -> serenity::CreateMessage {
    let description = match result.counts {
        Some(counts) => {
            let most = counts.iter().copied().max().unwrap_or(0).max(1);
            let mut lines: Vec<String> = Feeling::ALL
                .into_iter()
                .rev()
                .map(|f| {
                    let n = counts[(f.score() - 1) as usize];
                    let bar = "█".repeat(((n * 10 + most - 1) / most) as usize);
                    format!("{} **{}** {bar} {n}", f.emoji(), f.label())
                })
                .collect();
            lines.push(String::new());
            lines.push(format!(
                "{} people answered. The answers themselves are deleted; only these totals are kept.",
                result.answers
            ));
            lines.push(
                "If today is heavy for you, you're not the only one: `/support` lists people to talk to, and a message to a teammate goes a long way."
                    .into(),
            );
            lines.join("\n")
        }
        None => format!(
            "{} answered: fewer than {min_answers}, so no totals are shown, to keep everyone's \
             answer private. The answers are deleted. Thank you for checking in.",
            match result.answers {
                0 => "Nobody".to_string(),
                1 => "1 person".to_string(),
                n => format!("{n} people"),
            }
        ),
    };
    serenity::CreateMessage::new()
        .embed(
            serenity::CreateEmbed::new()
                .title(format!("🌤️ Pulse: {title}"))
                .description(description)
                .colour(CHECKIN_COLOUR),
        )
        .allowed_mentions(no_mentions())
}

/// The support list as an embed: the kind opening line, then each resource.
pub fn support_embed(view: &SupportView) -> serenity::CreateEmbed {
    let mut embed = serenity::CreateEmbed::new()
        .title("💛 You don't have to sort it out on your own")
        .description(truncate(&view.intro, 1000))
        .colour(CHECKIN_COLOUR);
    let built_in = view.resources.len() - view.server_added;
    // Discord refuses an embed over 6,000 characters in all; keep well inside it, so a server
    // with many long contacts still gets its answer (the rest are named in the footer).
    let mut budget = 5_600 - view.intro.chars().count().min(1000);
    let mut left_out = 0;
    for (i, resource) in view.resources.iter().enumerate().take(24) {
        let mut value = String::new();
        if let Some(contact) = &resource.contact {
            value.push_str(&format!("**{contact}**\n"));
        }
        value.push_str(&resource.details);
        if let Some(url) = &resource.url {
            value.push_str(&format!("\n{url}"));
        }
        let name = if i >= built_in {
            format!("{} (from this server)", resource.name)
        } else {
            resource.name.clone()
        };
        let (name, value) = (truncate(&name, 256), truncate(&value, 1024));
        let size = name.chars().count() + value.chars().count();
        if size > budget {
            left_out += 1;
            continue;
        }
        budget -= size;
        embed = embed.field(name, value, false);
    }
    if view.own_unavailable {
        embed = embed.field(
            "This server's own contacts",
            "I can't look them up just now; ask an admin, or try `/support` again in a minute.",
            false,
        );
    }
    let whose = match view.country {
        Some(country) if country.starts_with("United") => format!("Helplines for the {country}."),
        Some(country) => format!("Helplines for {country}."),
        None => "International helplines: no national numbers are shown here.".to_owned(),
    };
    let footer = if left_out > 0 {
        format!(
            "Only you can see this. {whose} {left_out} more contact(s) didn't fit here: ask an admin, or see the server's pinned messages."
        )
    } else {
        format!(
            "Only you can see this. {whose} Admins set the country with /settings and add their own contacts with /checkin resource-add."
        )
    };
    embed.footer(serenity::CreateEmbedFooter::new(footer))
}

/// The private answer to a pulse click: thanks, and for "struggling" the support list and
/// (only if they have a buddy) an offer to let their buddy know.
pub fn pulse_reply(
    answer: &PulseAnswered,
    support: Option<&SupportView>,
) -> serenity::CreateInteractionResponseMessage {
    let first = if answer.changed {
        format!(
            "Changed to {} {}.",
            answer.feeling.emoji(),
            answer.feeling.label()
        )
    } else {
        format!(
            "Thank you: {} {} is in.",
            answer.feeling.emoji(),
            answer.feeling.label()
        )
    };
    let still_needed = i64::from(answer.min_answers) - answer.answers_so_far;
    let totals = if still_needed > 0 {
        format!(
            "It's anonymous: the team only ever sees totals, and only if {still_needed} more {} by the time it closes.",
            if still_needed == 1 {
                "person answers"
            } else {
                "people answer"
            }
        )
    } else {
        "It's anonymous: the team only ever sees totals, when the pulse closes.".to_string()
    };
    let mut message = serenity::CreateInteractionResponseMessage::new()
        .ephemeral(true)
        .allowed_mentions(no_mentions())
        .components(vec![]);
    if let (Feeling::Struggling, Some(support)) = (answer.feeling, support) {
        message = message
            .content(format!(
                "{first} Thank you for being honest; that takes something on a hard day. {totals}\n\
                 Here are people you can talk to, any time:"
            ))
            .embed(support_embed(support));
        if answer.has_buddy {
            message = message.components(vec![serenity::CreateActionRow::Buttons(vec![
                serenity::CreateButton::new(ComponentId::TellBuddy.render())
                    .label("Let my buddy know I could use a chat")
                    .style(serenity::ButtonStyle::Primary),
            ])]);
        }
    } else {
        message = message.content(format!("{first} {totals}")).embeds(vec![]);
    }
    message
}

/// A pulse answer: recorded (or changed) while the check-in is open, answered privately.
pub async fn pulse_button(
    ctx: &serenity::Context,
    data: &Data,
    interaction: &serenity::ComponentInteraction,
    guild_id: GuildId,
    run_id: RunId,
    feeling: Feeling,
) -> Result<(), Error> {
    let member_id = MemberId::from(interaction.user.id);
    // Bounded well inside the interaction's own deadline, so that someone who is
    // struggling is shown the support list even when their answer can't be saved.
    let wait = Duration::from_millis(data.settings.discord.give_up_after_ms / 2);
    let recorded = data
        .store
        .within(wait, async {
            Ok(data
                .checkins
                .answer_pulse(guild_id, run_id, member_id, feeling)
                .await)
        })
        .await
        .unwrap_or_else(|e| Err(CheckinError::Store(e)));
    let response = match recorded {
        Ok(answer) => {
            Metrics::incr(&data.metrics.pulse_answers);
            // The support list is only shown with "struggling": read it only then.
            let support = match answer.feeling {
                Feeling::Struggling => Some(data.checkins.support(Some(guild_id)).await),
                _ => None,
            };
            pulse_reply(&answer, support.as_ref())
        }
        Err(CheckinError::Store(e)) if feeling == Feeling::Struggling => {
            tracing::warn!(error = %e, "a pulse answer could not be saved; signposting anyway");
            let support = data.checkins.support(Some(guild_id)).await;
            notice(PULSE_NOT_SAVED).embed(support_embed(&support))
        }
        Err(CheckinError::Store(e)) => return Err(e.into()),
        Err(other) => notice(&other.to_string()),
    };
    Metrics::incr(&data.metrics.commands);
    Answer::for_button(interaction)
        .respond(
            &ctx.http,
            serenity::CreateInteractionResponse::Message(response),
        )
        .await?;
    Ok(())
}

/// "Let my buddy know": queues a message to each buddy. The answer replaces the message it
/// was on, so the button goes away.
pub async fn tell_buddy_button(
    ctx: &serenity::Context,
    data: &Data,
    interaction: &serenity::ComponentInteraction,
    guild_id: GuildId,
) -> Result<(), Error> {
    let member_id = MemberId::from(interaction.user.id);
    let response = match data.checkins.tell_buddy(guild_id, member_id).await {
        Ok(buddies) => {
            let names: Vec<String> = buddies.iter().map(|b| format!("<@{b}>")).collect();
            notice(&format!(
                "I'll let {} know you could use a chat (by direct message, outside their quiet hours). Nothing else about you, or your answer, is shared.",
                names.join(" and ")
            ))
        }
        Err(CheckinError::Store(e)) => return Err(e.into()),
        Err(other) => notice(&other.to_string()),
    };
    Metrics::incr(&data.metrics.commands);
    Answer::for_button(interaction)
        .respond(
            &ctx.http,
            serenity::CreateInteractionResponse::UpdateMessage(response),
        )
        .await?;
    Ok(())
}

/// For someone who is struggling, when their answer can't be saved: signposting never waits.
const PULSE_NOT_SAVED: &str = "I couldn't save your answer just now (my database isn't \
     answering), so please tap it again later if you'd like it counted. It matters more that \
     you know who you can talk to, any time:";
