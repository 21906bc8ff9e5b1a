//! How things look in Discord: embeds, buttons and the words around them. Every message
//! built here parses no mentions.

use poise::serenity_prelude as serenity;

use super::component_id::ComponentId;
use super::no_mentions;
use crate::acts::{ActFilter, Size, Way};
use crate::charts;
use crate::daily::{AwarenessWeek, CAMPAIGN_HASHTAG};
use crate::ids::{PostId, WinId};
use crate::jobs::DailyPost;
use crate::recap::{self, Recap};
use crate::store::{StoredAct, WinRecord};
use crate::wins::Visibility;

pub const NOTHING_MATCHES: &str = "No act matches all of those choices yet. Try `/idea` with fewer options: \
     size, way and setting each narrow it down, and so does what you avoid (`/idea avoid: none` \
     offers every act again).";
pub const NOTHING_SMALLER_FITS: &str = "Nothing smaller is left once the acts you avoid are left \
     out. Try `/idea` for another one, or `/idea avoid:` to change what you avoid.";
pub const ALREADY_SMALLEST: &str = "This one is already as small as they come, and small is plenty. \
     Even a smile at someone counts.";
pub const DONE_COUNTED: &str =
    "Lovely. That's counted as one of today's wins for the team. Thank you.";
pub const COUNTED_WITHOUT_WORDS: &str = "Counted as a win for the team, thank you! I can't read \
     replies' words here, so if you'd like to say how it went, press \u{201c}I did it\u{201d} on \
     today's post and add a line.";
pub const NOT_COLLECTING: &str = "You've turned collection off, so I haven't kept anything. \
     `/privacy collect on` turns it back on.";

