//! Buttons, and what their custom ids carry. Ids hold all the state a click needs, so a
//! button keeps working after a restart (nothing waits in memory for it).

use poise::serenity_prelude as serenity;

use super::answer::Answer;
use super::render;
use super::{Data, Error};
use crate::acts::ActFilter;
use crate::ideas::Smaller;
use crate::ops::Metrics;
use crate::store::snowflake_to_db;
use crate::wins::{Recorded, Visibility};

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
    let answer = Answer::for_button(interaction);
    if let Some(button) = DailyButton::parse(&interaction.data.custom_id) {
        Metrics::incr(&data.metrics.commands);
        let response = daily_button(data, interaction, button).await?;
        answer.respond(&ctx.http, response).await?;
        return Ok(());
    }
    // Not one of ours (or from an older version): `InTime` says so.
    let Some(button) = IdeaButton::parse(&interaction.data.custom_id) else {
        return Ok(());
    };
    Metrics::incr(&data.metrics.commands);
    let guild_id = interaction.guild_id.map(|g| snowflake_to_db(g.get()));
    let member_id = interaction.user.id.get();
    let in_guild = interaction.guild_id.is_some();
    let response = match button {
        IdeaButton::Another { filter, .. } => {
            match data.ideas.offer(guild_id, member_id, &filter).await {
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
    answer.respond(&ctx.http, response).await?;
    Ok(())
}

/// Handles the buttons about wins and privacy; `false` if the button is not one of them.
pub async fn handle_wins(
    ctx: &serenity::Context,
    data: &Data,
    interaction: &serenity::ComponentInteraction,
) -> Result<bool, Error> {
    let member_id = interaction.user.id.get();
    let parts: Vec<&str> = interaction.data.custom_id.split(':').collect();
    let response = match parts.as_slice() {
        ["win", "vis", id, visibility] => {
            let (Ok(win_id), Some(visibility)) = (id.parse::<i64>(), Visibility::parse(visibility))
            else {
                return Ok(false);
            };
            let saved = data
                .wins
                .set_visibility(win_id, member_id, visibility)
                .await?;
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
        ["win", "delete", id] => {
            let Ok(win_id) = id.parse::<i64>() else {
                return Ok(false);
            };
            let guild_id = interaction
                .guild_id
                .map(|g| snowflake_to_db(g.get()))
                .unwrap_or_default();
            // Read first, so deleting is the last thing done: if the database stops
            // answering, either the win is gone or nothing changed.
            let mut wins = data.wins.mine(guild_id, member_id, 6).await?;
            data.wins.delete_mine(win_id, member_id).await?;
            wins.retain(|w| w.id != win_id);
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
        ["privacy", "forget", id] => {
            // Only the member themselves can erase their data, whoever got hold of the button.
            if id.parse::<u64>().ok() != Some(member_id) {
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
        ["privacy", "keep"] => render::update(render::notice("Nothing was erased.")),
        _ => return Ok(false),
    };
    Metrics::incr(&data.metrics.commands);
    Answer::for_button(interaction)
        .respond(&ctx.http, response)
        .await?;
    Ok(true)
}

/// Handles the "I did it" modal: counts the win with its words, then asks who may see them.
pub async fn handle_modal(
    ctx: &serenity::Context,
    data: &Data,
    modal: &serenity::ModalInteraction,
) -> Result<(), Error> {
    let Some(post_id) = modal
        .data
        .custom_id
        .strip_prefix("win:modal:")
        .and_then(|id| id.parse::<i64>().ok())
    else {
        return Ok(());
    };
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
    let guild_id = modal.guild_id.map(|g| snowflake_to_db(g.get()));
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
                    modal.user.id.get(),
                    post.id,
                    post.act_id,
                    text.as_deref(),
                )
                .await?;
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
    button: DailyButton,
) -> Result<serenity::CreateInteractionResponse, Error> {
    let guild_id = interaction.guild_id.map(|g| snowflake_to_db(g.get()));
    let member_id = interaction.user.id.get();
    let message = match button {
        // Ask how it went (optional) before counting it. A form can only be the first
        // answer, so it opens at once: the post is looked up when the form comes back.
        DailyButton::Done { post_id } => {
            return Ok(serenity::CreateInteractionResponse::Modal(
                render::did_it_modal(post_id),
            ));
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
