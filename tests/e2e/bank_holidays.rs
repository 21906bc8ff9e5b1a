//! UK bank holidays end to end, with a driven clock: a server keeps its nation's days only,
//! skips them or greets them with a smallest act as it chose, `/daily preview` and
//! `/checkin list` show what will happen, and a check-in set to skip is skipped.

use serde_json::{Value, json};
use smallacts::ids::GuildId;

use crate::bot::TestBot;
use crate::daily::{Team, daily_posts, setup, team};
use crate::helpers::{sub, text, utc};

/// The option Discord sends for a choice of a subcommand's option, by its displayed name.
fn choice(bot: &TestBot, command: &str, subcommand: &str, option: &str, name: &str) -> Value {
    let commands = bot.sandbox.registered_commands();
    let found = commands
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == command)
        .and_then(|c| c["options"].as_array())
        .and_then(|subs| subs.iter().find(|s| s["name"] == subcommand))
        .and_then(|s| s["options"].as_array())
        .and_then(|options| options.iter().find(|o| o["name"] == option))
        .unwrap_or_else(|| panic!("/{command} {subcommand} has no option {option}"))
        .clone();
    let value = found["choices"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no choice {name:?} in {found}"))["value"]
        .clone();
    json!({"name": option, "type": found["type"], "value": value})
}

/// `/daily options` with a nation and what the daily act does on its bank holidays.
async fn keep_bank_holidays(bot: &TestBot, team: &Team, nation: &str, policy: &str) -> String {
    let options = json!([
        choice(bot, "daily", "options", "bank_holiday_nation", nation),
        choice(bot, "daily", "options", "bank_holidays", policy),
    ]);
    let reply = bot
        .sandbox
        .slash(&team.admin, "daily", sub("options", options))
        .await
        .unwrap();
    assert!(reply.ephemeral());
    reply.text()
}