/// The hourly limit, kindly.
pub fn too_many(limit: u32) -> String {
    format!(
        "That's {limit} wins this hour already, which is wonderful. I'll keep count again in a little while."
    )
}
pub const POST_GONE: &str = "I can't find that post any more, so I couldn't count it. Today's post will have a fresh button.";
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
        .description(escape_markdown(&act.act.text))
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
            ComponentId::IdeaAnother {
                current: act.id,
                filter: *filter,
            }
            .render(),
        )
        .label("Another idea")
        .style(serenity::ButtonStyle::Primary),
        serenity::CreateButton::new(ComponentId::IdeaSmaller { current: act.id }.render())
            .label("Make it smaller")
            .style(serenity::ButtonStyle::Secondary),
    ];
    if in_guild {
        buttons.push(
            serenity::CreateButton::new(ComponentId::IdeaShare { act: act.id }.render())
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

/// Today's act for the channel: the act, its size and Way, how replies are used, and the
/// buttons. During Loneliness Awareness Week it says which day of the week it is; on a bank
/// holiday the server greets, it wishes a happy holiday.
pub fn daily_post(post: &DailyPost, nonce: Option<String>) -> serenity::CreateMessage {
    let act = &post.act;
    let (title, campaign) = match (&post.holiday, post.awareness_day) {
        (Some(holiday), _) => (
            "Happy bank holiday!".to_owned(),
            format!(
                "\n\nIt's {} today: enjoy the day off. If you have a moment, this act is as small as they come.",
                escape_markdown(holiday)
            ),
        ),
        (None, Some(day)) => (
            format!("Loneliness Awareness Week, day {} of 7", day + 1),
            format!("\n\n{CAMPAIGN_HASHTAG}"),
        ),
        (None, None) => ("Today's small act of connection".to_owned(), String::new()),
    };
    let embed = serenity::CreateEmbed::new()
        .title(title)
        .description(format!("{}{campaign}", escape_markdown(&act.act.text)))
        .colour(colour(act.act.size))
        .field("Size", act.act.size.label(), true)
        .field("Way to Wellbeing", act.act.way.label(), true)
        .footer(serenity::CreateEmbedFooter::new(
            "Done it? Press \u{201c}I did it\u{201d} or reply in the thread: it counts towards the team's wins, \
             shared only as you choose. What the bot keeps and how to change it: /privacy.",
        ));
    let buttons = vec![
        serenity::CreateButton::new(ComponentId::DailyDone { post: post.post_id }.render())
            .label("I did it")
            .style(serenity::ButtonStyle::Success),
        serenity::CreateButton::new(ComponentId::DailySmaller { act: act.id }.render())
            .label("Give me a smaller one")
            .style(serenity::ButtonStyle::Secondary),
        serenity::CreateButton::new(ComponentId::DailyIdea.render())
            .label("Another idea")
            .style(serenity::ButtonStyle::Secondary),
    ];
    with_nonce(
        serenity::CreateMessage::new()
            .embed(embed)
            .components(vec![serenity::CreateActionRow::Buttons(buttons)])
            .allowed_mentions(no_mentions()),
        nonce,
    )
}

/// The Monday post that opens Loneliness Awareness Week.
pub fn awareness_kickoff(week: AwarenessWeek, nonce: Option<String>) -> serenity::CreateMessage {
    let embed = serenity::CreateEmbed::new()
        .title("Loneliness Awareness Week starts today")
        .description(format!(
            "From {} to {}, people everywhere are making small, random acts of connection. \
             Each day this week brings one, starting with the smallest and climbing to small \
             by the weekend. Do what you can, share what you did, and notice who might like a \
             hello.\n\nWhy not host a get-together this week: a walk, a tea break, a call? \
             `/event create` puts it in Discord's events, and I'll remind everyone an hour \
             before.\n\n{CAMPAIGN_HASHTAG}",
            week.monday.format("%A %-d %B"),
            week.sunday().format("%A %-d %B"),
        ))
        .colour(colour(Size::Smallest));
    with_nonce(
        serenity::CreateMessage::new()
            .embed(embed)
            .allowed_mentions(no_mentions()),
        nonce,
    )
}

/// The file name of the Week's share card.
pub const SHARE_CARD: &str = "share-card.png";

/// A share card as a PNG attachment with its description for screen readers; `None` (logged)
/// in the unlikely event it could not be drawn.
pub fn share_card_file(card: &charts::ShareCard) -> Option<serenity::CreateAttachment> {
    match charts::png(&card.svg()) {
        Ok(png) => Some(
            serenity::CreateAttachment::bytes(png, SHARE_CARD)
                .description(truncate(&card.alt_text(), 1000)),
        ),
        Err(error) => {
            tracing::error!(%error, "the share card could not be drawn");
            None
        }
    }
}

/// The Sunday post that closes the week with what the team did, and the week's share card
/// (without the server's name: only an admin's `/recap card` shows it).
pub fn awareness_closing(
    week: AwarenessWeek,
    acts_done: i64,
    ways: &[(Way, u64)],
    nonce: Option<String>,
) -> serenity::CreateMessage {
    let done = match acts_done {
        0 => "Every act counts, including the ones nobody pressed a button for.".to_owned(),
        1 => "This week the team did 1 act of connection. Thank you.".to_owned(),
        n => format!("This week the team did {n} acts of connection. Thank you, every one of you."),
    };
    let mut embed = serenity::CreateEmbed::new()
        .title("That's Loneliness Awareness Week")
        .description(format!(
            "{done}\n\nConnection isn't only for one week in June: a small act a day keeps \
             going from here.\n\n{CAMPAIGN_HASHTAG}"
        ))
        .footer(serenity::CreateEmbedFooter::new(format!(
            "{} to {}",
            week.monday.format("%-d %B"),
            week.sunday().format("%-d %B %Y")
        )))
        .colour(colour(Size::Small));
    let tally = recap::Tally {
        acts: u64::try_from(acts_done).unwrap_or(0),
        ways: ways.to_vec(),
    };
    let mut message = serenity::CreateMessage::new().allowed_mentions(no_mentions());
    let card = recap::share_card(week, &tally, None);
    if let Some(file) = share_card_file(&card) {
        embed = embed.image(format!("attachment://{SHARE_CARD}"));
        message = message.add_file(file);
    }
    with_nonce(message.embed(embed), nonce)
}

/// A new connection event, announced in the daily channel with its link. The title and
/// description are the host's words: shown, never applied as markdown or mentions.
pub fn event_announcement(
    title: &str,
    description: Option<&str>,
    where_: &str,
    url: &str,
    starts_at: i64,
    ends_at: i64,
) -> serenity::CreateMessage {
    let mut text = format!(
        "**A get-together: {}**\n<t:{starts_at}:F> to <t:{ends_at}:t> (<t:{starts_at}:R>), {}.",
        safe_user_text(title, 100),
        safe_user_text(where_, 120),
    );
    if let Some(description) = description {
        text.push_str(&format!("\n{}", safe_user_text(description, 1000)));
    }
    text.push_str(&format!(
        "\nPress \u{201c}Interested\u{201d} on the event to hear when it starts: {url}"
    ));
    serenity::CreateMessage::new()
        .content(truncate(&text, 2000))
        .allowed_mentions(no_mentions())
}

/// An hour before an event.
pub fn event_reminder(
    title: &str,
    url: &str,
    starts_at: i64,
    nonce: Option<String>,
) -> serenity::CreateMessage {
    let text = format!(
        "\u{23f0} **{}** starts at <t:{starts_at}:t> (<t:{starts_at}:R>). Come as you are: {url}",
        safe_user_text(title, 100)
    );
    with_nonce(
        serenity::CreateMessage::new()
            .content(truncate(&text, 2000))
            .allowed_mentions(no_mentions()),
        nonce,
    )
}

/// After an event: thanks, with how many were interested and never who.
pub fn event_thanks(
    title: &str,
    interested: i64,
    nonce: Option<String>,
) -> serenity::CreateMessage {
    let count = match interested {
        i64::MIN..=0 => "Whoever came along, thank you for making time for each other.".to_owned(),
        1 => "1 person was interested. Thank you for making time for each other.".to_owned(),
        n => format!("{n} people were interested. Thank you all for making time for each other."),
    };
    let text = format!(
        "\u{1f49b} Thank you for **{}**! {count} Small moments like this are what keep a team connected.",
        safe_user_text(title, 100)
    );
    with_nonce(
        serenity::CreateMessage::new()
            .content(truncate(&text, 2000))
            .allowed_mentions(no_mentions()),
        nonce,
    )
}

/// A message for a server's admins.
pub fn admin_alert(text: &str) -> serenity::CreateMessage {
    serenity::CreateMessage::new()
        .content(truncate(text, 1900))
        .allowed_mentions(no_mentions())
}

/// Adds Discord's nonce with `enforce_nonce`, so a retried send returns the first message
/// instead of posting twice (a second guard behind the database claim).
pub fn with_nonce(
    message: serenity::CreateMessage,
    nonce: Option<String>,
) -> serenity::CreateMessage {
    match nonce {
        Some(nonce) => message
            .nonce(serenity::Nonce::String(nonce))
            .enforce_nonce(true),
        None => message,
    }
}

/// Replaces the message a button was on.
pub fn update(
    message: serenity::CreateInteractionResponseMessage,
) -> serenity::CreateInteractionResponse {
    serenity::CreateInteractionResponse::UpdateMessage(message)
}

/// Escapes Discord markdown so member-written text shows as written: it can't turn a whole
/// embed bold, hide itself in a spoiler, or open a code block.
pub use crate::echo::escape_markdown;

/// Member-written text made safe to show again: markdown shown as written, anything that
/// looks like a mention (`@everyone`, `<@id>`, `<@&role>`) shown as text rather than as a
/// mention, and cut to `max` characters with an ellipsis. (Messages also parse no mentions,
/// so nothing could ping even without this.)
pub fn safe_user_text(text: &str, max: usize) -> String {
    truncate(&crate::echo::escape(text), max)
}

/// The modal "I did it" opens: optional words about how it went.
pub fn did_it_modal(post_id: PostId) -> serenity::CreateModal {
    let input = serenity::CreateInputText::new(
        serenity::InputTextStyle::Paragraph,
        "How did it go? (optional)",
        "text",
    )
    .placeholder("A line or two, if you like. You choose who sees it next.")
    .required(false)
    .max_length(1000);
    serenity::CreateModal::new(
        ComponentId::DidItForm { post: post_id }.render(),
        "Nice one! You did today's act",
    )
    .components(vec![serenity::CreateActionRow::InputText(input)])
}

/// Buttons to choose who may see a win.
pub fn visibility_buttons(win_id: WinId) -> Vec<serenity::CreateActionRow> {
    let buttons = Visibility::ALL
        .into_iter()
        .map(|v| {
            serenity::CreateButton::new(
                ComponentId::WinVisibility {
                    win: win_id,
                    visibility: v,
                }
                .render(),
            )
            .label(v.label())
            .style(if v == Visibility::Count {
                serenity::ButtonStyle::Secondary
            } else {
                serenity::ButtonStyle::Primary
            })
        })
        .collect();
    vec![serenity::CreateActionRow::Buttons(buttons)]
}

/// A server's recent shared wins: named ones with the member, anonymous ones without.
pub fn shared_wins(wins: &[WinRecord]) -> serenity::CreateEmbed {
    let mut lines = Vec::new();
    let mut used = 0;
    for win in wins {
        let who = if win.visibility == "named" {
            format!("<@{}>", win.member_id)
        } else {
            "Someone".to_owned()
        };
        let line = format!(
            "{who}: {}",
            safe_user_text(win.text.as_deref().unwrap_or_default(), 300)
        );
        // Stay well inside an embed description (4096).
        if used + line.len() > 3800 {
            break;
        }
        used += line.len() + 1;
        lines.push(line);
    }
    let description = if lines.is_empty() {
        "No shared wins yet. When you do an act, reply in the day's thread or use `/win`, and choose to share it.".to_owned()
    } else {
        lines.join("\n")
    };
    serenity::CreateEmbed::new()
        .title("Recent wins from the team")
        .description(description)
        .footer(serenity::CreateEmbedFooter::new(
            "Only wins their authors chose to share. Counted-only wins are never shown.",
        ))
}

/// A member's own wins, each with a delete button (up to five).
pub fn my_wins(wins: &[WinRecord]) -> (serenity::CreateEmbed, Vec<serenity::CreateActionRow>) {
    let mut embed = serenity::CreateEmbed::new().title("Your wins here");
    if wins.is_empty() {
        embed = embed.description("Nothing yet. `/win` records one, and so does \u{201c}I did it\u{201d} on the daily post.");
    }
    let mut rows = Vec::new();
    for (n, win) in wins.iter().take(5).enumerate() {
        let shown = Visibility::parse(&win.visibility).map_or("", |v| v.label());
        let words = win
            .text
            .as_deref()
            .map(|t| safe_user_text(t, 900))
            .unwrap_or_else(|| "(no words)".into());
        embed = embed.field(
            format!("{}. <t:{}:d> \u{b7} {shown}", n + 1, win.created_at / 1000),
            words,
            false,
        );
        rows.push(serenity::CreateActionRow::Buttons(vec![
            serenity::CreateButton::new(ComponentId::WinDelete { win: win.id }.render())
                .label(format!("Delete {}", n + 1))
                .style(serenity::ButtonStyle::Danger),
        ]));
    }
    (embed, rows)
}

/// "Mon, Tue and Thu".
fn list_days(days: &[chrono::Weekday]) -> String {
    let names: Vec<String> = days.iter().map(|d| d.to_string()).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    }
}

/// The weekly recap as an embed: what the team did together, never a ranking of people.
pub fn recap_embed(recap: &Recap, server: &str) -> serenity::CreateEmbed {
    let server = safe_user_text(server, 100);
    if recap.is_empty() {
        return serenity::CreateEmbed::new()
            .title(format!("A quiet week at {server}"))
            .description(
                "No wins were recorded this week, and that's all right: busy weeks happen. \
                 Monday brings a fresh, small act, and even a smile counts. When you do one, \
                 press \u{201c}I did it\u{201d} or reply in the day's thread.",
            )
            .colour(colour(Size::Smallest));
    }
    let people = if recap.members == 1 {
        "person"
    } else {
        "people"
    };
    let mut lines = vec![format!(
        "**{}** small acts of connection this week (last week: {}), by **{}** {people}.",
        recap.wins, recap.wins_last_week, recap.members
    )];
    let mut active = format!("Active on {}.", list_days(&recap.active_days));
    if recap.day_streak >= 2 {
        active.push_str(&format!(" That's a {}-day run.", recap.day_streak));
    }
    if recap.week_streak >= 2 {
        active.push_str(&format!(
            " {} weeks in a row with a win.",
            recap.week_streak
        ));
    }
    lines.push(active);
    for (act, times) in &recap.top_acts {
        lines.push(format!(
            "Most done: \u{201c}{}\u{201d} ({times} times)",
            escape_markdown(&truncate(act, 200))
        ));
    }
    let sizes: Vec<String> = recap
        .by_size
        .iter()
        .map(|(s, n)| format!("{} {n}", s.label()))
        .collect();
    if !sizes.is_empty() {
        lines.push(format!("Sizes: {}", sizes.join(" \u{b7} ")));
    }
    let ways: Vec<String> = recap
        .by_way
        .iter()
        .map(|(w, n)| format!("{} {n}", w.label()))
        .collect();
    if !ways.is_empty() {
        lines.push(format!("Ways to Wellbeing: {}", ways.join(" \u{b7} ")));
    }
    lines.push(String::new());
    lines.push(recap.closing.to_owned());
    let mut embed = serenity::CreateEmbed::new()
        .title(format!("This week at {server}"))
        .description(lines.join("\n"))
        .colour(colour(Size::Small))
        .image(format!("attachment://{RECAP_CHART}"));
    if !recap.quotes.is_empty() {
        let quotes: Vec<String> = recap
            .quotes
            .iter()
            .map(|q| {
                let who = q
                    .member_id
                    .map_or_else(|| "someone on the team".to_owned(), |m| format!("<@{m}>"));
                format!(
                    "\u{201c}{}\u{201d} \u{2014} {who}",
                    safe_user_text(&q.text, 180)
                )
            })
            .collect();
        embed = embed.field("In their words", truncate(&quotes.join("\n"), 1024), false);
    }
    embed
}

/// The file name of the recap's chart.
pub const RECAP_CHART: &str = "recap-chart.png";

/// The recap post: embed, chart attached with its description for screen readers.
pub fn recap_message(
    recap: &Recap,
    server: &str,
    nonce: Option<String>,
) -> serenity::CreateMessage {
    let mut message = serenity::CreateMessage::new()
        .embed(recap_embed(recap, server))
        .allowed_mentions(no_mentions());
    if !recap.is_empty() {
        let chart = recap.chart();
        message = message.add_file(
            serenity::CreateAttachment::bytes(chart.png, RECAP_CHART)
                .description(truncate(&chart.alt_text, 1000)),
        );
    }
    with_nonce(message, nonce)
}

/// Cuts text to `max` characters, ending with an ellipsis when cut.
pub use crate::echo::cut as truncate;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_in_member_text_is_shown_not_applied() {
        assert_eq!(
            escape_markdown("**hi** _there_ `x`"),
            "\\*\\*hi\\*\\* \\_there\\_ \\`x\\`"
        );
        assert_eq!(
            escape_markdown("Say hello to a well-known neighbour (today)."),
            "Say hello to a well-known neighbour (today)."
        );
        assert_eq!(
            escape_markdown("# big\n> quote\n- item"),
            "\\# big\n\\> quote\n\\- item"
        );
        assert_eq!(
            escape_markdown("[click](http://x)"),
            "\\[click\\](http://x)"
        );
    }

    #[test]
    fn user_text_cannot_mention_or_break_out() {
        let shown = safe_user_text("@everyone look <@&123> and <@456> ```code``` **bold**", 200);
        assert!(!shown.contains("@everyone"), "{shown}");
        assert!(
            !shown.contains("<@&123>") && !shown.contains("<@456>"),
            "{shown}"
        );
        assert!(shown.contains("\\`\\`\\`code"), "{shown}");
        assert!(shown.contains("\\*\\*bold"), "{shown}");
        let long = safe_user_text(&"x".repeat(5000), 300);
        assert_eq!(long.chars().count(), 300);
        assert!(long.ends_with('\u{2026}'));
    }

    #[test]
    fn truncation_counts_characters_and_marks_the_cut() {
        assert_eq!(truncate("héllo", 5), "héllo");
        assert_eq!(truncate("héllo world", 5), "héll…");
        assert_eq!(truncate("héllo world", 5).chars().count(), 5);
    }
}
