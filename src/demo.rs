//! `smallacts demo`: the real bot, started by the real start-up code, against the fake Discord
//! and a temporary SQLite database. No token, no network. It plays a short scene and prints a
//! transcript.
//!
//! The scene is [`scene`], in one place: each feature adds its part there.
//!
//! What the bot sends is checked against Discord's OpenAPI description when it is at hand:
//! `--openapi PATH` (or `$SMALLACTS_DISCORD_OPENAPI`), else `shared/discord/openapi.json` in or
//! beside the current directory, looked for when the demo runs. Without it the demo still
//! plays, and its transcript says that nothing was checked against Discord's schemas.

use std::collections::HashSet;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use fake_discord::{
    Actor, FakeGuild, FakeUser, OpenApiCheck, Reply, Sandbox, SandboxOptions, buttons_of,
};
use serde_json::{Value, json};

use chrono::{DateTime, NaiveDate, Utc};

use crate::against_fake::{self, BotAgainstFake, HttpPath};
use crate::clock::ManualClock;

/// Width of the transcript's text.
const WIDTH: usize = 76;

/// What the demo plays.
#[derive(Debug, Clone, Default)]
pub struct DemoOptions {
    /// Simulate Loneliness Awareness Week (8-14 June 2026) instead of an ordinary week.
    pub awareness_week: bool,
    /// Discord's OpenAPI description to check what the bot sends against; when `None`, it is
    /// looked for at run time (see the module's documentation).
    pub openapi: Option<PathBuf>,
    /// After the scene, keep serving the impact page (and the fake world behind it) until
    /// Ctrl-C.
    pub serve: bool,
}

impl DemoOptions {
    /// The Monday the simulated week starts.
    fn monday(&self) -> NaiveDate {
        if self.awareness_week {
            NaiveDate::from_ymd_opt(2026, 6, 8).expect("a date")
        } else {
            NaiveDate::from_ymd_opt(2026, 11, 23).expect("a date")
        }
    }
}

/// Runs the demo, writing the transcript to `out`.
pub async fn run(out: &mut (dyn Write + Send), options: DemoOptions) -> anyhow::Result<()> {
    let dir = tempfile::tempdir().context("creating a temporary folder for the demo database")?;
    let openapi = match &options.openapi {
        Some(file) => OpenApiCheck::File(file.clone()),
        None => OpenApiCheck::WhenFound,
    };
    let sandbox = Sandbox::start(SandboxOptions { openapi })
        .await
        .context("starting the fake Discord")?;
    let database = format!("sqlite://{}", dir.path().join("demo.db").display());
    // Production's HTTP path: serenity's own rate limiter, HTTPS to discord.com (the fake).
    // The demo drives the scheduler itself, with a clock it moves through the week.
    let mut settings = against_fake::settings(&sandbox, HttpPath::Production, database);
    // The impact page, on a free port of this machine only.
    settings.web.listen = "127.0.0.1:0".into();
    let start = london(options.monday().pred_opt().expect("a date"), 18, 0);
    let clock = Arc::new(ManualClock::new(start));

    writeln!(
        out,
        "smallacts demo: the real bot against a fake Discord on this machine."
    )?;
    writeln!(
        out,
        "Nothing leaves this computer; the database is a temporary file."
    )?;
    match sandbox.openapi_file() {
        Some(file) => writeln!(
            out,
            "What the bot sends is checked against Discord's OpenAPI description ({}).\n",
            file.display()
        )?,
        None => writeln!(
            out,
            "Discord's OpenAPI description was not found: what the bot sends is NOT checked\n\
             against Discord's schemas, only against the fake's own rules. To check it, give\n\
             the file with --openapi PATH (or {}),\n\
             or run the demo in or beside a folder holding shared/discord/openapi.json.\n",
            fake_discord::openapi::OpenApi::ENV_VAR
        )?,
    }
    let bot = BotAgainstFake::start(sandbox, settings, clock).await?;
    let mut stage = Stage {
        bot,
        out,
        options,
        shown: Shown::default(),
        guild_channels: Vec::new(),
        users: Vec::new(),
        impact_link: None,
    };
    let mut outcome = scene(&mut stage).await;
    if outcome.is_ok()
        && stage.options.serve
        && let Some(link) = stage.impact_link.clone()
    {
        outcome = serve_until_stopped(&mut stage, &link).await;
    }
    stage.bot.stop().await;
    outcome?;
    let violations = stage.bot.sandbox.violations();
    if !violations.is_empty() {
        anyhow::bail!(
            "the bot sent what Discord would refuse:\n{}",
            violations.join("\n")
        );
    }
    writeln!(
        stage.out,
        "\nThat's the demo. To run it for real: `smallacts run` tells you how to connect it to Discord."
    )?;
    Ok(())
}