/// `/daily preview`'s fields as (name, value).
async fn preview(bot: &TestBot, team: &Team) -> Vec<(String, String)> {
    let reply = bot
        .sandbox
        .slash(&team.admin, "daily", sub("preview", json!([])))
        .await
        .unwrap();
    assert!(reply.ephemeral());
    reply.message.as_ref().unwrap()["embeds"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_owned(),
                f["value"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scottish_server_that_skips_misses_only_scotlands_bank_holidays() {
    let bot = TestBot::start_at(utc("2026-06-14T12:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    setup(&bot, &team, "09:00", vec![]).await;
    let saved = keep_bank_holidays(&bot, &team, "Scotland", "Skip the day").await;
    assert!(
        saved.contains("Bank holidays in Scotland: skipped"),
        "{saved}"
    );

    // The preview says Monday 15 June (Scotland's one-off for the World Cup) is skipped.
    let days = preview(&bot, &team).await;
    let (name, value) = &days[0];
    assert!(name.starts_with("Mon 15 Jun, 09:00"), "{name}");
    assert_eq!(
        value,
        "Mon 15 Jun: bank holiday in Scotland (World Cup bank holiday), skipped"
    );
    assert!(!days[1].1.contains("bank holiday"), "{}", days[1].1);

    // 09:00 BST on 15 June: nothing is posted, and the day is recorded as skipped.
    let report = bot.tick_at(utc("2026-06-15T08:00:00Z")).await;
    assert_eq!((report.posted, report.skipped_holiday), (0, 1));
    assert!(daily_posts(&bot.sandbox, team.daily).is_empty());
    // The next day is a usual one.
    assert_eq!(bot.tick_at(utc("2026-06-16T08:00:00Z")).await.posted, 1);

    // The first Monday of August is Scotland's summer bank holiday.
    let report = bot.tick_at(utc("2026-08-03T08:00:00Z")).await;
    assert_eq!((report.posted, report.skipped_holiday), (0, 1));
    assert_eq!(daily_posts(&bot.sandbox, team.daily).len(), 1);

    // The last Monday of August is a holiday in England and Wales only: posted as usual.
    let report = bot.tick_at(utc("2026-08-31T08:00:00Z")).await;
    assert_eq!((report.posted, report.skipped_holiday), (1, 0));
    assert_eq!(daily_posts(&bot.sandbox, team.daily).len(), 2);

    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_in_england_that_greets_gets_a_smallest_act_with_a_greeting() {
    let bot = TestBot::start_at(utc("2026-08-29T12:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    setup(&bot, &team, "09:00", vec![]).await;
    // Always small, so the smallest act on the holiday is the holiday's doing.
    let options = json!([choice(
        &bot,
        "daily",
        "options",
        "size_plan",
        "Always small"
    )]);
    bot.sandbox
        .slash(&team.admin, "daily", sub("options", options))
        .await
        .unwrap();
    keep_bank_holidays(
        &bot,
        &team,
        "England and Wales",
        "Post a smallest act with a holiday greeting",
    )
    .await;

    let days = preview(&bot, &team).await;
    let monday = days
        .iter()
        .find(|(name, _)| name.starts_with("Mon 31 Aug"))
        .unwrap();
    assert!(
        monday.1.starts_with(
            "Mon 31 Aug: bank holiday in England and Wales (Summer bank holiday), a smallest act with a holiday greeting\n"
        ),
        "{}",
        monday.1
    );
    assert!(monday.1.contains(" · Smallest · "), "{}", monday.1);

    bot.tick_at(utc("2026-08-30T08:00:00Z")).await;
    assert_eq!(bot.tick_at(utc("2026-08-31T08:00:00Z")).await.posted, 1);
    let post = daily_posts(&bot.sandbox, team.daily).pop().unwrap();
    let embed = &post["embeds"][0];
    assert_eq!(embed["title"], "Happy bank holiday!");
    assert!(
        embed["description"]
            .as_str()
            .unwrap()
            .contains("Summer bank holiday today: enjoy the day off"),
        "{embed}"
    );
    assert_eq!(embed["fields"][0]["value"], "Smallest", "{embed}");
    // What the preview promised is what was posted.
    assert!(
        monday.1.contains(
            embed["description"]
                .as_str()
                .unwrap()
                .split("\n\n")
                .next()
                .unwrap()
        ),
        "{} vs {embed}",
        monday.1
    );

    // The next day is a usual one: the plan's size and the usual title.
    assert_eq!(bot.tick_at(utc("2026-09-01T08:00:00Z")).await.posted, 1);
    let post = daily_posts(&bot.sandbox, team.daily).pop().unwrap();
    assert_eq!(
        post["embeds"][0]["title"],
        "Today's small act of connection"
    );
    assert_eq!(post["embeds"][0]["fields"][0]["value"], "Small");
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_check_in_set_to_skip_is_skipped_on_a_bank_holiday_and_the_list_says_so() {
    let bot = TestBot::start_at(utc("2026-08-28T12:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    setup(&bot, &team, "09:00", vec![]).await;
    keep_bank_holidays(&bot, &team, "England and Wales", "Post as usual").await;
    let add = |skip: bool| {
        let mut options = vec![
            json!({"name": "channel", "type": 7, "value": team.daily.to_string()}),
            text("when", "daily 10:00"),
        ];
        if skip {
            options.push(choice(
                &bot,
                "checkin",
                "add",
                "on_bank_holidays",
                "Skip the day",
            ));
        }
        bot.sandbox
            .slash(&team.admin, "checkin", sub("add", Value::Array(options)))
    };
    let skipping = add(true).await.unwrap().text();
    assert!(skipping.contains("skips bank holidays"), "{skipping}");
    add(false).await.unwrap();

    let list = bot
        .sandbox
        .slash(&team.admin, "checkin", sub("list", json!([])))
        .await
        .unwrap();
    assert!(list.ephemeral());
    let lines = list.message.as_ref().unwrap()["embeds"][0]["description"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        lines.contains(
            "Mon 31 Aug: bank holiday in England and Wales (Summer bank holiday), skipped"
        ),
        "{lines}"
    );
    assert_eq!(
        lines.matches("skipped").count(),
        1,
        "only the one set to skip: {lines}"
    );

    // The daily act posts as usual (the server chose that), one check-in posts, one skips.
    let checkin_posts = || {
        bot.sandbox
            .channel_messages(team.daily)
            .into_iter()
            .filter(|m| {
                m["embeds"][0]["title"]
                    .as_str()
                    .is_some_and(|t| t.starts_with("🫖"))
            })
            .count()
    };
    let report = bot.tick_at(utc("2026-08-31T08:00:00Z")).await;
    assert_eq!(report.posted, 1);
    let report = bot.tick_at(utc("2026-08-31T09:00:00Z")).await;
    assert_eq!((report.checkins, report.skipped_holiday), (1, 1));
    assert_eq!(checkin_posts(), 1);
    // On a usual day both post.
    let report = bot.tick_at(utc("2026-09-01T09:00:00Z")).await;
    assert_eq!(report.checkins, 2);
    assert_eq!(checkin_posts(), 3);
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_a_server_on_uk_time_can_choose_a_nation_and_others_are_unaffected() {
    let bot = TestBot::start_at(utc("2026-08-30T12:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    setup(
        &bot,
        &team,
        "09:00",
        vec![text("timezone", "America/Toronto")],
    )
    .await;
    let refused = keep_bank_holidays(&bot, &team, "England and Wales", "Skip the day").await;
    assert!(refused.contains("Europe/London"), "{refused}");
    let config = bot
        .db
        .store
        .daily_config(GuildId(team.guild.id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(config.bank_holiday_region, None, "nothing saved");
    // 09:00 in Toronto on 31 August: posted, though it is a bank holiday in England.
    assert_eq!(bot.tick_at(utc("2026-08-31T13:00:00Z")).await.posted, 1);
    bot.finish().await;
}
