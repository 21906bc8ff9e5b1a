//! Buttons, and what their custom ids carry. Ids hold all the state a click needs, so a
//! button keeps working after a restart (nothing waits in memory for it).

use poise::serenity_prelude as serenity;

use super::render;
use super::{Data, Error};
use crate::acts::ActFilter;
use crate::ideas::Smaller;
use crate::ops::Metrics;
use crate::store::snowflake_to_db;

/// A button on an `/idea` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdeaButton {
    /// "Another idea" with the same filters.
    Another { current: i64, filter: ActFilter },
    /// "Make it smaller": same Way, one size down.
    Smaller { current: i64 },
    /// "Share with the channel".
    Share { act: i64 },
}

impl IdeaButton {
    pub fn custom_id(&self) -> String {
        match self {
            IdeaButton::Another { current, filter } => format!(
                "idea:more:{current}:{}.{}.{}",
                word(filter.size),
                word(filter.way),
                word(filter.setting)
            ),
            IdeaButton::Smaller { current } => format!("idea:smaller:{current}"),
            IdeaButton::Share { act } => format!("idea:share:{act}"),
        }
    }

    pub fn parse(custom_id: &str) -> Option<IdeaButton> {
        let mut parts = custom_id.split(':');
        if parts.next()? != "idea" {
            return None;
        }
        let kind = parts.next()?;
        let id: i64 = parts.next()?.parse().ok()?;
        match kind {
            "more" => {
                let mut tags = parts.next()?.split('.');
                let filter = ActFilter {
                    size: tag(tags.next()?)?,
                    way: tag(tags.next()?)?,
                    setting: tag(tags.next()?)?,
                };
                Some(IdeaButton::Another {
                    current: id,
                    filter,
                })
            }
            "smaller" => Some(IdeaButton::Smaller { current: id }),
            "share" => Some(IdeaButton::Share { act: id }),
            _ => None,
        }
    }
}

fn word<T: std::fmt::Display>(tag: Option<T>) -> String {
    tag.map_or_else(|| "-".to_owned(), |t| t.to_string())
}

/// "-" is "any"; an unknown word makes the whole id invalid.
fn tag<T: std::str::FromStr>(word: &str) -> Option<Option<T>> {
    if word == "-" {
        Some(None)
    } else {
        word.parse().ok().map(Some)
    }
}

/// Handles a button click; ignores buttons that are not ours.
pub async fn handle(
    ctx: &serenity::Context,
    data: &Data,
    interaction: &serenity::ComponentInteraction,
) -> Result<(), Error> {
    let Some(button) = IdeaButton::parse(&interaction.data.custom_id) else {
        return Ok(());
    };
    Metrics::incr(&data.metrics.commands);
    let guild_id = interaction.guild_id.map(|g| snowflake_to_db(g.get()));
    let member_id = interaction.user.id.get();
    let in_guild = interaction.guild_id.is_some();
    let response = match button {
        IdeaButton::Another { filter, .. } => {
            match data.ideas.offer(guild_id, member_id, &filter).await? {
                Some(act) => render::update(render::idea_message(&act, &filter, in_guild, None)),
                None => render::update(render::notice(render::NOTHING_MATCHES)),
            }
        }
        IdeaButton::Smaller { current } => {
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
            }
        }
        IdeaButton::Share { act } => match data.ideas.act(act).await? {
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
    };
    interaction.create_response(&ctx.http, response).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::acts::{Setting, Size, Way};

    #[test]
    fn custom_ids_round_trip_and_fit_discords_limit() {
        let buttons = [
            IdeaButton::Another {
                current: i64::MAX,
                filter: ActFilter {
                    size: Some(Size::Smallest),
                    way: Some(Way::KeepLearning),
                    setting: Some(Setting::Community),
                },
            },
            IdeaButton::Another {
                current: 3,
                filter: ActFilter::default(),
            },
            IdeaButton::Smaller { current: 9 },
            IdeaButton::Share { act: 12 },
        ];
        for button in buttons {
            let id = button.custom_id();
            assert!(id.len() <= 100, "{id}");
            assert_eq!(IdeaButton::parse(&id), Some(button), "{id}");
        }
    }

    #[test]
    fn foreign_or_broken_ids_are_ignored() {
        for id in [
            "",
            "idea",
            "idea:more:1",
            "idea:more:x:-.-.-",
            "idea:more:1:huge.-.-",
            "other:share:1",
            "idea:zap:1",
        ] {
            assert_eq!(IdeaButton::parse(id), None, "{id}");
        }
    }
}
