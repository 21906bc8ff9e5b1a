//! `/idea`: one act of connection, privately, with buttons for another, a smaller one, or
//! sharing it.

use crate::acts::{ActFilter, Avoid, Setting, Size, Way};
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
    #[description = "Leave out acts needing money, alcohol, car, mobility or outgoing, e.g. money, car; none: all acts"]
    #[autocomplete = "super::autocomplete_avoid"]
    #[max_length = 100]
    avoid: Option<String>,
) -> Result<(), Error> {
    let filter = ActFilter {
        size: size.map(Size::from),
        way: way.map(Way::from),
        setting: setting.map(Setting::from),
    };
    let guild_id = ctx.guild_id().map(GuildId::from);
    let mut note = None;
    if let Some(typed) = avoid {
        let avoid = match Avoid::parse(&typed) {
            Ok(avoid) => avoid,
            Err(why) => return super::private(ctx, why).await,
        };
        let Some(guild_id) = guild_id else {
            return super::private(
                ctx,
                "I keep what you avoid for each server, so set it from one of your servers, \
                 e.g. `/idea avoid: money`. Here, I leave out what you avoid in any of them.",
            )
            .await;
        };
        super::ensure_server(ctx).await?;
        let data = ctx.data();
        data.ideas
            .set_avoid(guild_id, super::member(ctx), avoid, data.clock.now_ms())
            .await?;
        note = Some(if avoid.is_empty() {
            "Saved: `/idea` offers you every act here again.".to_owned()
        } else {
            format!(
                "Saved: in this server, `/idea` and its buttons leave out {} for you. \
                 `/idea avoid: none` undoes it; `/privacy show` lists it.",
                avoid.describe()
            )
        });
    }
    let offer = ctx
        .data()
        .ideas
        .offer(guild_id, super::member(ctx), &filter)
        .await;
    let message = match offer {
        Some(act) => render::idea_message(&act, &filter, guild_id.is_some(), note.as_deref()),
        None => render::notice(&match note {
            Some(note) => format!("{note}\n{}", render::NOTHING_MATCHES),
            None => render::NOTHING_MATCHES.to_owned(),
        }),
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
