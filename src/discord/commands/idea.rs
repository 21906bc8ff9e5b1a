//! `/idea`: one act of connection, privately, with buttons for another, a smaller one, or
//! sharing it.

use crate::acts::{ActFilter, Setting, Size, Way};
use crate::discord::answer::Answer;
use crate::discord::render;
use crate::discord::{Context, Error};
use crate::ids::GuildId;

/// Choices mirror the catalogue's tags; Discord shows the names.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum SizeChoice {
    #[name = "Smallest: a few seconds"]
    Smallest,
    #[name = "Smaller: a minute or two"]
    Smaller,
    #[name = "Small: a few minutes or more"]
    Small,
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum WayChoice {
    #[name = "Connect"]
    Connect,
    #[name = "Be active"]
    BeActive,
    #[name = "Take notice"]
    TakeNotice,
    #[name = "Keep learning"]
    KeepLearning,
    #[name = "Give"]
    Give,
}

#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum SettingChoice {
    #[name = "Anywhere"]
    Anywhere,
    #[name = "At work"]
    Workplace,
    #[name = "In care (shifts, residents, handovers)"]
    Care,
    #[name = "Online"]
    Online,
    #[name = "In the community"]
    Community,
}

impl From<SizeChoice> for Size {
    fn from(choice: SizeChoice) -> Size {
        match choice {
            SizeChoice::Smallest => Size::Smallest,
            SizeChoice::Smaller => Size::Smaller,
            SizeChoice::Small => Size::Small,
        }
    }
}

impl From<WayChoice> for Way {
    fn from(choice: WayChoice) -> Way {
        match choice {
            WayChoice::Connect => Way::Connect,
            WayChoice::BeActive => Way::BeActive,
            WayChoice::TakeNotice => Way::TakeNotice,
            WayChoice::KeepLearning => Way::KeepLearning,
            WayChoice::Give => Way::Give,
        }
    }
}

impl From<SettingChoice> for Setting {
    fn from(choice: SettingChoice) -> Setting {
        match choice {
            SettingChoice::Anywhere => Setting::Anywhere,
            SettingChoice::Workplace => Setting::Workplace,
            SettingChoice::Care => Setting::Care,
            SettingChoice::Online => Setting::Online,
            SettingChoice::Community => Setting::Community,
        }
    }
}

/// Get a small act of connection to try, just for you.
#[poise::command(slash_command)]
pub async fn idea(
    ctx: Context<'_>,
    #[description = "How big a step: smallest, smaller or small"] size: Option<SizeChoice>,
    #[description = "Which of the Five Ways to Wellbeing"] way: Option<WayChoice>,
    #[description = "Where you'll be: at work, in care, online..."] setting: Option<SettingChoice>,
) -> Result<(), Error> {
    let filter = ActFilter {
        size: size.map(Size::from),
        way: way.map(Way::from),
        setting: setting.map(Setting::from),
    };
    let guild_id = ctx.guild_id().map(GuildId::from);
    let offer = ctx
        .data()
        .ideas
        .offer(guild_id, super::member(ctx), &filter)
        .await;
    let message = match offer {
        Some(act) => render::idea_message(&act, &filter, guild_id.is_some(), None),
        None => render::notice(render::NOTHING_MATCHES),
    };
    // Answer with the message exactly as rendered (private, with its buttons).
    if let poise::Context::Application(app) = ctx {
        Answer::for_command(app.interaction)
            .respond(
                ctx.http(),
                poise::serenity_prelude::CreateInteractionResponse::Message(message),
            )
            .await?;
    }
    Ok(())
}
