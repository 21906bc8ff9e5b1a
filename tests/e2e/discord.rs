//! The bot end to end: real start-up code, real HTTP and WebSocket, the fake Discord.

use std::collections::HashMap;

use fake_discord::{OpenApiCheck, Reply, Sandbox, SandboxOptions};
use serde_json::{Value, json};
use smallacts::acts::{Catalogue, Setting, Size, Way};
use smallacts::ids::GuildId;

use crate::bot::TestBot;

/// The catalogue act an answer shows, found by its text.
fn act_in(reply: &Reply) -> smallacts::acts::Act {
    let message = reply.message.as_ref().expect("a message");
    let text = message["embeds"][0]["description"]
        .as_str()
        .expect("an act embed");
    Catalogue::built_in()
        .unwrap()
        .acts
        .into_iter()
        .find(|a| a.text == text)
        .unwrap_or_else(|| panic!("not a catalogue act: {text}"))
}

/// An `/idea` option chosen by its displayed name.
fn idea_choice(sandbox: &Sandbox, option: &str, name: &str) -> Value {
    sandbox.choice("idea", option, name).unwrap()
}

fn option(name: &str, value: Value) -> Value {
    json!({"name": name, "type": 4, "value": value})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_intents_and_the_openapi_check_are_as_documented() {
    let bot = TestBot::start().await;
    if std::path::Path::new("../shared/discord/openapi.json").exists() {
        assert!(
            bot.sandbox.checks_openapi(),
            "the OpenAPI check must be on when the spec is there"
        );
    }
    let commands = bot.sandbox.registered_commands();
    let names: Vec<&str> = commands
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "idea", "suggest", "win", "wins", "privacy", "help", "about", "daily", "settings",
            "acts", "recap", "export", "checkin", "support", "buddy", "shift", "doctor", "event"
        ]
    );
    for command in commands.as_array().unwrap() {
        let description = command["description"].as_str().unwrap();
        assert!(
            !description.is_empty() && description.len() <= 100,
            "{command}"
        );
        if [
            "idea", "suggest", "win", "wins", "privacy", "help", "about", "support", "buddy",
            "shift",
        ]
        .contains(&command["name"].as_str().unwrap())
        {
            assert!(
                command["default_member_permissions"].is_null(),
                "member commands need no permission: {command}"
            );
        }
    }
    let idea = &commands[0];
    let options: Vec<&str> = idea["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(options, ["size", "way", "setting", "avoid"]);
    for (i, expected) in [(0, 3), (1, 5), (2, 5)] {
        let option = &idea["options"][i];
        assert_eq!(option["required"], false);
        assert_eq!(
            option["choices"].as_array().unwrap().len(),
            expected,
            "{option}"
        );
        assert!(!option["description"].as_str().unwrap().is_empty());
    }
    // One bulk overwrite, no per-command registration.
    let puts: Vec<_> = bot
        .sandbox
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT" && r.path.ends_with("/commands"))
        .collect();
    assert_eq!(puts.len(), 1);
    assert!(
        !bot.sandbox
            .requests()
            .iter()
            .any(|r| r.method == "POST" && r.path.ends_with("/commands"))
    );
    // Non-privileged intents only: GUILDS, GUILD_MESSAGES, GUILD_MESSAGE_REACTIONS,
    // DIRECT_MESSAGES, GUILD_SCHEDULED_EVENTS.
    assert_eq!(
        bot.sandbox.intents(),
        Some(1 | (1 << 9) | (1 << 10) | (1 << 12) | (1 << 16))
    );
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_content_intent_only_when_configured() {
    // Without the intent, Discord blanks other people's words; with it, they arrive.
    for with_intent in [false, true] {
        let bot = TestBot::start_with(|s| s.discord.message_content_intent = with_intent).await;
        let sandbox = &bot.sandbox;
        assert_eq!(sandbox.intents().unwrap() & (1 << 15) != 0, with_intent);
        let member = sandbox.new_user("Ivy");
        let guild = sandbox.add_guild("Team", vec![member.clone()]);
        sandbox
            .post_message(
                &sandbox.member(&guild, &member),
                "I said hello to the new starter",
                None,
            )
            .unwrap();
        let delivered = sandbox
            .frames()
            .into_iter()
            .rev()
            .find(|f| f.event.as_deref() == Some("MESSAGE_CREATE"))
            .unwrap();
        let content = delivered.payload["d"]["content"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(content.is_empty(), !with_intent, "{content:?}");
        bot.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idea_answers_privately_with_an_act_matching_each_filter() {
    let bot = TestBot::start().await;
    let sandbox = &bot.sandbox;
    let member = sandbox.new_user("Asha");
    let guild = sandbox.add_guild("Rosewood Care Home", vec![member.clone()]);
    let actor = sandbox.member(&guild, &member);

    let sizes = [
        ("Smallest: a few seconds", Size::Smallest),
        ("Smaller: a minute or two", Size::Smaller),
        ("Small: a few minutes or more", Size::Small),
    ];
    for (name, size) in sizes {
        let reply = sandbox
            .slash(&actor, "idea", json!([idea_choice(sandbox, "size", name)]))
            .await
            .unwrap();
        assert_eq!(reply.kind, 4);
        assert!(reply.ephemeral(), "an idea is private");
        let act = act_in(&reply);
        assert_eq!(act.size, size);
        let embed = &reply.message.as_ref().unwrap()["embeds"][0];
        assert_eq!(embed["fields"][0]["value"], size.label());
        assert_eq!(embed["fields"][1]["value"], act.way.label());
    }
    let ways = [
        ("Connect", Way::Connect),
        ("Be active", Way::BeActive),
        ("Take notice", Way::TakeNotice),
        ("Keep learning", Way::KeepLearning),
        ("Give", Way::Give),
    ];
    for (name, way) in ways {
        let reply = sandbox
            .slash(&actor, "idea", json!([idea_choice(sandbox, "way", name)]))
            .await
            .unwrap();
        assert_eq!(act_in(&reply).way, way);
    }
    let settings = [
        ("Anywhere", Setting::Anywhere),
        ("At work", Setting::Workplace),
        ("In care (shifts, residents, handovers)", Setting::Care),
        ("Online", Setting::Online),
        ("In the community", Setting::Community),
    ];
    for (name, setting) in settings {
        let reply = sandbox
            .slash(
                &actor,
                "idea",
                json!([idea_choice(sandbox, "setting", name)]),
            )
            .await
            .unwrap();
        assert!(act_in(&reply).fits(setting), "{setting:?}");
    }
    // All three at once.
    let reply = sandbox
        .slash(
            &actor,
            "idea",
            json!([
                idea_choice(sandbox, "size", "Smaller: a minute or two"),
                idea_choice(sandbox, "way", "Give"),
                idea_choice(sandbox, "setting", "In care (shifts, residents, handovers)"),
            ]),
        )
        .await
        .unwrap();
    let act = act_in(&reply);
    assert_eq!((act.size, act.way), (Size::Smaller, Way::Give));
    assert!(act.fits(Setting::Care));
    assert_eq!(
        reply
            .buttons()
            .into_iter()
            .map(|(_, label)| label)
            .collect::<Vec<_>>(),
        ["Another idea", "Make it smaller", "Share with the channel"]
    );
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_button_does_what_it_says() {
    let bot = TestBot::start().await;
    let sandbox = &bot.sandbox;
    let member = sandbox.new_user("Ben <@&123> @everyone");
    let guild = sandbox.add_guild("Night team", vec![member.clone()]);
    let actor = sandbox.member(&guild, &member);
    let small = idea_choice(sandbox, "size", "Small: a few minutes or more");
    let first = sandbox.slash(&actor, "idea", json!([small])).await.unwrap();
    let first_act = act_in(&first);
    let message = first.message.clone().unwrap();

    // Another idea: the same message changes to a different act that still fits the filter.
    let another = sandbox
        .click(&actor, &message, &first.button("Another idea").unwrap())
        .await
        .unwrap();
    assert_eq!(another.kind, 7, "updates the message in place");
    let second_act = act_in(&another);
    assert_ne!(second_act.slug, first_act.slug);
    assert_eq!(second_act.size, Size::Small);
    assert!(another.ephemeral());

    // Make it smaller: one size down, same Way (the catalogue has every Way at every size).
    let smaller = sandbox
        .click(
            &actor,
            &message,
            &another.button("Make it smaller").unwrap(),
        )
        .await
        .unwrap();
    let smaller_act = act_in(&smaller);
    assert_eq!(smaller_act.size, Size::Smaller);
    assert_eq!(smaller_act.way, second_act.way);
    let smallest = sandbox
        .click(
            &actor,
            &message,
            &smaller.button("Make it smaller").unwrap(),
        )
        .await
        .unwrap();
    let smallest_act = act_in(&smallest);
    assert_eq!(smallest_act.size, Size::Smallest);
    // At the smallest, it says so kindly and keeps the act.
    let kind = sandbox
        .click(
            &actor,
            &message,
            &smallest.button("Make it smaller").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(act_in(&kind).slug, smallest_act.slug);
    assert!(
        kind.text().contains("already as small as they come"),
        "{}",
        kind.text()
    );

    // Share: posted publicly in the channel, attributed, pinging no one.
    let shared = sandbox
        .click(
            &actor,
            &message,
            &kind.button("Share with the channel").unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(shared.kind, 4);
    assert!(!shared.ephemeral());
    let public = sandbox.channel_messages(actor.channel_id);
    let post = public.last().expect("a public post");
    assert_eq!(post["embeds"][0]["description"], smallest_act.text.as_str());
    assert_eq!(
        post["embeds"][0]["author"]["name"],
        "Ben <@&123> @everyone shared an idea"
    );
    assert_eq!(post["allowed_mentions"]["parse"], json!([]));
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_member_is_offered_the_same_act_twice_running() {
    let bot = TestBot::start().await;
    let sandbox = &bot.sandbox;
    let member = sandbox.new_user("Cara");
    let guild = sandbox.add_guild("Library volunteers", vec![member.clone()]);
    let actor = sandbox.member(&guild, &member);
    // A narrow filter, so repeats would be likely by chance.
    let filter = json!([
        idea_choice(sandbox, "size", "Smallest: a few seconds"),
        sandbox.choice("idea", "way", "Be active").unwrap(),
    ]);
    let mut previous = String::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for _ in 0..12 {
        let reply = sandbox.slash(&actor, "idea", filter.clone()).await.unwrap();
        let act = act_in(&reply);
        assert_ne!(act.slug, previous, "offered the same act twice running");
        *seen.entry(act.slug.clone()).or_default() += 1;
        previous = act.slug;
    }
    assert!(seen.len() > 1);
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_input_gets_a_friendly_private_answer() {
    let bot = TestBot::start().await;
    let sandbox = &bot.sandbox;
    let member = sandbox.new_user("Dev");
    let guild = sandbox.add_guild("Team", vec![member.clone()]);
    let actor = sandbox.member(&guild, &member);
    // A choice value that is not one of the choices (a stale or hand-made client).
    let reply = sandbox
        .slash(&actor, "idea", json!([option("size", json!(42))]))
        .await
        .unwrap();
    assert!(reply.ephemeral());
    assert!(reply.text().contains("/help"), "{}", reply.text());

    // Filters that match nothing, if the catalogue has such a combination.
    let catalogue = Catalogue::built_in().unwrap();
    let empty = Size::ALL
        .iter()
        .flat_map(|s| Way::ALL.iter().map(move |w| (*s, *w)))
        .find(|(s, w)| {
            !catalogue
                .acts
                .iter()
                .any(|a| a.size == *s && a.way == *w && a.fits(Setting::Online))
        });
    if let Some((size, way)) = empty {
        let size_name = match size {
            Size::Smallest => "Smallest: a few seconds",
            Size::Smaller => "Smaller: a minute or two",
            Size::Small => "Small: a few minutes or more",
        };
        let reply = sandbox
            .slash(
                &actor,
                "idea",
                json!([
                    idea_choice(sandbox, "size", size_name),
                    idea_choice(sandbox, "way", way.label()),
                    idea_choice(sandbox, "setting", "Online"),
                ]),
            )
            .await
            .unwrap();
        assert!(reply.text().contains("fewer options"), "{}", reply.text());
    }
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idea_works_in_direct_messages_without_a_share_button() {
    let bot = TestBot::start().await;
    let sandbox = &bot.sandbox;
    let member = sandbox.new_user("Eli");
    let actor = sandbox.dm(&member);
    let reply = sandbox.slash(&actor, "idea", json!([])).await.unwrap();
    act_in(&reply);
    let labels: Vec<String> = reply.buttons().into_iter().map(|(_, l)| l).collect();
    assert_eq!(labels, ["Another idea", "Make it smaller"]);
    let again = sandbox
        .click(
            &actor,
            reply.message.as_ref().unwrap(),
            &reply.button("Another idea").unwrap(),
        )
        .await
        .unwrap();
    act_in(&again);
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_lists_every_command_and_about_names_the_privacy_notice() {
    let bot = TestBot::start().await;
    let sandbox = &bot.sandbox;
    let member = sandbox.new_user("Fay");
    let guild = sandbox.add_guild("Team", vec![member.clone()]);
    let actor = sandbox.member(&guild, &member);
    let help = sandbox.slash(&actor, "help", json!([])).await.unwrap();
    assert!(help.ephemeral());
    for command in sandbox.registered_commands().as_array().unwrap() {
        let name = command["name"].as_str().unwrap();
        let subcommands: Vec<&Value> = command["options"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|o| o["type"] == 1)
            .collect();
        if subcommands.is_empty() {
            let line = format!("`/{name}`");
            assert!(
                help.text().contains(&line),
                "missing {line:?} in {}",
                help.text()
            );
        }
        let admin = if command["default_member_permissions"].is_null() {
            ""
        } else {
            " (admins)"
        };
        for sub in subcommands {
            let line = format!(
                "`/{name} {}`{admin}: {}",
                sub["name"].as_str().unwrap(),
                sub["description"].as_str().unwrap()
            );
            // A command shown to everyone may still have an admin's subcommand (`/event
            // role`), checked when it runs and marked so.
            let admin_sub = format!(
                "`/{name} {}` (admins): {}",
                sub["name"].as_str().unwrap(),
                sub["description"].as_str().unwrap()
            );
            assert!(
                help.text().contains(&line)
                    || (admin.is_empty() && help.text().contains(&admin_sub)),
                "missing {line:?} in {}",
                help.text()
            );
        }
    }
    let about = sandbox.slash(&actor, "about", json!([])).await.unwrap();
    assert!(about.text().contains(env!("CARGO_PKG_VERSION")));
    assert!(about.text().contains("PRIVACY.md"));
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_gateway_connection_is_resumed_and_a_lost_session_reidentified() {
    let bot = TestBot::start().await;
    let sandbox = &bot.sandbox;
    let member = sandbox.new_user("Gus");
    let guild = sandbox.add_guild("Team", vec![member.clone()]);
    let actor = sandbox.member(&guild, &member);
    sandbox.slash(&actor, "idea", json!([])).await.unwrap();

    sandbox.drop_connection();
    sandbox.wait_until_connected().await.unwrap();
    let reply = sandbox.slash(&actor, "idea", json!([])).await.unwrap();
    act_in(&reply);
    assert_eq!(
        sandbox.identify_and_resume_counts(),
        (1, 1),
        "resumed, not re-identified"
    );

    sandbox.invalidate_session();
    sandbox.wait_until_connected().await.unwrap();
    let reply = sandbox.slash(&actor, "idea", json!([])).await.unwrap();
    act_in(&reply);
    assert_eq!(sandbox.identify_and_resume_counts().0, 2, "identified anew");
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_are_recorded_and_health_shows_the_gateway() {
    let bot = TestBot::start().await;
    let member = bot.sandbox.new_user("Hana");
    let guild = bot.sandbox.add_guild("Allotment Society", vec![member]);
    // The join reaches the database.
    let mut stored = None;
    for _ in 0..100 {
        stored = bot.db.store.server(GuildId(guild.id)).await.unwrap();
        if stored.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let stored = stored.expect("server recorded");
    assert_eq!(stored.name, "Allotment Society");
    assert_eq!(stored.timezone, "Europe/London");

    let addr = bot.ops_addr.unwrap();
    let (status, body) = crate::helpers::http_request(addr, "GET", "/healthz", &[], None).await;
    assert_eq!(status, 200);
    let health: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["gateway_connected"], true);
    let (_, metrics) = crate::helpers::http_request(addr, "GET", "/metrics", &[], None).await;
    assert!(
        metrics.contains("smallacts_gateway_connected 1"),
        "{metrics}"
    );
    assert!(metrics.contains("smallacts_servers 1"), "{metrics}");
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_gateway_url_start_up_fails_instead_of_wandering_off() {
    use smallacts::clock::SystemClock;
    use smallacts::settings::{DatabaseUrl, Settings};
    let db = crate::helpers::TestDb::sqlite().await;
    let mut settings = Settings::defaults();
    settings.database.url = DatabaseUrl::new(db.url.clone());
    settings.http.listen = String::new();
    settings.web.listen = String::new();
    // Nothing listens on port 9: the gateway URL cannot be fetched.
    settings.discord.api_url = "http://127.0.0.1:9".into();
    settings.token = Some(secrecy::SecretString::from("x"));
    let app = smallacts::startup::Application::build(settings, std::sync::Arc::new(SystemClock))
        .await
        .unwrap();
    let err = app.start().await.err().expect("must fail").to_string();
    assert!(err.contains("cannot get the gateway URL"), "{err}");
}

/// The fake Discord itself, through serenity's own HTTP client: Discord's errors for what
/// Discord refuses.
mod sandbox_behaves_as_discord_documents {
    use super::*;
    use poise::serenity_prelude as serenity;

    async fn client(sandbox: &Sandbox) -> serenity::Http {
        serenity::HttpBuilder::new(sandbox.token())
            .proxy(sandbox.api_url())
            .ratelimiter_disabled(true)
            .build()
    }

    fn error_code(error: serenity::Error) -> (u16, isize) {
        match error {
            serenity::Error::Http(serenity::HttpError::UnsuccessfulRequest(response)) => {
                (response.status_code.as_u16(), response.error.code)
            }
            other => panic!("not a Discord error: {other:?}"),
        }
    }

    async fn post_raw(sandbox: &Sandbox, channel: u64, body: &Value) -> (u16, Value) {
        let (status, text) = crate::helpers::http_request(
            sandbox
                .api_url()
                .trim_start_matches("http://")
                .parse()
                .unwrap(),
            "POST",
            &format!("/api/v10/channels/{channel}/messages"),
            &[("Authorization", &format!("Bot {}", sandbox.token()))],
            Some(&body.to_string()),
        )
        .await;
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    #[tokio::test]
    async fn over_long_content_and_unknown_channels_are_refused() {
        let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
        let guild = sandbox.add_guild("Team", vec![]);
        let channel = serenity::ChannelId::new(guild.channels[0].id);
        let http = client(&sandbox).await;
        let ok = channel
            .send_message(
                &http,
                serenity::CreateMessage::new().content("é".repeat(2000)),
            )
            .await;
        assert!(ok.is_ok(), "{ok:?}");
        // serenity refuses over-long content itself, so send these as raw HTTP.
        let (status, body) = post_raw(
            &sandbox,
            channel.get(),
            &json!({"content": "x".repeat(2001)}),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_u64()),
            (400, Some(50035)),
            "{body}"
        );
        assert_eq!(
            body["errors"]["content"]["_errors"][0]["code"],
            "BASE_TYPE_MAX_LENGTH"
        );
        let (status, body) = post_raw(
            &sandbox,
            channel.get(),
            &json!({"embeds": [{"description": "d".repeat(4097)}]}),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_u64()),
            (400, Some(50035)),
            "{body}"
        );
        let button = |id: &str| json!({"type": 2, "style": 1, "label": "b", "custom_id": id});
        let (status, body) = post_raw(
            &sandbox,
            channel.get(),
            &json!({"content": "x", "components": [button("a")]}),
        )
        .await;
        assert_eq!(
            (status, body["code"].as_u64()),
            (400, Some(50035)),
            "a button outside an action row: {body}"
        );
        let nowhere = serenity::ChannelId::new(42)
            .send_message(&http, serenity::CreateMessage::new().content("hi"))
            .await;
        assert_eq!(error_code(nowhere.unwrap_err()), (404, 10003));
        sandbox.set_bot_can_send(channel.get(), false);
        let denied = channel
            .send_message(&http, serenity::CreateMessage::new().content("hi"))
            .await;
        assert_eq!(error_code(denied.unwrap_err()), (403, 50013));
    }

    #[tokio::test]
    async fn too_fast_senders_get_429_with_retry_after() {
        let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
        let guild = sandbox.add_guild("Team", vec![]);
        let channel = serenity::ChannelId::new(guild.channels[0].id);
        let http = client(&sandbox).await;
        sandbox.set_rate_limit(Some(3));
        let mut statuses = Vec::new();
        for n in 0..5 {
            let sent = channel
                .send_message(
                    &http,
                    serenity::CreateMessage::new().content(format!("{n}")),
                )
                .await;
            statuses.push(sent.map(|_| 200).unwrap_or_else(|e| error_code(e).0));
        }
        assert_eq!(&statuses[..3], &[200, 200, 200]);
        assert!(statuses[3..].iter().all(|s| *s == 429), "{statuses:?}");
        let limited = sandbox
            .requests()
            .into_iter()
            .find(|r| r.status == 429)
            .unwrap();
        assert_eq!(
            limited.path,
            format!("/channels/{}/messages", channel.get())
        );
        assert_eq!(sandbox.rate_limited_count(), 2);
        let (status, body) = crate::helpers::http_request(
            sandbox
                .api_url()
                .trim_start_matches("http://")
                .parse()
                .unwrap(),
            "POST",
            &format!("/api/v10/channels/{}/messages", channel.get()),
            &[("Authorization", &format!("Bot {}", sandbox.token()))],
            Some(r#"{"content":"again"}"#),
        )
        .await;
        if status == 429 {
            let body: Value = serde_json::from_str(&body).unwrap();
            assert!(body["retry_after"].as_f64().unwrap() > 0.0);
            assert_eq!(body["global"], true);
        }
    }

    #[tokio::test]
    async fn openapi_mismatches_are_refused_and_recorded() {
        let sandbox = Sandbox::start(SandboxOptions {
            openapi: OpenApiCheck::WhenFound,
        })
        .await
        .unwrap();
        if !sandbox.checks_openapi() {
            eprintln!("Discord's OpenAPI description is not available: nothing to check");
            return;
        }
        let guild = sandbox.add_guild("Team", vec![]);
        let addr = sandbox
            .api_url()
            .trim_start_matches("http://")
            .parse()
            .unwrap();
        let auth = format!("Bot {}", sandbox.token());
        let path = format!("/api/v10/channels/{}/messages", guild.channels[0].id);
        let (status, body) = crate::helpers::http_request(
            addr,
            "POST",
            &path,
            &[("Authorization", &auth)],
            Some(r#"{"content": 5}"#),
        )
        .await;
        assert_eq!(status, 400, "{body}");
        assert!(body.contains("50035"), "{body}");
        assert!(
            sandbox.violations().iter().any(|v| v.contains("content")),
            "{:?}",
            sandbox.violations()
        );
        let (status, _) = crate::helpers::http_request(
            addr,
            "POST",
            &path,
            &[("Authorization", &auth)],
            Some(r#"{"content": "fine", "allowed_mentions": {"parse": []}}"#),
        )
        .await;
        assert_eq!(status, 200);
    }

    #[tokio::test]
    async fn requests_without_the_token_are_unauthorised() {
        let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
        let addr = sandbox
            .api_url()
            .trim_start_matches("http://")
            .parse()
            .unwrap();
        let (status, _) = crate::helpers::http_request(
            addr,
            "GET",
            "/api/v10/users/@me",
            &[("Authorization", "Bot wrong")],
            None,
        )
        .await;
        assert_eq!(status, 401);
    }
}
