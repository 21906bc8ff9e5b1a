//! Hostile and unlucky input gets a helpful answer, always: 6,000-character values, direction
//! overrides, zalgo, `@everyone` and markdown in every text option of the commands that take
//! text; autocomplete fed the same; and commands or subcommands from an older list of
//! commands than the bot has. Every answer must be accepted by the fake Discord (which
//! refuses what Discord refuses, and `finish` fails on any refusal), private, and never blame
//! the operator's side for what the member typed.

use fake_discord::{Actor, Reply};
use serde_json::{Value, json};

use crate::bot::TestBot;
use crate::helpers::{server_with, sub, text};

/// Values that have broken bots before, by name.
fn hostile_values() -> Vec<(&'static str, String)> {
    let zalgo = |text: &str| -> String {
        text.chars()
            .flat_map(|c| {
                std::iter::once(c)
                    .chain("\u{0336}\u{0322}\u{0337}\u{0338}".chars().cycle().take(24))
            })
            .collect()
    };
    let mixed = format!(
        "@everyone **09:00** \u{202E}yad yreve\u{202C} {} ```x``` ",
        zalgo("mon")
    );
    vec![
        (
            "6,000 characters",
            mixed.chars().cycle().take(6_000).collect(),
        ),
        (
            "a right-to-left override",
            "\u{202E}00:90 yad yreve\u{202C}".to_owned(),
        ),
        ("zalgo", zalgo("nine o'clock")),
        ("@everyone", "@everyone <@&1> <@2> hello there".to_owned()),
        (
            "markdown",
            "```\n**09:00**\n```\n# big\n> quote ||spoiler||".to_owned(),
        ),
    ]
}

/// What a value in an option must get.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// The option has a format: anything odd is wrong, and the answer says what was wrong and
    /// shows an example.
    Format,
    /// Free text (a name, an act, a win): odd text is fine; over its length is wrong.
    FreeText,
    /// Free text with no limit short of Discord's own (a win).
    AnyText,
}

struct Case {
    command: &'static str,
    subcommand: Option<&'static str>,
    option: &'static str,
    others: Vec<Value>,
    expect: Expect,
}

fn case(
    command: &'static str,
    subcommand: Option<&'static str>,
    option: &'static str,
    others: Vec<Value>,
    expect: Expect,
) -> Case {
    Case {
        command,
        subcommand,
        option,
        others,
        expect,
    }
}

fn channel(id: u64) -> Value {
    json!({"name": "channel", "type": 7, "value": id.to_string()})
}

fn choice(name: &str, index: u64) -> Value {
    json!({"name": name, "type": 4, "value": index})
}

fn cases(channel_id: u64) -> Vec<Case> {
    use Expect::*;
    let ch = || channel(channel_id);
    vec![
        case("daily", Some("setup"), "time", vec![ch()], Format),
        case(
            "daily",
            Some("setup"),
            "timezone",
            vec![ch(), text("time", "09:00")],
            Format,
        ),
        case(
            "daily",
            Some("setup"),
            "days",
            vec![ch(), text("time", "09:00")],
            Format,
        ),
        case("daily", Some("schedule"), "cron", vec![], Format),
        case("daily", Some("pause"), "until", vec![], Format),
        case("daily", Some("options"), "awareness_start", vec![], Format),
        case("settings", None, "country", vec![], Format),
        case("daily", Some("options"), "avoid", vec![], Format),
        case("idea", None, "avoid", vec![], Format),
        case("recap", Some("setup"), "day", vec![], Format),
        case("recap", Some("setup"), "time", vec![], Format),
        case("export", Some("impact"), "from", vec![], Format),
        case("export", Some("impact"), "to", vec![], Format),
        case("checkin", Some("add"), "when", vec![ch()], Format),
        case("checkin", Some("buddies"), "day_time", vec![], Format),
        case("checkin", Some("resource-remove"), "name", vec![], Format),
        case(
            "checkin",
            Some("resource-add"),
            "url",
            vec![
                text("name", "Mind"),
                text("details", "Mental health support"),
            ],
            Format,
        ),
        case(
            "checkin",
            Some("resource-add"),
            "name",
            vec![text("details", "Mental health support")],
            FreeText,
        ),
        case("checkin", Some("resource-add"), "details", vec![], FreeText),
        case("checkin", Some("resource-add"), "contact", vec![], FreeText),
        case(
            "shift",
            None,
            "quiet_hours",
            vec![choice("pattern", 3)],
            Format,
        ),
        case("suggest", None, "text", vec![], FreeText),
        case(
            "acts",
            Some("add"),
            "text",
            vec![choice("size", 0), choice("way", 0)],
            FreeText,
        ),
        case("win", None, "text", vec![], AnyText),
    ]
}