/// The scene, in order. Each feature adds its part here.
async fn scene(stage: &mut Stage<'_>) -> anyhow::Result<()> {
    stage.bot_is_ready()?;
    let (guild, people) = stage.server_joins("Rosewood Care Home", &["Asha", "Ben", "Cara"])?;
    ideas(stage, &guild, &people).await?;
    daily_week(stage, &guild, &people).await?;
    care_checkins(stage, &guild, &people).await?;
    impact_page(stage, &guild, &people).await?;
    connection_event(stage, &guild, &people).await?;
    signposting_by_country(stage).await?;
    Ok(())
}

/// An admin plans a get-together as a Discord event; two people press Interested; the bot
/// reminds the channel an hour before and thanks it afterwards with the count, never names.
async fn connection_event(
    stage: &mut Stage<'_>,
    guild: &FakeGuild,
    people: &[FakeUser],
) -> anyhow::Result<()> {
    let daily = stage
        .guild_channels
        .iter()
        .find(|(_, name)| name == "daily-act")
        .map(|(id, _)| *id)
        .context("the daily channel")?;
    let admin = stage.admin(guild, &people[0]);
    // Early on Tuesday, before the day's first check-in: nothing else falls due meanwhile.
    stage.heading("Asha plans a get-together as a Discord event")?;
    let create = json!([{"name": "create", "type": 1, "options": [
        {"name": "title", "type": 3, "value": "Early cuppa before handover"},
        {"name": "when", "type": 3, "value": "today 05:00"},
        {"name": "duration", "type": 3, "value": "45m"},
        {"name": "place", "type": 3, "value": "The staff room"},
    ]}]);
    stage
        .command(
            &admin,
            "/event create title: Early cuppa before handover when: today 05:00 duration: 45m place: The staff room",
            "event",
            create,
        )
        .await?;
    for message in stage
        .shown
        .unseen(&stage.bot.sandbox.channel_messages(daily))
        .into_iter()
        .filter(|m| {
            m["content"]
                .as_str()
                .is_some_and(|c| c.contains("get-together"))
        })
        .cloned()
        .collect::<Vec<_>>()
    {
        stage.show_message(&message, "posted in #daily-act")?;
    }
    let event = stage
        .bot
        .sandbox
        .scheduled_events(guild.id)
        .into_iter()
        .next()
        .context("the event")?;
    let event_id: u64 = event["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .context("the event's id")?;
    for person in &people[1..] {
        stage
            .bot
            .sandbox
            .mark_interested(event_id, person.id, true)?;
    }
    writeln!(
        stage.out,
        "\n  Ben and Cara press \u{201c}Interested\u{201d} on the event in Discord."
    )?;
    // The bot hears of each on the gateway and asks Discord for the count.
    for _ in 0..250 {
        let counted = stage
            .bot
            .sandbox
            .requests()
            .iter()
            .filter(|r| r.method == "GET" && r.path.contains("/scheduled-events/"))
            .count();
        if counted >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let parse = |field: &str| -> anyhow::Result<DateTime<Utc>> {
        Ok(
            DateTime::parse_from_rfc3339(event[field].as_str().context("a time")?)?
                .with_timezone(&Utc),
        )
    };
    let (start, end) = (parse("scheduled_start_time")?, parse("scheduled_end_time")?);
    for (at, what) in [
        (start - chrono::Duration::hours(1), "an hour before"),
        (end, "when it ends"),
    ] {
        stage.tick_at(at).await?;
        let messages = stage.bot.sandbox.channel_messages(daily);
        let new: Vec<Value> = stage
            .shown
            .unseen(&messages)
            .into_iter()
            .filter(|m| {
                m["content"]
                    .as_str()
                    .is_some_and(|c| c.contains("Early cuppa"))
            })
            .cloned()
            .collect();
        writeln!(stage.out, "\n  {what}, in #daily-act:")?;
        for message in &new {
            stage.show_message(message, "posted in the channel")?;
        }
    }
    Ok(())
}

/// A second server, in Canada: its admin sets the country, and its members are shown their
/// own country's helplines, never the UK's.
async fn signposting_by_country(stage: &mut Stage<'_>) -> anyhow::Result<()> {
    let (guild, people) = stage.server_joins("Maple Street Library", &["Dana", "Eli"])?;
    let admin = stage.admin(&guild, &people[0]);
    let canada = json!([{"name": "country", "type": 3, "value": "CA"}]);
    stage
        .command(&admin, "/settings country: Canada", "settings", canada)
        .await?;
    let eli = stage.bot.sandbox.member(&guild, &people[1]);
    stage
        .command(&eli, "/support", "support", json!([]))
        .await?;
    Ok(())
}

/// For the people who are not on Discord: the admin makes a private link to the impact page,
/// and the transcript shows what the page says.
async fn impact_page(
    stage: &mut Stage<'_>,
    guild: &FakeGuild,
    people: &[FakeUser],
) -> anyhow::Result<()> {
    stage.heading("For the people who are not on Discord")?;
    let admin = stage.admin(guild, &people[0]);
    let link = json!([{"name": "link", "type": 1, "options": []}]);
    let reply = stage
        .command(&admin, "/export link", "export", link)
        .await?;
    let text = reply.text();
    let Some(url) = text.split_whitespace().find(|w| w.starts_with("http")) else {
        anyhow::bail!("/export link gave no link: {text}");
    };
    let html = reqwest::get(url)
        .await
        .context("opening the impact page")?
        .text()
        .await?;
    let summary =
        first_paragraph_after(&html, "class=\"summary\"").context("the impact page's summary")?;
    writeln!(
        stage.out,
        "\n  Asha sends the link to the care home's manager. The page (read-only, counts only)\n  begins:"
    )?;
    for line in wrap(&summary, WIDTH - 6) {
        writeln!(stage.out, "      {line}")?;
    }
    stage.impact_link = Some(url.to_owned());
    // And a card to share for #RandomActsofConnection, saved beside the recap's chart.
    let card = json!([{"name": "card", "type": 1, "options": []}]);
    stage.command(&admin, "/recap card", "recap", card).await?;
    if let Some(png) = stage.last_file(crate::discord::render::SHARE_CARD) {
        let path = std::env::temp_dir().join("smallacts-demo-card.png");
        std::fs::write(&path, png)?;
        writeln!(
            stage.out,
            "    [share card attached: 1200x630 for social media, saved to {}]",
            path.display()
        )?;
    }
    Ok(())
}

/// The text of the first paragraph after `marker` in the page, with entities read.
fn first_paragraph_after(html: &str, marker: &str) -> Option<String> {
    let rest = &html[html.find(marker)?..];
    let start = rest.find("<p>")? + 3;
    let end = rest[start..].find("</p>")? + start;
    Some(
        rest[start..end]
            .replace("&#39;", "'")
            .replace("&quot;", "\"")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&"),
    )
}

/// Keeps the fake world and the impact page up until Ctrl-C (`smallacts demo --serve`).
async fn serve_until_stopped(stage: &mut Stage<'_>, link: &str) -> anyhow::Result<()> {
    writeln!(
        stage.out,
        "\nServing the impact page at\n  {link}\nOpen it in a browser. Press Ctrl-C to stop."
    )?;
    stage.out.flush()?;
    tokio::signal::ctrl_c()
        .await
        .context("waiting for Ctrl-C")?;
    Ok(())
}

/// The next week: check-ins at each shift handover with the anonymous pulse, a buddy round
/// announced outside quiet hours (Cara works nights), and private signposting.
async fn care_checkins(
    stage: &mut Stage<'_>,
    guild: &FakeGuild,
    people: &[FakeUser],
) -> anyhow::Result<()> {
    let channel = stage.add_channel(guild, "team-room");
    let admin = stage.admin(guild, &people[0]);
    let (ben, cara) = (
        stage.bot.sandbox.member(guild, &people[1]),
        stage.bot.sandbox.member(guild, &people[2]),
    );
    stage.heading("Asha sets up check-ins at each shift handover, and buddy pairing")?;
    let add = json!([{"name": "add", "type": 1, "options": [
        {"name": "channel", "type": 7, "value": channel.id.to_string()},
        {"name": "when", "type": 3, "value": "daily 07:30,19:30"},
    ]}]);
    stage
        .command(
            &admin,
            "/checkin add channel: #team-room when: daily 07:30,19:30",
            "checkin",
            add,
        )
        .await?;
    let buddies = json!([{"name": "buddies", "type": 1, "options": [
        {"name": "day_time", "type": 3, "value": "mon 10:00"},
    ]}]);
    stage
        .command(
            &admin,
            "/checkin buddies day_time: mon 10:00",
            "checkin",
            buddies,
        )
        .await?;
    for person in [&admin, &ben, &cara] {
        let join = json!([{"name": "join", "type": 1, "options": []}]);
        stage.command(person, "/buddy join", "buddy", join).await?;
    }
    let nights = stage.bot.sandbox.choice(
        "shift",
        "pattern",
        "Nights (quiet 09:00-17:00, while you sleep)",
    )?;
    stage
        .command(&cara, "/shift pattern: Nights", "shift", json!([nights]))
        .await?;

    let monday = stage.options.monday() + chrono::Days::new(7);
    // The morning handover, the daily act, the buddy round, and the evening handover.
    for (hour, minute) in [(7, 30), (9, 0), (10, 0), (15, 30), (17, 0)] {
        stage.tick_at(london(monday, hour, minute)).await?;
        if (hour, minute) == (10, 0) {
            stage.heading("Monday 10:00: the buddy round (three people, so one trio)")?;
            let dm = stage.bot.sandbox.dms_to(ben.user.id);
            let dm = dm.last().context("Ben's buddy message")?.clone();
            stage.show_message(&dm, "in a direct message to Ben")?;
            let waiting = stage.bot.sandbox.dms_to(cara.user.id).is_empty();
            writeln!(
                stage.out,
                "  Cara works nights: her message {} until 17:00, when her quiet hours end.",
                if waiting { "waits" } else { "did not wait" }
            )?;
        }
    }
    writeln!(
        stage.out,
        "  17:00: Cara's message arrives ({} direct message).",
        stage.bot.sandbox.dms_to(cara.user.id).len()
    )?;

    stage.heading("Monday 19:30, in #team-room: the evening handover check-in")?;
    let before = stage.bot.sandbox.channel_messages(channel.id).len();
    stage.tick_at(london(monday, 19, 30)).await?;
    let messages = stage.bot.sandbox.channel_messages(channel.id);
    let post = messages
        .get(before..)
        .and_then(|new| new.first())
        .context("the evening check-in")?
        .clone();
    stage.show_message(&post, "posted in the channel")?;
    stage.click(&ben, &post, "Good").await?;
    stage.click(&admin, &post, "Okay").await?;
    let reply = stage.click(&cara, &post, "Struggling").await?;
    stage
        .click(
            &cara,
            reply.message.as_ref().context("the support reply")?,
            "Let my buddy know I could use a chat",
        )
        .await?;
    stage.tick_at(london(monday, 19, 31)).await?;
    let notice = stage.bot.sandbox.dms_to(ben.user.id);
    stage.show_message(
        notice.last().context("Ben's notice")?,
        "in a direct message to Ben",
    )?;

    stage.heading("Tuesday 03:30: the pulse closes after 8 hours")?;
    // The thread opened from the post has the post's id, as on Discord.
    let thread = post_id(&post)?;
    let before = stage.bot.sandbox.channel_messages(thread).len();
    stage
        .tick_at(london(monday + chrono::Days::new(1), 3, 30))
        .await?;
    for message in stage
        .bot
        .sandbox
        .channel_messages(thread)
        .get(before..)
        .unwrap_or_default()
    {
        stage.show_message(message, "in the check-in's thread")?;
    }
    writeln!(
        stage.out,
        "  The answers are deleted; only the totals are kept, and nobody saw who said what."
    )?;
    Ok(())
}

/// The admin sets up the daily act, and a week of posts goes out at 09:00 local time.
async fn daily_week(
    stage: &mut Stage<'_>,
    guild: &FakeGuild,
    people: &[FakeUser],
) -> anyhow::Result<()> {
    let channel = stage.add_channel(guild, "daily-act");
    let admin = stage.admin(guild, &people[0]);
    let heading = if stage.options.awareness_week {
        "Asha (an admin) sets up the daily act, just before Loneliness Awareness Week"
    } else {
        "Asha (an admin) sets up the daily act for the team"
    };
    stage.heading(heading)?;
    let setup = json!([{"name": "setup", "type": 1, "options": [
        {"name": "channel", "type": 7, "value": channel.id.to_string()},
        {"name": "time", "type": 3, "value": "09:00"},
        {"name": "timezone", "type": 3, "value": "Europe/London"},
    ]}]);
    stage
        .command(
            &admin,
            "/daily setup channel: #daily-act time: 09:00 timezone: Europe/London",
            "daily",
            setup,
        )
        .await?;

    stage.heading("A week of daily acts (the demo moves the clock)")?;
    let ben = stage.bot.sandbox.member(guild, &people[1]);
    let cara = stage.bot.sandbox.member(guild, &people[2]);
    for day in 0..7 {
        let date = stage.options.monday() + chrono::Days::new(day);
        stage.tick_at(london(date, 9, 0)).await?;
        let messages = stage.bot.sandbox.channel_messages(channel.id);
        for message in stage.shown.unseen(&messages) {
            writeln!(
                stage.out,
                "\n  {} 09:00, in #daily-act:",
                date.format("%A %-d %B")
            )?;
            stage.show_message(message, "posted in the channel")?;
        }
        // Tuesday: Ben says how it went; Thursday: Cara replies in the day's thread.
        let post = messages
            .iter()
            .rev()
            .find(|m| buttons_of(m).iter().any(|(_, l)| l == "I did it"))
            .cloned();
        if let Some(post) = post {
            if day == 1 {
                let form = stage.click(&ben, &post, "I did it").await?;
                let form_id = form.data["custom_id"]
                    .as_str()
                    .context("the form's id")?
                    .to_owned();
                let words = "Asked Mrs Patel about her garden at the tea round; she lit up and told me all about her roses.";
                let reply = stage.submit(&ben, &form_id, words).await?;
                stage
                    .click(
                        &ben,
                        reply.message.as_ref().context("the thanks")?,
                        "Share with my name",
                    )
                    .await?;
            }
            if day == 3 {
                stage
                    .reply_in_thread(
                        &cara,
                        post_id(&post)?,
                        "Did it on my break, and we had a proper laugh.",
                    )
                    .await?;
            }
        }
        // Friday 16:00: the weekly recap goes out on its own.
        if day == 4 {
            stage.weekly_recap(date, channel.id).await?;
        }
    }
    let threads = stage.bot.sandbox.threads().len();
    writeln!(
        stage.out,
        "\n  Each post opened a thread for the day's wins ({threads} this week)."
    )?;

    stage.heading("Asha looks at what the team shared")?;
    let recent = json!([{"name": "recent", "type": 1, "options": []}]);
    stage
        .command(&admin, "/wins recent", "wins", recent)
        .await?;
    Ok(())
}

impl Stage<'_> {
    /// Moves the clock to Friday 16:00, lets the recap go out, shows it and saves its chart.
    async fn weekly_recap(&mut self, friday: NaiveDate, channel_id: u64) -> anyhow::Result<()> {
        self.tick_at(london(friday, 16, 0)).await?;
        let messages = self.bot.sandbox.channel_messages(channel_id);
        writeln!(
            self.out,
            "\n  {} 16:00, in #daily-act: the weekly recap",
            friday.format("%A %-d %B")
        )?;
        for message in self.shown.unseen(&messages) {
            self.show_message(message, "posted in the channel")?;
        }
        if let Some(png) = self.last_file(crate::discord::render::RECAP_CHART) {
            let path = std::env::temp_dir().join("smallacts-demo-chart.png");
            std::fs::write(&path, png)?;
            writeln!(
                self.out,
                "    [chart attached: wins per day by size, saved to {}]",
                path.display()
            )?;
        }
        Ok(())
    }
}

/// A message's id as a number.
fn post_id(message: &Value) -> anyhow::Result<u64> {
    message["id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .context("a message id")
}

/// A London wall time as an instant.
fn london(date: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    crate::calendar::resolve_local(
        chrono_tz::Europe::London,
        date.and_hms_opt(hour, minute, 0).expect("a time"),
    )
}

/// Members ask for ideas and use the buttons.
async fn ideas(
    stage: &mut Stage<'_>,
    guild: &FakeGuild,
    people: &[FakeUser],
) -> anyhow::Result<()> {
    let asha = stage.bot.sandbox.member(guild, &people[0]);
    let ben = stage.bot.sandbox.member(guild, &people[1]);

    stage.heading("Asha is on an early shift and asks for something small")?;
    let size = stage
        .bot
        .sandbox
        .choice("idea", "size", "Smaller: a minute or two")?;
    let reply = stage
        .command(&asha, "/idea size: Smaller", "idea", json!([size]))
        .await?;
    let message = reply.message.clone().context("the idea message")?;
    stage.click(&asha, &message, "Make it smaller").await?;
    stage.click(&asha, &message, "Make it smaller").await?;
    stage
        .click(&asha, &message, "Share with the channel")
        .await?;

    stage.heading("Ben works nights and wants something for the care setting")?;
    let setting =
        stage
            .bot
            .sandbox
            .choice("idea", "setting", "In care (shifts, residents, handovers)")?;
    let way = stage.bot.sandbox.choice("idea", "way", "Give")?;
    let reply = stage
        .command(
            &ben,
            "/idea setting: In care  way: Give",
            "idea",
            json!([setting, way]),
        )
        .await?;
    let message = reply.message.clone().context("the idea message")?;
    stage.click(&ben, &message, "Another idea").await?;

    stage.heading("Cara asks the bot what it can do, in a direct message")?;
    let cara = stage.bot.sandbox.dm(&people[2]);
    stage.command(&cara, "/help", "help", json!([])).await?;
    Ok(())
}

/// The demo's state, and how things are written to the transcript.
struct Stage<'a> {
    bot: BotAgainstFake,
    out: &'a mut (dyn Write + Send),
    options: DemoOptions,
    /// The messages the transcript has shown, each once.
    shown: Shown,
    guild_channels: Vec<(u64, String)>,
    /// (id, display name) of the people in the scene, for showing mentions as names.
    users: Vec<(u64, String)>,
    /// The impact page link the admin made, once made.
    impact_link: Option<String>,
}

impl Stage<'_> {
    /// The last file the bot sent to Discord under `name`.
    fn last_file(&self, name: &str) -> Option<Vec<u8>> {
        self.bot
            .sandbox
            .last_file(|file| file == name)
            .map(|(_, bytes)| bytes)
    }

    /// `user` as a server admin (Manage Server).
    fn admin(&self, guild: &FakeGuild, user: &FakeUser) -> Actor {
        Actor {
            permissions: fake_discord::permissions::MEMBER
                | fake_discord::permissions::MANAGE_GUILD,
            ..self.bot.sandbox.member(guild, user)
        }
    }

    /// A new channel in the server, whose name the transcript then shows for its mentions.
    fn add_channel(&mut self, guild: &FakeGuild, name: &str) -> fake_discord::FakeChannel {
        let channel = self.bot.sandbox.add_channel(guild.id, name);
        self.guild_channels.push((channel.id, channel.name.clone()));
        channel
    }

    /// Moves the clock and runs one scheduler pass.
    async fn tick_at(&mut self, at: DateTime<Utc>) -> anyhow::Result<()> {
        self.bot.tick_at(at).await?;
        Ok(())
    }

    fn heading(&mut self, text: &str) -> anyhow::Result<()> {
        writeln!(
            self.out,
            "\n── {text} {}",
            "─".repeat(WIDTH.saturating_sub(text.chars().count() + 4))
        )?;
        Ok(())
    }

    fn bot_is_ready(&mut self) -> anyhow::Result<()> {
        let names: Vec<String> = self
            .bot
            .sandbox
            .registered_commands()
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c["name"].as_str().map(|n| format!("/{n}")))
            .collect();
        self.heading("The bot starts")?;
        writeln!(
            self.out,
            "  smallacts connected to the gateway and registered {}.",
            names.join(", ")
        )?;
        Ok(())
    }

    fn server_joins(
        &mut self,
        name: &str,
        people: &[&str],
    ) -> anyhow::Result<(FakeGuild, Vec<FakeUser>)> {
        let users: Vec<FakeUser> = people
            .iter()
            .map(|p| self.bot.sandbox.new_user(p))
            .collect();
        self.users.extend(users.iter().map(|u| (u.id, display(u))));
        let guild = self.bot.sandbox.add_guild(name, users.clone());
        self.heading(&format!("{name} adds the bot"))?;
        writeln!(
            self.out,
            "  Members: {}. The bot posts nowhere until an admin sets it up.",
            people.join(", ")
        )?;
        Ok((guild, users))
    }

    async fn command(
        &mut self,
        actor: &Actor,
        typed: &str,
        name: &str,
        options: Value,
    ) -> anyhow::Result<Reply> {
        writeln!(self.out, "\n  {} types {typed}", display(&actor.user))?;
        let reply = self.bot.sandbox.slash(actor, name, options).await?;
        self.show(&reply, &actor.user)?;
        Ok(reply)
    }

    async fn click(
        &mut self,
        actor: &Actor,
        message: &Value,
        label: &str,
    ) -> anyhow::Result<Reply> {
        let current = self
            .bot
            .sandbox
            .bot_messages()
            .into_iter()
            .find(|m| m["id"] == message["id"])
            .unwrap_or_else(|| message.clone());
        let custom_id = buttons_of(&current)
            .into_iter()
            .find(|(_, l)| l == label)
            .map(|(id, _)| id)
            .with_context(|| format!("no {label:?} button"))?;
        writeln!(self.out, "\n  {} clicks [{label}]", display(&actor.user))?;
        let reply = self.bot.sandbox.click(actor, &current, &custom_id).await?;
        self.show(&reply, &actor.user)?;
        Ok(reply)
    }

    /// Fills in and sends the form the bot opened.
    async fn submit(
        &mut self,
        actor: &Actor,
        custom_id: &str,
        text: &str,
    ) -> anyhow::Result<Reply> {
        writeln!(
            self.out,
            "\n  {} writes: \u{201c}{text}\u{201d}",
            display(&actor.user)
        )?;
        let reply = self
            .bot
            .sandbox
            .submit_modal(actor, custom_id, &[("text", text)])
            .await?;
        self.show(&reply, &actor.user)?;
        Ok(reply)
    }

    /// A member replies in the thread of a daily post, and the bot's acknowledgement is shown.
    async fn reply_in_thread(
        &mut self,
        actor: &Actor,
        post_id: u64,
        text: &str,
    ) -> anyhow::Result<()> {
        writeln!(
            self.out,
            "\n  {} replies in the day's thread: \u{201c}{text}\u{201d}",
            display(&actor.user)
        )?;
        let in_thread = Actor {
            channel_id: post_id,
            ..actor.clone()
        };
        let before = self.bot.sandbox.channel_messages(post_id).len();
        self.bot.sandbox.post_message(&in_thread, text, None)?;
        let reply = self
            .bot
            .sandbox
            .wait_for_channel_messages(post_id, before + 2)
            .await?;
        if let Some(ack) = reply.last() {
            writeln!(
                self.out,
                "  (this bot runs without the Message Content intent, so it can't read the words)"
            )?;
            self.show_message(ack, "replying in the thread")?;
        }
        Ok(())
    }

    /// Writes the bot's answer as the person who asked sees it.
    fn show(&mut self, reply: &Reply, viewer: &FakeUser) -> anyhow::Result<()> {
        if reply.kind == 9 {
            let title = reply.data["title"].as_str().unwrap_or_default();
            let field = reply.data["components"][0]["components"][0]["label"]
                .as_str()
                .unwrap_or_default();
            writeln!(
                self.out,
                "  smallacts opens a form for {}: \u{201c}{title}\u{201d}, asking \u{201c}{field}\u{201d}",
                display(viewer)
            )?;
            return Ok(());
        }
        let Some(message) = &reply.message else {
            return Ok(());
        };
        let audience = if reply.ephemeral() {
            format!("only {} can see this", display(viewer))
        } else {
            "posted in the channel".to_owned()
        };
        // 6 and 7 answer a button by updating its message: shown again, as it now stands.
        if matches!(reply.kind, 6 | 7) {
            self.write_message(message, &audience)
        } else {
            self.show_message(message, &audience)
        }
    }

    /// Writes a bot message as a person would see it, the first time it is shown.
    fn show_message(&mut self, message: &Value, audience: &str) -> anyhow::Result<()> {
        self.shown.first_time(message)?;
        self.write_message(message, audience)
    }

    /// Writes a bot message as a person would see it.
    fn write_message(&mut self, message: &Value, audience: &str) -> anyhow::Result<()> {
        writeln!(self.out, "  smallacts ({audience}):")?;
        if let Some(content) = message["content"].as_str().filter(|c| !c.is_empty()) {
            let content = humanise(
                &content.replace("**", ""),
                &self.guild_channels,
                &self.users,
            );
            for line in wrap(&content, WIDTH - 6) {
                writeln!(self.out, "    {line}")?;
            }
        }
        for embed in message["embeds"].as_array().into_iter().flatten() {
            if let Some(author) = embed["author"]["name"].as_str() {
                writeln!(self.out, "    │ {author}")?;
            }
            if let Some(title) = embed["title"].as_str() {
                writeln!(self.out, "    │ {title}")?;
            }
            for line in embed["description"]
                .as_str()
                .map(|d| {
                    wrap(
                        &humanise(&d.replace("**", ""), &self.guild_channels, &self.users),
                        WIDTH - 8,
                    )
                })
                .unwrap_or_default()
            {
                writeln!(self.out, "    │   {line}")?;
            }
            let fields: Vec<String> = embed["fields"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|f| {
                    let value = humanise(
                        f["value"].as_str().unwrap_or(""),
                        &self.guild_channels,
                        &self.users,
                    );
                    let value = value.replace("**", "").replace('\n', " · ");
                    format!("{}: {}", f["name"].as_str().unwrap_or(""), value)
                })
                .collect();
            if fields.iter().any(|f| f.len() > 60) {
                // Long fields (the support list) one per line, wrapped.
                for field in &fields {
                    for (i, line) in wrap(field, WIDTH - 10).into_iter().enumerate() {
                        let indent = if i == 0 { "• " } else { "  " };
                        writeln!(self.out, "    │ {indent}{line}")?;
                    }
                }
            } else if !fields.is_empty() {
                writeln!(self.out, "    │ {}", fields.join(" · "))?;
            }
        }
        let buttons: Vec<String> = buttons_of(message)
            .into_iter()
            .map(|(_, l)| format!("[{l}]"))
            .collect();
        if !buttons.is_empty() {
            writeln!(self.out, "    {}", buttons.join(" "))?;
        }
        Ok(())
    }
}

