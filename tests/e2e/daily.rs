//! The daily act end to end: admin commands, the scheduler with a driven clock, exactly-once
//! posting across DST, restarts, downtime, failures and 429s, and Loneliness Awareness Week.

use chrono::Duration;
use fake_discord::{Actor, FakeGuild, Sandbox};
use serde_json::{Value, json};
use smallacts::acts::Size;
use smallacts::ids::{ActId, ChannelId, GuildId, PostId};

use crate::bot::TestBot;
use crate::helpers::{sub, text, utc};

fn channel(name: &str, id: u64) -> Value {
    json!({"name": name, "type": 7, "value": id.to_string()})
}

/// A server with an admin and a member, and the bot's `#daily` channel.
pub(crate) struct Team {
    pub guild: FakeGuild,
    pub admin: Actor,
    pub member: Actor,
    pub daily: u64,
}

pub(crate) async fn team(bot: &TestBot) -> Team {
    let (guild, admin, mut members) =
        crate::helpers::server_with(bot, "Oak Lodge Care", &["Priya", "Tom"]).await;
    let daily = bot.sandbox.add_channel(guild.id, "daily").id;
    Team {
        admin,
        member: members.remove(1),
        guild,
        daily,
    }
}

pub(crate) async fn setup(bot: &TestBot, team: &Team, time: &str, extra: Vec<Value>) -> String {
    let mut options = vec![channel("channel", team.daily), text("time", time)];
    options.extend(extra);
    let reply = bot
        .sandbox
        .slash(&team.admin, "daily", sub("setup", Value::Array(options)))
        .await
        .unwrap();
    assert!(reply.ephemeral());
    reply.text()
}

/// Presses "I did it" on a daily post and sends the form it opens with `words`.
pub async fn did_it(
    sandbox: &Sandbox,
    actor: &Actor,
    post: &Value,
    words: &str,
) -> fake_discord::Reply {
    let id = fake_discord::buttons_of(post)[0].0.clone();
    let form = sandbox.click(actor, post, &id).await.unwrap();
    assert_eq!(form.kind, 9, "a form opens");
    let form_id = form.data["custom_id"].as_str().unwrap().to_owned();
    sandbox
        .submit_modal(actor, &form_id, &[("text", words)])
        .await
        .unwrap()
}

