//! How things look in Discord: embeds, buttons and the words around them. Every message
//! built here parses no mentions.

use poise::serenity_prelude as serenity;

use super::components::IdeaButton;
use super::no_mentions;
use crate::acts::{ActFilter, Size};
use crate::store::StoredAct;

pub const NOTHING_MATCHES: &str = "No act matches all of those choices yet. Try `/idea` with fewer options: \
     size, way and setting each narrow it down.";
pub const ALREADY_SMALLEST: &str = "This one is already as small as they come, and small is plenty. \
     Even a smile at someone counts.";
pub const ACT_GONE: &str = "That act has left the catalogue since this message was sent. \
     Run `/idea` for a fresh one.";

/// The colour strip of an act's embed, lighter for smaller acts.
fn colour(size: Size) -> serenity::Colour {
    match size {
        Size::Smallest => serenity::Colour::new(0x8fd694),
        Size::Smaller => serenity::Colour::new(0x4fb477),
        Size::Small => serenity::Colour::new(0x2e8b57),
    }
}

/// An act as an embed: the act itself, then its size and Way.
pub fn act_embed(act: &StoredAct, title: &str) -> serenity::CreateEmbed {
    serenity::CreateEmbed::new()
        .title(title)
        .description(&act.act.text)
        .colour(colour(act.act.size))
        .field("Size", act.act.size.label(), true)
        .field("Way to Wellbeing", act.act.way.label(), true)
}

/// An ephemeral `/idea` answer with its buttons; `note` is shown above the embed.
pub fn idea_message(
    act: &StoredAct,
    filter: &ActFilter,
    in_guild: bool,
    note: Option<&str>,
) -> serenity::CreateInteractionResponseMessage {
    let mut buttons = vec![
        serenity::CreateButton::new(
            IdeaButton::Another {
                current: act.id,
                filter: *filter,
            }
            .custom_id(),
        )
        .label("Another idea")
        .style(serenity::ButtonStyle::Primary),
        serenity::CreateButton::new(IdeaButton::Smaller { current: act.id }.custom_id())
            .label("Make it smaller")
            .style(serenity::ButtonStyle::Secondary),
    ];
    if in_guild {
        buttons.push(
            serenity::CreateButton::new(IdeaButton::Share { act: act.id }.custom_id())
                .label("Share with the channel")
                .style(serenity::ButtonStyle::Success),
        );
    }
    serenity::CreateInteractionResponseMessage::new()
        .content(note.unwrap_or_default())
        .embed(act_embed(act, "A small act of connection").footer(
            serenity::CreateEmbedFooter::new(
                "Only you can see this. Share it if it might spark someone else.",
            ),
        ))
        .components(vec![serenity::CreateActionRow::Buttons(buttons)])
        .ephemeral(true)
        .allowed_mentions(no_mentions())
}

/// A short ephemeral notice with no buttons.
pub fn notice(text: &str) -> serenity::CreateInteractionResponseMessage {
    serenity::CreateInteractionResponseMessage::new()
        .content(text)
        .embeds(vec![])
        .components(vec![])
        .ephemeral(true)
        .allowed_mentions(no_mentions())
}

/// An act shared publicly, attributed to the member in the embed's author line (which
/// Discord never parses for mentions or markdown).
pub fn shared_idea(act: &StoredAct, sharer: &str) -> serenity::CreateInteractionResponseMessage {
    serenity::CreateInteractionResponseMessage::new()
        .embed(
            act_embed(act, "A small act of connection")
                .author(serenity::CreateEmbedAuthor::new(format!(
                    "{} shared an idea",
                    truncate(sharer, 200)
                )))
                .footer(serenity::CreateEmbedFooter::new(
                    "Fancy trying it too? /idea finds one that suits you.",
                )),
        )
        .allowed_mentions(no_mentions())
}

/// Replaces the message a button was on.
pub fn update(
    message: serenity::CreateInteractionResponseMessage,
) -> serenity::CreateInteractionResponse {
    serenity::CreateInteractionResponse::UpdateMessage(message)
}

/// Cuts text to `max` characters, ending with an ellipsis when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_counts_characters_and_marks_the_cut() {
        assert_eq!(truncate("héllo", 5), "héllo");
        assert_eq!(truncate("héllo world", 5), "héll…");
        assert_eq!(truncate("héllo world", 5).chars().count(), 5);
    }
}