fn options_for(case: &Case, value: &str, n: usize) -> Value {
    let mut options = case.others.clone();
    options.push(text(case.option, value));
    // Resource names must differ from one another; give each its own.
    if case.command == "checkin" && case.subcommand == Some("resource-add") {
        if case.option != "name" && case.option != "url" {
            options.push(text("name", &format!("Contact {n}")));
        }
        if case.option != "details" && !options.iter().any(|o| o["name"] == "details") {
            options.push(text("details", "Someone to talk to"));
        }
    }
    match case.subcommand {
        Some(name) => sub(name, Value::Array(options)),
        None => Value::Array(options),
    }
}

async fn run(bot: &TestBot, actor: &Actor, case: &Case, options: Value) -> Reply {
    bot.sandbox
        .slash(actor, case.command, options)
        .await
        .unwrap_or_else(|e| panic!("/{} {:?}: {e}", case.command, case.subcommand))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_text_option_answers_hostile_input_helpfully_and_within_discords_limits() {
    let bot = TestBot::start().await;
    let (guild, admin, _) = server_with(&bot, "Ivy Court", &["Ines", "Jo"]).await;
    let channel_id = bot.sandbox.add_channel(guild.id, "daily").id;
    let mut n = 0;
    let mut problems = Vec::new();
    let mut check = |ok: bool, problem: String| {
        if !ok {
            problems.push(problem);
        }
    };
    for case in cases(channel_id) {
        for (what, value) in hostile_values() {
            n += 1;
            let reply = run(&bot, &admin, &case, options_for(&case, &value, n)).await;
            let shown = reply.text();
            let said = format!(
                "/{} {} {} = {what}: {shown}",
                case.command,
                case.subcommand.unwrap_or(""),
                case.option
            );
            check(reply.ephemeral(), format!("not private: {said}"));
            check(!shown.trim().is_empty(), format!("empty: {said}"));
            check(
                !shown.contains("on my side"),
                format!("blames itself: {said}"),
            );
            let long = value.chars().count() > 1_000;
            let wrong = match case.expect {
                Expect::Format => true,
                Expect::FreeText => long,
                Expect::AnyText => false,
            };
            if wrong {
                check(shown.contains("e.g."), format!("no example: {said}"));
                if long {
                    check(
                        shown.contains("6000 characters long"),
                        format!("doesn't say it's too long: {said}"),
                    );
                }
            }
            // An echo of what was typed never carries its direction override.
            check(
                !shown.contains('\u{202E}'),
                format!("override echoed: {said}"),
            );
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // Autocomplete gets suggestions that fit (25 at most, 100 characters each), or none.
    let focused = |name: &str, kind: u64, value: &str| json!({"name": name, "type": kind, "value": value, "focused": true});
    for (what, value) in hostile_values() {
        let asks = [
            (
                "daily",
                sub("setup", json!([focused("timezone", 3, &value)])),
            ),
            ("checkin", sub("add", json!([focused("when", 3, &value)]))),
            (
                "checkin",
                sub("remove", json!([focused("checkin", 4, &value)])),
            ),
            (
                "checkin",
                sub("resource-remove", json!([focused("name", 3, &value)])),
            ),
            ("idea", json!([focused("size", 4, &value)])),
            ("settings", json!([focused("country", 3, &value)])),
            ("idea", json!([focused("avoid", 3, &value)])),
            (
                "daily",
                sub("options", json!([focused("avoid", 3, &value)])),
            ),
        ];
        for (command, options) in asks {
            let choices = bot
                .sandbox
                .autocomplete(&admin, command, options)
                .await
                .unwrap_or_else(|e| panic!("/{command} autocomplete, {what}: {e}"));
            assert!(choices.len() <= 25, "/{command}, {what}");
            for choice in &choices {
                assert!(
                    choice["name"].as_str().unwrap().chars().count() <= 100,
                    "/{command}, {what}: {choice}"
                );
                if let Some(value) = choice["value"].as_str() {
                    assert!(value.chars().count() <= 100, "/{command}, {what}: {choice}");
                }
            }
        }
    }
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_command_or_subcommand_the_bot_no_longer_has_gets_a_private_answer() {
    let bot = TestBot::start().await;
    let (_, admin, members) = server_with(&bot, "Elm Ward", &["Kit", "Lee"]).await;
    let member = &members[1];

    // A command renamed or removed in a deploy, still in the member's Discord.
    let gone = bot
        .sandbox
        .slash_unregistered(member, "ideas", json!([text("mood", "calm")]))
        .await
        .unwrap();
    // A subcommand likewise.
    let gone_sub = bot
        .sandbox
        .slash(
            &admin,
            "daily",
            sub("holiday", json!([text("date", "2026-12-25")])),
        )
        .await
        .unwrap();
    // A parent command sent without a subcommand (it used to be a command of its own).
    let bare = bot.sandbox.slash(member, "wins", json!([])).await.unwrap();
    for reply in [&gone, &gone_sub, &bare] {
        assert!(reply.ephemeral(), "{:?}", reply.message);
        assert_eq!(reply.kind, 4, "answered at once");
        let shown = reply.text();
        assert!(shown.contains("This command has changed"), "{shown}");
        assert!(shown.contains("try again in a minute"), "{shown}");
        assert!(!shown.contains("on my side"), "{shown}");
    }
    bot.finish().await;
}
