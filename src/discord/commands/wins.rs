//! `/win`, `/wins recent` and `/wins mine`: members' wins, as they chose to share them.

use super::{guild, member, private, private_embed};
use crate::discord::{Context, Error, no_mentions, render};
use crate::wins::{Recorded, Source, Visibility, WinInput};

/// Who may see a win, as Discord shows the choice.
#[derive(Debug, Clone, Copy, poise::ChoiceParameter)]
pub enum VisibilityChoice {
    #[name = "Share with my name"]
    Named,
    #[name = "Share anonymously"]
    Anonymous,
    #[name = "Just count it"]
    Count,
}

impl From<VisibilityChoice> for Visibility {
    fn from(choice: VisibilityChoice) -> Visibility {
        match choice {
            VisibilityChoice::Named => Visibility::Named,
            VisibilityChoice::Anonymous => Visibility::Anonymous,
            VisibilityChoice::Count => Visibility::Count,
        }
    }
}

/// Record a small act you did, and choose who sees it.
#[poise::command(slash_command, guild_only)]
pub async fn win(
    ctx: Context<'_>,
    #[description = "What you did, and how it went, e.g. Asked Sam how their weekend really went"]
    text: String,
    #[description = "Who may see it (default: your usual choice)"] visibility: Option<
        VisibilityChoice,
    >,
) -> Result<(), Error> {
    let wins = &ctx.data().wins;
    // Everything is read before the win is written, so writing it is the last thing done:
    // if the database stops answering, either it was saved or nothing was.
    let visibility = match visibility {
        Some(v) => Visibility::from(v),
        None => Visibility::parse(&wins.prefs(member(ctx)).await?.default_visibility)
            .unwrap_or(Visibility::Anonymous),
    };
    let recorded = wins
        .record(WinInput {
            guild_id: guild(ctx)?,
            member_id: member(ctx),
            post_id: None,
            act_id: None,
            source: Source::Command,
            visibility: Some(visibility),
            text: Some(&text),
            message_id: None,
        })
        .await?;
    ctx.data().metrics.count_win(&recorded);
    let answer = match recorded {
        Recorded::Stored(_) => {
            format!(
                "Counted as a win for the team, {}. Thank you! `/wins mine` shows it, and lets you delete it.",
                visibility.outcome()
            )
        }
        Recorded::NotCollecting => render::NOT_COLLECTING.to_owned(),
        Recorded::TooMany { limit } => render::too_many(limit),
    };
    private(ctx, answer).await
}

/// The team's wins.
#[poise::command(
    slash_command,
    guild_only,
    subcommands("recent", "mine"),
    subcommand_required
)]
pub async fn wins(_ctx: Context<'_>) -> Result<(), Error> {
    Ok(())
}

/// The team's recent wins, shared as their authors chose.
#[poise::command(slash_command, guild_only)]
async fn recent(ctx: Context<'_>) -> Result<(), Error> {
    let wins = ctx.data().wins.shared(guild(ctx)?, 10).await?;
    private_embed(ctx, render::shared_wins(&wins)).await
}

/// Your own wins here, each with a delete button. Only you see this.
#[poise::command(slash_command, guild_only)]
async fn mine(ctx: Context<'_>) -> Result<(), Error> {
    let wins = ctx.data().wins.mine(guild(ctx)?, member(ctx), 5).await?;
    let (embed, rows) = render::my_wins(&wins);
    super::reply(
        ctx,
        poise::CreateReply::default()
            .embed(embed)
            .components(rows)
            .ephemeral(true)
            .allowed_mentions(no_mentions()),
    )
    .await
}