/// The daily posts in a channel (not campaign or other messages).
pub(crate) fn daily_posts(sandbox: &Sandbox, channel_id: u64) -> Vec<Value> {
    sandbox
        .channel_messages(channel_id)
        .into_iter()
        .filter(|m| m["components"][0]["components"][0]["label"] == "I did it")
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_commands_need_manage_server_declared_and_at_run_time() {
    let bot = TestBot::start().await;
    let commands = bot.sandbox.registered_commands();
    for command in commands.as_array().unwrap() {
        let name = command["name"].as_str().unwrap();
        let expected = if [
            "daily", "settings", "acts", "recap", "export", "checkin", "doctor",
        ]
        .contains(&name)
        {
            json!("32")
        } else {
            Value::Null
        };
        assert_eq!(command["default_member_permissions"], expected, "/{name}");
    }
    let team = team(&bot).await;
    // A member without Manage Server (e.g. a stale client, or permissions changed since) is
    // refused at run time too.
    let reply = bot
        .sandbox
        .slash(
            &team.member,
            "daily",
            sub(
                "setup",
                json!([channel("channel", team.daily), text("time", "09:00")]),
            ),
        )
        .await
        .unwrap();
    assert!(reply.ephemeral());
    assert!(
        reply.text().contains("Manage Server")
            || reply.text().contains("MANAGE_GUILD")
            || reply.text().contains("is for server admins"),
        "{}",
        reply.text()
    );
    assert!(
        bot.db
            .store
            .daily_config(GuildId(team.guild.id))
            .await
            .unwrap()
            .unwrap()
            .schedule
            .is_none()
    );
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_times_zones_days_and_cron_say_what_is_wrong_with_an_example() {
    let bot = TestBot::start().await;
    let team = team(&bot).await;
    for (time, extra, needle) in [
        ("9am", vec![], "09:00"),
        ("25:00", vec![], "09:00"),
        (
            "09:00",
            vec![text("timezone", "Europe/Lndon")],
            "Europe/London",
        ),
        ("09:00", vec![text("days", "funday")], "weekdays"),
    ] {
        let answer = setup(&bot, &team, time, extra).await;
        assert!(answer.contains(needle), "{time}: {answer}");
        assert!(!answer.contains("Done"), "{answer}");
    }
    for (cron, needle) in [
        ("* * * * *", "0 9 * * 1-5"),
        ("0 9 * *", "0 9 * * 1-5"),
        ("61 9 * * *", "0 9 * * 1-5"),
    ] {
        let reply = bot
            .sandbox
            .slash(
                &team.admin,
                "daily",
                sub("schedule", json!([text("cron", cron)])),
            )
            .await
            .unwrap();
        assert!(reply.text().contains(needle), "{cron}: {}", reply.text());
    }
    let zones = bot
        .sandbox
        .autocomplete(
            &team.admin,
            "daily",
            json!([{"name": "setup", "type": 1, "options": [{"name": "timezone", "type": 3, "value": "lond", "focused": true}]}]),
        )
        .await
        .unwrap();
    assert!(
        zones.iter().any(|c| c["value"] == "Europe/London"),
        "{zones:?}"
    );
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fortnight_across_the_spring_clock_change_posts_at_exactly_the_right_instants() {
    let bot = TestBot::start_at(utc("2026-03-20T12:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    let answer = setup(
        &bot,
        &team,
        "09:00",
        vec![text("timezone", "Europe/London")],
    )
    .await;
    assert!(answer.contains("Done"), "{answer}");
    let mut expected = 0;
    for day in 21..=31 {
        // 09:00 local is 09:00 UTC before 29 March and 08:00 UTC from then on.
        let hour = if day < 29 { 9 } else { 8 };
        let at = utc(&format!("2026-03-{day:02}T{hour:02}:00:00Z"));
        assert_eq!(
            bot.tick_at(at - Duration::minutes(1)).await.posted,
            0,
            "nothing early on {day}"
        );
        assert_eq!(
            bot.tick_at(at).await.posted,
            1,
            "posted at 09:00 local on {day}"
        );
        assert_eq!(
            bot.tick_at(at + Duration::hours(3)).await.posted,
            0,
            "once only on {day}"
        );
        expected += 1;
        assert_eq!(daily_posts(&bot.sandbox, team.daily).len(), expected);
    }
    // Each post started its day's wins thread.
    let threads = bot.sandbox.threads();
    assert!(
        threads
            .iter()
            .any(|(_, t)| t.name == "Wins \u{2014} Sun 29 March"),
        "{threads:?}"
    );
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_autumn_clock_change_posts_an_ambiguous_time_once() {
    let bot = TestBot::start_at(utc("2026-10-24T12:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    setup(&bot, &team, "01:30", vec![]).await;
    // 25 October: 01:30 happens twice in London; the first (BST, 00:30 UTC) is the one.
    assert_eq!(bot.tick_at(utc("2026-10-25T00:30:00Z")).await.posted, 1);
    assert_eq!(bot.tick_at(utc("2026-10-25T01:30:00Z")).await.posted, 0);
    assert_eq!(
        bot.tick_at(utc("2026-10-26T01:30:00Z")).await.posted,
        1,
        "GMT from then on"
    );
    assert_eq!(daily_posts(&bot.sandbox, team.daily).len(), 2);
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_mid_day_does_not_post_again() {
    let mut bot = TestBot::start_at(utc("2026-05-04T07:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    setup(&bot, &team, "09:00", vec![]).await;
    assert_eq!(bot.tick_at(utc("2026-05-04T08:00:00Z")).await.posted, 1);
    bot.restart().await;
    assert_eq!(bot.tick_at(utc("2026-05-04T08:30:00Z")).await.posted, 0);
    assert_eq!(bot.tick_at(utc("2026-05-04T10:00:00Z")).await.posted, 0);
    assert_eq!(daily_posts(&bot.sandbox, team.daily).len(), 1);
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downtime_past_the_grace_window_posts_nothing_late_and_the_next_day_is_normal() {
    let bot = TestBot::start_at(utc("2026-05-04T07:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    setup(&bot, &team, "09:00", vec![]).await;
    // Down from before 08:00 UTC (09:00 BST) until 11:30 UTC: 3.5 hours late.
    let report = bot.tick_at(utc("2026-05-04T11:30:00Z")).await;
    assert_eq!((report.posted, report.skipped_late), (0, 1));
    assert!(daily_posts(&bot.sandbox, team.daily).is_empty());
    let posts = bot.posts_of(team.guild.id).await;
    assert_eq!(posts[0].status, "skipped");
    assert_eq!(bot.tick_at(utc("2026-05-05T08:00:00Z")).await.posted, 1);
    // Within the grace window, a late post still goes out (once).
    assert_eq!(bot.tick_at(utc("2026-05-06T09:45:00Z")).await.posted, 1);
    assert_eq!(daily_posts(&bot.sandbox, team.daily).len(), 2);
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deleted_channel_is_recorded_and_reported_to_the_owner() {
    let bot = TestBot::start_at(utc("2026-05-04T07:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    setup(&bot, &team, "09:00", vec![]).await;
    bot.sandbox.delete_channel(team.daily);
    let report = bot.tick_at(utc("2026-05-04T08:00:00Z")).await;
    assert_eq!((report.posted, report.failed), (0, 1));
    let posts = bot.posts_of(team.guild.id).await;
    assert_eq!(posts[0].status, "failed");
    assert!(
        posts[0]
            .failure
            .as_deref()
            .unwrap()
            .contains("no longer exists"),
        "{:?}",
        posts[0].failure
    );
    // Not retried: retrying cannot bring a channel back.
    assert_eq!(bot.tick_at(utc("2026-05-04T09:00:00Z")).await.retried, 0);
    let dms = bot.sandbox.dms_to(team.admin.user.id);
    assert_eq!(dms.len(), 1, "the owner hears about it once");
    assert!(
        dms[0]["content"].as_str().unwrap().contains("/daily setup"),
        "{}",
        dms[0]
    );
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_permission_goes_to_the_admin_channel_and_doctor_names_it() {
    let bot = TestBot::start_at(utc("2026-05-04T07:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    setup(&bot, &team, "09:00", vec![]).await;
    let admin_channel = bot.sandbox.add_channel(team.guild.id, "admins").id;
    bot.sandbox
        .slash(
            &team.admin,
            "daily",
            sub("options", json!([channel("admin_channel", admin_channel)])),
        )
        .await
        .unwrap();
    let healthy = bot
        .sandbox
        .slash(&team.admin, "doctor", json!([]))
        .await
        .unwrap();
    assert!(
        healthy.text().contains("everything I need"),
        "{}",
        healthy.text()
    );
    bot.sandbox.set_bot_can_send(team.daily, false);
    let doctor = bot
        .sandbox
        .slash(&team.admin, "doctor", json!([]))
        .await
        .unwrap();
    assert!(doctor.text().contains("Send Messages"), "{}", doctor.text());
    bot.tick_at(utc("2026-05-04T08:00:00Z")).await;
    let alerts = bot.sandbox.channel_messages(admin_channel);
    assert_eq!(alerts.len(), 1);
    assert!(
        alerts[0]["content"]
            .as_str()
            .unwrap()
            .contains("missing a permission"),
        "{}",
        alerts[0]
    );
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_is_waited_out_and_the_post_lands_once() {
    let bot = TestBot::start_at(utc("2026-05-04T07:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    setup(&bot, &team, "09:00", vec![]).await;
    bot.sandbox.set_rate_limit(Some(1));
    let report = bot.tick_at(utc("2026-05-04T08:00:00Z")).await;
    assert_eq!(report.posted, 1);
    assert!(
        bot.sandbox.rate_limited_count() >= 1,
        "the thread request met a 429"
    );
    assert_eq!(daily_posts(&bot.sandbox, team.daily).len(), 1);
    assert_eq!(
        bot.sandbox.threads().len(),
        1,
        "and the thread was still made after waiting"
    );
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_post_has_its_act_buttons_and_thread_and_i_did_it_counts_once() {
    let bot = TestBot::start_at(utc("2026-06-01T07:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    setup(&bot, &team, "09:00", vec![]).await;
    bot.tick_at(utc("2026-06-01T08:00:00Z")).await;
    let post = daily_posts(&bot.sandbox, team.daily).pop().unwrap();
    let embed = &post["embeds"][0];
    assert_eq!(embed["title"], "Today's small act of connection");
    // Monday of a gentle week: the smallest size.
    assert_eq!(embed["fields"][0]["value"], Size::Smallest.label());
    assert!(embed["footer"]["text"].as_str().unwrap().contains("wins"));
    assert!(
        bot.sandbox
            .threads()
            .iter()
            .any(|(parent, t)| *parent == team.daily && t.name == "Wins \u{2014} Mon 1 June")
    );

    // "I did it" asks how it went (optional), then counts it, once per member and post.
    let done = did_it(&bot.sandbox, &team.member, &post, "").await;
    assert!(done.ephemeral());
    assert!(done.text().contains("counted"), "{}", done.text());
    let again = did_it(&bot.sandbox, &team.member, &post, "Went well!").await;
    assert!(
        again.text().contains("Who may see your words?"),
        "{}",
        again.text()
    );
    let day = (
        utc("2026-06-01T00:00:00Z").timestamp_millis(),
        utc("2026-06-02T00:00:00Z").timestamp_millis(),
    );
    assert_eq!(
        bot.db
            .store
            .count_done_between(GuildId(team.guild.id), day.0, day.1)
            .await
            .unwrap(),
        1
    );

    let smaller_id = fake_discord::buttons_of(&post)[1].0.clone();
    let smaller = bot
        .sandbox
        .click(&team.member, &post, &smaller_id)
        .await
        .unwrap();
    assert_eq!(
        smaller.kind, 4,
        "a new private message, the shared post stays as it is"
    );
    assert!(smaller.ephemeral());
    assert!(
        smaller.text().contains("already as small"),
        "{}",
        smaller.text()
    );
    let idea_id = fake_discord::buttons_of(&post)[2].0.clone();
    let idea = bot
        .sandbox
        .click(&team.member, &post, &idea_id)
        .await
        .unwrap();
    assert!(idea.ephemeral() && idea.button("Another idea").is_some());
    assert_eq!(
        daily_posts(&bot.sandbox, team.daily)[0]["embeds"],
        post["embeds"],
        "the post itself is unchanged"
    );
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn preview_shows_exactly_what_the_next_seven_days_post() {
    let bot = TestBot::start_at(utc("2026-09-06T12:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    setup(&bot, &team, "08:15", vec![text("days", "weekdays")]).await;
    let preview = bot
        .sandbox
        .slash(&team.admin, "daily", sub("preview", json!([])))
        .await
        .unwrap();
    assert!(preview.ephemeral());
    let fields = preview.message.as_ref().unwrap()["embeds"][0]["fields"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(fields.len(), 7);
    assert!(
        fields[0]["name"]
            .as_str()
            .unwrap()
            .starts_with("Mon 7 Sep, 08:15"),
        "{}",
        fields[0]
    );
    assert!(
        fields[5]["name"]
            .as_str()
            .unwrap()
            .starts_with("Mon 14 Sep"),
        "weekdays only: {}",
        fields[5]
    );
    let mut posted = Vec::new();
    let mut at = utc("2026-09-06T12:00:00Z");
    while posted.len() < 7 {
        at += Duration::minutes(15);
        if bot.tick_at(at).await.posted == 1 {
            let post = daily_posts(&bot.sandbox, team.daily).pop().unwrap();
            posted.push(
                post["embeds"][0]["description"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
    }
    for (field, text) in fields.iter().zip(&posted) {
        assert!(
            field["value"].as_str().unwrap().starts_with(text.as_str()),
            "preview {} vs posted {text}",
            field["value"]
        );
    }
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_and_resume() {
    let bot = TestBot::start_at(utc("2026-05-04T07:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    setup(&bot, &team, "09:00", vec![]).await;
    let paused = bot
        .sandbox
        .slash(
            &team.admin,
            "daily",
            sub("pause", json!([text("until", "2026-05-06")])),
        )
        .await
        .unwrap();
    assert!(paused.text().contains("Paused"), "{}", paused.text());
    assert_eq!(bot.tick_at(utc("2026-05-04T08:00:00Z")).await.posted, 0);
    assert_eq!(bot.tick_at(utc("2026-05-05T08:00:00Z")).await.posted, 0);
    assert_eq!(
        bot.tick_at(utc("2026-05-06T08:00:00Z")).await.posted,
        1,
        "the pause ends on its date"
    );
    bot.sandbox
        .slash(&team.admin, "daily", sub("pause", json!([])))
        .await
        .unwrap();
    assert_eq!(bot.tick_at(utc("2026-05-07T08:00:00Z")).await.posted, 0);
    bot.sandbox
        .slash(&team.admin, "daily", sub("resume", json!([])))
        .await
        .unwrap();
    assert_eq!(bot.tick_at(utc("2026-05-08T08:00:00Z")).await.posted, 1);
    let bad = bot
        .sandbox
        .slash(
            &team.admin,
            "daily",
            sub("pause", json!([text("until", "next week")])),
        )
        .await
        .unwrap();
    assert!(bad.text().contains("YYYY-MM-DD"), "{}", bad.text());
    let settings = bot
        .sandbox
        .slash(&team.admin, "settings", json!([]))
        .await
        .unwrap();
    assert!(
        settings.text().contains("09:00") && settings.text().contains("Europe/London"),
        "{}",
        settings.text()
    );
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loneliness_awareness_week_kicks_off_climbs_and_closes_with_the_count() {
    let bot = TestBot::start_at(utc("2026-06-07T12:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    setup(&bot, &team, "09:00", vec![]).await;
    let mut sizes = Vec::new();
    for day in 8..=14 {
        bot.tick_at(utc(&format!("2026-06-{day:02}T08:00:00Z")))
            .await;
        let post = daily_posts(&bot.sandbox, team.daily).pop().unwrap();
        let embed = &post["embeds"][0];
        assert_eq!(
            embed["title"],
            format!("Loneliness Awareness Week, day {} of 7", day - 7)
        );
        assert!(
            embed["description"]
                .as_str()
                .unwrap()
                .ends_with("#RandomActsofConnection")
        );
        sizes.push(embed["fields"][0]["value"].as_str().unwrap().to_owned());
        if day == 10 || day == 12 {
            did_it(&bot.sandbox, &team.member, &post, "").await;
        }
    }
    assert_eq!(sizes.first().unwrap(), "Smallest");
    assert_eq!(sizes.last().unwrap(), "Small");
    let messages = bot.sandbox.channel_messages(team.daily);
    let titles: Vec<&str> = messages
        .iter()
        .filter_map(|m| m["embeds"][0]["title"].as_str())
        .collect();
    assert_eq!(
        titles.first(),
        Some(&"Loneliness Awareness Week starts today")
    );
    let closing = messages
        .iter()
        .find(|m| m["embeds"][0]["title"] == "That's Loneliness Awareness Week")
        .expect("closing post");
    assert!(
        closing["embeds"][0]["description"]
            .as_str()
            .unwrap()
            .contains("2 acts of connection"),
        "{closing}"
    );
    // The next Monday is an ordinary day again.
    bot.tick_at(utc("2026-06-15T08:00:00Z")).await;
    let monday = daily_posts(&bot.sandbox, team.daily).pop().unwrap();
    assert_eq!(
        monday["embeds"][0]["title"],
        "Today's small act of connection"
    );
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_can_opt_out_of_the_campaign_week() {
    let bot = TestBot::start_at(utc("2026-06-07T12:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    setup(&bot, &team, "09:00", vec![]).await;
    bot.sandbox
        .slash(
            &team.admin,
            "daily",
            sub(
                "options",
                json!([{"name": "awareness_week", "type": 5, "value": false}]),
            ),
        )
        .await
        .unwrap();
    bot.tick_at(utc("2026-06-08T08:00:00Z")).await;
    let messages = bot.sandbox.channel_messages(team.daily);
    assert_eq!(messages.len(), 1);
    assert_eq!(
        messages[0]["embeds"][0]["title"],
        "Today's small act of connection"
    );
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn own_acts_suggestions_and_the_review_queue() {
    let bot = TestBot::start().await;
    let team = team(&bot).await;
    let sandbox = &bot.sandbox;
    for n in 0..3 {
        let reply = sandbox
            .slash(
                &team.member,
                "suggest",
                json!([text(
                    "text",
                    &format!("Bring a plant for the staff room, number {n}.")
                )]),
            )
            .await
            .unwrap();
        assert!(
            reply.text().contains("waiting for an admin"),
            "{}",
            reply.text()
        );
    }
    let fourth = sandbox
        .slash(
            &team.member,
            "suggest",
            json!([text("text", "One more suggestion from me.")]),
        )
        .await
        .unwrap();
    assert!(
        fourth.text().contains("3 suggestions waiting"),
        "{}",
        fourth.text()
    );
    let short = sandbox
        .slash(&team.member, "suggest", json!([text("text", "hi")]))
        .await
        .unwrap();
    assert!(short.text().contains("at least"), "{}", short.text());

    let review = sandbox
        .slash(&team.admin, "acts", sub("review", json!([])))
        .await
        .unwrap();
    assert!(
        review.text().contains("Suggestion 1 of 3"),
        "{}",
        review.text()
    );
    let message = review.message.clone().unwrap();
    // A member who is not an admin cannot use the buttons even if they get hold of them.
    let approve = review.button("Approve").unwrap();
    let refused = sandbox
        .click(&team.member, &message, &approve)
        .await
        .unwrap();
    assert!(
        refused.text().contains("Manage Server"),
        "{}",
        refused.text()
    );
    let approved = sandbox
        .click(&team.admin, &message, &approve)
        .await
        .unwrap();
    assert!(
        approved.text().contains("Approved") && approved.text().contains("Suggestion 1 of 2"),
        "{}",
        approved.text()
    );
    let decline = approved.button("Decline").unwrap();
    let declined = sandbox
        .click(&team.admin, &message, &decline)
        .await
        .unwrap();
    assert!(declined.text().contains("Declined"), "{}", declined.text());
    let dms = sandbox.wait_for_dms(team.member.user.id, 2).await.unwrap();
    assert_eq!(dms.len(), 2, "the suggester hears each outcome privately");
    // Each DM is sent after its click is answered, so they may arrive in either order.
    let texts: Vec<&str> = dms.iter().map(|m| m["content"].as_str().unwrap()).collect();
    assert!(texts.iter().any(|t| t.contains("approved")), "{texts:?}");
    assert!(
        texts.iter().any(|t| t.contains("wasn't added")),
        "{texts:?}"
    );
    let acts = bot
        .db
        .store
        .active_acts(Some(GuildId(team.guild.id)))
        .await
        .unwrap();
    assert!(
        acts.iter()
            .any(|a| a.act.text == "Bring a plant for the staff room, number 0.")
    );
    assert!(
        !acts
            .iter()
            .any(|a| a.act.text == "Bring a plant for the staff room, number 1.")
    );

    let added = sandbox
        .slash(
            &team.admin,
            "acts",
            sub(
                "add",
                json!([
                    text("text", "Ask a resident about the **best** day of their life."),
                    {"name": "size", "type": 4, "value": 2},
                    {"name": "way", "type": 4, "value": 0},
                ]),
            ),
        )
        .await
        .unwrap();
    assert!(added.text().contains("Added"), "{}", added.text());
    let acts = bot
        .db
        .store
        .active_acts(Some(GuildId(team.guild.id)))
        .await
        .unwrap();
    let own = acts
        .iter()
        .find(|a| a.act.text == "Ask a resident about the **best** day of their life.")
        .unwrap();
    assert_eq!(own.act.size, Size::Small);
    bot.finish().await;
}

/// Claims the day's post at `due` as another process would, with a minute's lease, as if
/// that process were then killed before sending.
async fn claimed_by_a_process_that_dies(
    bot: &TestBot,
    team: &Team,
    due: chrono::DateTime<chrono::Utc>,
    act_id: Option<ActId>,
    thread_name: Option<&str>,
) -> PostId {
    use smallacts::store::{Claim, Lease, NewPost};
    let claim = bot
        .db
        .store
        .claim_post(
            &NewPost {
                guild_id: GuildId(team.guild.id),
                job: "daily",
                slot: &due.format("%Y-%m-%d").to_string(),
                act_id,
                channel_id: Some(ChannelId(team.daily)),
                scheduled_for: due.timestamp_millis(),
                thread_name,
            },
            &Lease {
                owner: "killed-process".into(),
                until_ms: (due + Duration::seconds(60)).timestamp_millis(),
            },
            due.timestamp_millis(),
        )
        .await
        .unwrap();
    match claim {
        Claim::Won(post_id) => post_id,
        Claim::AlreadyClaimed => panic!("the slot was free"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_post_claimed_by_a_process_that_died_is_sent_once_by_another_with_its_nonce() {
    let bot = TestBot::start_at(utc("2026-05-04T07:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    setup(&bot, &team, "09:00", vec![]).await;
    let store = &bot.db.store;
    let guild = GuildId(team.guild.id);
    // Another process claimed today's 09:00 (08:00 UTC) post and was killed before sending.
    let due = utc("2026-05-04T08:00:00Z");
    let act = store.active_acts(Some(guild)).await.unwrap()[0].id;
    let post_id = claimed_by_a_process_that_dies(
        &bot,
        &team,
        due,
        Some(act),
        Some("Wins \u{2014} Mon 4 May"),
    )
    .await;
    // While its lease runs, the claim is respected: nothing is sent, and the operator sees it.
    let report = bot.tick_at(due + Duration::seconds(30)).await;
    assert_eq!((report.posted, report.taken_over), (0, 0), "{report:?}");
    let in_flight = "smallacts_claims_in_flight";
    assert_eq!(
        crate::helpers::counter_reaching(&bot, in_flight, 1).await,
        1
    );
    assert!(daily_posts(&bot.sandbox, team.daily).is_empty());
    // Once it has run out, this process takes it over and sends it, with the post's nonce.
    let report = bot.tick_at(due + Duration::seconds(61)).await;
    assert_eq!((report.posted, report.taken_over), (1, 1), "{report:?}");
    let posts = daily_posts(&bot.sandbox, team.daily);
    assert_eq!(posts.len(), 1);
    let sent: Vec<Value> = bot
        .sandbox
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path == format!("/channels/{}/messages", team.daily))
        .filter_map(|r| r.body)
        .collect();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["nonce"], format!("sa-{post_id}"));
    assert_eq!(sent[0]["enforce_nonce"], true);
    let record = store.post_by_id(post_id).await.unwrap().unwrap();
    assert_eq!(record.status, "sent");
    assert!(
        record.thread_id.is_some(),
        "the day's wins thread was opened"
    );
    assert_eq!(record.lease_owner, None);
    assert_eq!(
        crate::helpers::counter_reaching(&bot, in_flight, 0).await,
        0
    );
    // And never again.
    assert_eq!(bot.tick_at(due + Duration::minutes(10)).await.posted, 0);
    assert_eq!(daily_posts(&bot.sandbox, team.daily).len(), 1);
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taken_over_claim_past_the_grace_window_is_skipped_not_posted_late() {
    let bot = TestBot::start_at(utc("2026-05-04T07:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    setup(&bot, &team, "09:00", vec![]).await;
    let due = utc("2026-05-04T08:00:00Z");
    let post_id = claimed_by_a_process_that_dies(&bot, &team, due, None, None).await;
    // Everything was down for three hours: past the two-hour grace window.
    let report = bot.tick_at(due + Duration::hours(3)).await;
    assert_eq!(
        (report.posted, report.taken_over, report.skipped_late),
        (0, 1, 1)
    );
    let record = bot.db.store.post_by_id(post_id).await.unwrap().unwrap();
    assert_eq!(record.status, "skipped");
    assert!(daily_posts(&bot.sandbox, team.daily).is_empty());
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_days_messages_all_go_out_before_any_of_their_threads() {
    // Two servers a pass: five servers due at once take three passes.
    let bot = TestBot::start_at(utc("2026-05-04T07:00:00Z"), |s| s.schedule.batch = 2).await;
    let mut channels = Vec::new();
    for n in 0..5 {
        let (guild, admin, _) =
            crate::helpers::server_with(&bot, &format!("Team {n}"), &["Sam"]).await;
        let daily = bot.sandbox.add_channel(guild.id, "daily").id;
        crate::helpers::daily_setup(&bot, &admin, daily, "09:00").await;
        channels.push(daily);
    }
    let at = utc("2026-05-04T08:00:00Z");
    let mut reports = Vec::new();
    for _ in 0..5 {
        reports.push(bot.tick_at(at).await);
    }
    let passes: Vec<(usize, usize)> = reports.iter().map(|r| (r.posted, r.threads)).collect();
    // While posts are still due, no pass opens a thread; then the threads, a batch a pass
    // (the scheduler comes straight back while threads are wanted).
    assert_eq!(passes, vec![(2, 0), (2, 0), (1, 2), (0, 2), (0, 1)]);
    let requests = bot.sandbox.requests();
    let last_message = requests
        .iter()
        .rposition(|r| {
            r.method == "POST"
                && channels
                    .iter()
                    .any(|c| r.path == format!("/channels/{c}/messages"))
        })
        .unwrap();
    let first_thread = requests
        .iter()
        .position(|r| r.method == "POST" && r.path.ends_with("/threads"))
        .unwrap();
    assert!(
        last_message < first_thread,
        "every message before any thread"
    );
    for channel in &channels {
        assert_eq!(daily_posts(&bot.sandbox, *channel).len(), 1);
    }
    assert_eq!(bot.sandbox.threads().len(), 5);
    bot.finish().await;
}

/// Every kind of post a job claims has exactly one job that owns it, so recovery can rebuild
/// and finish any post left unsettled by a crash; and the jobs run in the order that puts the
/// day's acts first and retention last.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kind_of_post_has_one_job_to_finish_it_and_the_days_acts_run_first() {
    use smallacts::daily::{CLOSING_JOB, DAILY_JOB, KICKOFF_JOB};
    use smallacts::ids::CheckinId;
    use smallacts::jobs::{
        BUDDY_ROUND_JOB, EVENT_REMINDER_JOB, EVENT_THANKS_JOB, PULSE_RESULTS_JOB, RECAP_JOB,
        checkin_job,
    };

    let bot = TestBot::start().await;
    let dispatcher = bot.dispatcher();
    for post_job in [
        DAILY_JOB,
        KICKOFF_JOB,
        CLOSING_JOB,
        RECAP_JOB,
        &checkin_job(CheckinId(7)),
        PULSE_RESULTS_JOB,
        BUDDY_ROUND_JOB,
        EVENT_REMINDER_JOB,
        EVENT_THANKS_JOB,
    ] {
        let owners = dispatcher.owners_of(post_job);
        assert_eq!(owners.len(), 1, "{post_job}: {owners:?}");
    }
    assert!(dispatcher.owners_of("no-such-job").is_empty());
    let names = dispatcher.job_names();
    assert_eq!(names.first(), Some(&"daily act"), "{names:?}");
    assert_eq!(names.last(), Some(&"retention"), "{names:?}");
    let position = |name: &str| names.iter().position(|n| *n == name).unwrap();
    assert!(
        position("recovery") < position("deferred threads"),
        "{names:?}"
    );
    bot.finish().await;
}
