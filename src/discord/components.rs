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

/// A button on the daily post. Its answers are new private messages: the post itself is shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DailyButton {
    /// "I did it".
    Done { post_id: i64 },
    /// "Give me a smaller one".
    Smaller { act_id: i64 },
    /// "Another idea".
    Idea,
}

impl DailyButton {
    pub fn custom_id(&self) -> String {
        match self {
            DailyButton::Done { post_id } => format!("daily:done:{post_id}"),
            DailyButton::Smaller { act_id } => format!("daily:smaller:{act_id}"),
            DailyButton::Idea => "daily:idea".to_owned(),
        }
    }

    pub fn parse(custom_id: &str) -> Option<DailyButton> {
        let mut parts = custom_id.split(':');
        if parts.next()? != "daily" {
            return None;
        }
        let kind = parts.next()?;
        if kind == "idea" {
            return parts.next().is_none().then_some(DailyButton::Idea);
        }
        let id: i64 = parts.next()?.parse().ok()?;
        match kind {
            "done" => Some(DailyButton::Done { post_id: id }),
            "smaller" => Some(DailyButton::Smaller { act_id: id }),
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
    if let Some(button) = DailyButton::parse(&interaction.data.custom_id) {
        Metrics::incr(&data.metrics.commands);
        let response = daily_button(data, interaction, button).await?;
        interaction.create_response(&ctx.http, response).await?;
        return Ok(());
    }
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

/// Answers a daily-post button with a new private message.
async fn daily_button(
    data: &Data,
    interaction: &serenity::ComponentInteraction,
    button: DailyButton,
) -> Result<serenity::CreateInteractionResponse, Error> {
    let guild_id = interaction.guild_id.map(|g| snowflake_to_db(g.get()));
    let member_id = interaction.user.id.get();
    let message = match button {
        DailyButton::Done { post_id } => {
            let post = data
                .store
                .post_by_id(post_id)
                .await?
                .filter(|p| Some(p.guild_id) == guild_id);
            match post {
                None => render::notice(render::POST_GONE),
                Some(post) => {
                    let counted = data
                        .store
                        .record_done(
                            post.guild_id,
                            member_id,
                            post.id,
                            post.act_id,
                            data.clock.now_ms(),
                        )
                        .await?;
                    render::notice(if counted {
                        render::DONE_COUNTED
                    } else {
                        render::DONE_ALREADY
                    })
                }
            }
        }
        DailyButton::Smaller { act_id } => {
            match data.ideas.smaller(guild_id, member_id, act_id).await? {
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
            }
        }
        DailyButton::Idea => match data
            .ideas
            .offer(guild_id, member_id, &ActFilter::default())
            .await?
        {
            Some(act) => {
                render::idea_message(&act, &ActFilter::default(), guild_id.is_some(), None)
            }
            None => render::notice(render::NOTHING_MATCHES),
        },
    };
    Ok(serenity::CreateInteractionResponse::Message(message))
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
    fn daily_buttons_round_trip() {
        for button in [
            DailyButton::Done { post_id: 7 },
            DailyButton::Smaller { act_id: 9 },
            DailyButton::Idea,
        ] {
            assert_eq!(DailyButton::parse(&button.custom_id()), Some(button));
        }
        for id in [
            "daily",
            "daily:done",
            "daily:done:x",
            "daily:idea:1",
            "idea:more:1:-.-.-",
        ] {
            assert_eq!(DailyButton::parse(id), None, "{id}");
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