/// The ids of the messages the transcript has shown. A message the bot posted once is shown
/// once: under the time it went out, never again under a later heading.
#[derive(Debug, Default)]
struct Shown(HashSet<String>);

impl Shown {
    /// Counts `message` as shown; an error if it was shown before.
    fn first_time(&mut self, message: &Value) -> anyhow::Result<()> {
        let id = message["id"].as_str().unwrap_or_default();
        if !id.is_empty() && !self.0.insert(id.to_owned()) {
            anyhow::bail!("the transcript would show message {id} a second time");
        }
        Ok(())
    }

    /// Those of `messages` not shown yet, in their order.
    fn unseen<'m>(&self, messages: &'m [Value]) -> Vec<&'m Value> {
        messages
            .iter()
            .filter(|m| !m["id"].as_str().is_some_and(|id| self.0.contains(id)))
            .collect()
    }
}

/// Shows Discord's markup as a person would see it: `<#id>` as the channel's name,
/// `<t:unix:F>` as a London date and time, and relative times (`<t:unix:R>`) left out.
fn humanise(text: &str, guild_channels: &[(u64, String)], users: &[(u64, String)]) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let Some(end) = after.find('>') else {
            out.push_str(after);
            return out;
        };
        let tag = &after[1..end];
        let user = tag
            .strip_prefix('@')
            .map(|t| t.trim_start_matches('!'))
            .and_then(|id| id.parse::<u64>().ok());
        if let Some(id) = user {
            let name = users
                .iter()
                .find(|(u, _)| *u == id)
                .map_or("someone", |(_, n)| n.as_str());
            out.push_str(&format!("@{name}"));
        } else if let Some(id) = tag.strip_prefix('#').and_then(|id| id.parse::<u64>().ok()) {
            let name = guild_channels
                .iter()
                .find(|(c, _)| *c == id)
                .map_or("channel", |(_, n)| n.as_str());
            out.push_str(&format!("#{name}"));
        } else if let Some(stamp) = tag.strip_prefix("t:") {
            let mut parts = stamp.split(':');
            let seconds = parts.next().and_then(|s| s.parse::<i64>().ok());
            let style = parts.next().unwrap_or("f");
            if let (Some(seconds), false) = (seconds, style == "R") {
                if let Some(at) = DateTime::from_timestamp(seconds, 0) {
                    let local = at.with_timezone(&chrono_tz::Europe::London);
                    let format = if style == "t" {
                        "%H:%M"
                    } else {
                        "%A %-d %B %Y %H:%M"
                    };
                    out.push_str(&local.format(format).to_string());
                }
            } else if style == "R" {
                // "(in 3 hours)" reads oddly in a transcript with a moving clock.
                out = out.trim_end_matches(" (").to_owned();
                rest = &after[end + 1..];
                rest = rest.strip_prefix(')').unwrap_or(rest);
                continue;
            }
        } else {
            out.push_str(&after[..=end]);
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

fn display(user: &FakeUser) -> String {
    user.global_name
        .clone()
        .unwrap_or_else(|| user.username.clone())
}

/// Wraps text at word boundaries, keeping its own line breaks.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.lines() {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discord_markup_reads_as_people_see_it() {
        let channels = vec![(42, "daily-act".to_owned())];
        assert_eq!(
            humanise(
                "In <#42>. Next post: <t:1795424400:F> (<t:1795424400:R>).",
                &channels,
                &[]
            ),
            "In #daily-act. Next post: Monday 23 November 2026 09:00."
        );
        assert_eq!(humanise("a < b", &channels, &[]), "a < b");
        assert_eq!(
            humanise("<@7>: hi", &channels, &[(7, "Ben".into())]),
            "@Ben: hi"
        );
    }

    #[test]
    fn a_message_is_shown_once() {
        let friday_post = json!({"id": "1", "content": "Friday's act"});
        let recap = json!({"id": "2", "content": "The weekly recap"});
        let saturday_post = json!({"id": "3", "content": "Saturday's act"});
        let mut shown = Shown::default();
        shown.first_time(&friday_post).unwrap();
        shown.first_time(&recap).unwrap();
        // Saturday's listing holds the whole channel: only Saturday's post is new.
        let channel = [friday_post, recap.clone(), saturday_post.clone()];
        assert_eq!(shown.unseen(&channel), [&saturday_post]);
        let again = shown.first_time(&recap).unwrap_err().to_string();
        assert!(again.contains("message 2 a second time"), "{again}");
    }

    #[test]
    fn wrapping_keeps_words_whole() {
        let lines = wrap("one two three four five six", 9);
        assert_eq!(lines, ["one two", "three", "four five", "six"]);
        assert_eq!(wrap("a\nb", 10), ["a", "b"]);
    }
}
