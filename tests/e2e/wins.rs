//! Shared wins and privacy end to end: every way a win is collected, the member's control
//! over who sees it, consent, export and erasure, retention, and hostile text.

use chrono::Duration;
use fake_discord::Actor;
use serde_json::{Value, json};
use smallacts::ids::{GuildId, MemberId};
use smallacts::store::WinRecord;

use crate::bot::TestBot;
use crate::daily::did_it;
use crate::helpers::{sub, text, utc};

const START: &str = "2026-05-04T07:00:00Z";

/// A team whose daily post went out at 09:00 on 4 May, with its thread.
struct Scene {
    bot: TestBot,
    guild_id: GuildId,
    admin: Actor,
    member: Actor,
    other: Actor,
    post: Value,
    thread: u64,
}

async fn scene(configure: impl FnOnce(&mut smallacts::settings::Settings)) -> Scene {
    let bot = TestBot::start_at(utc(START), configure).await;
    let (guild, admin, members) =
        crate::helpers::server_with(&bot, "Oak Lodge Care", &["Priya", "Tom", "Zara"]).await;
    let sandbox = &bot.sandbox;
    let daily = sandbox.add_channel(guild.id, "daily").id;
    let options =
        json!([{"name": "channel", "type": 7, "value": daily.to_string()}, text("time", "09:00")]);
    sandbox
        .slash(&admin, "daily", sub("setup", options))
        .await
        .unwrap();
    assert_eq!(bot.tick_at(utc("2026-05-04T08:00:00Z")).await.posted, 1);
    let post = sandbox.channel_messages(daily).pop().unwrap();
    let thread = sandbox.threads()[0].1.id;
    Scene {
        guild_id: GuildId(guild.id),
        admin,
        member: members[1].clone(),
        other: members[2].clone(),
        post,
        thread,
        bot,
    }
}

impl Scene {
    fn in_thread(&self, actor: &Actor) -> Actor {
        Actor {
            channel_id: self.thread,
            ..actor.clone()
        }
    }

    /// Waits until the bot has looked at `count` messages of members (the /metrics counter),
    /// so a test can assert on what it did, or did not, store. The counter also counts the
    /// bot's own messages, which Discord sends it back (MESSAGE_CREATE): those are added to
    /// the count to wait for, as many as the fake has sent so far.
    async fn messages_seen(&self, count: u64) {
        for _ in 0..200 {
            let bot_id = self.bot.sandbox.bot_user().id.to_string();
            let own = self
                .bot
                .sandbox
                .frames()
                .iter()
                .filter(|f| {
                    !f.from_bot
                        && f.event.as_deref() == Some("MESSAGE_CREATE")
                        && f.payload["d"]["author"]["id"] == bot_id.as_str()
                })
                .count() as u64;
            let count = count + own;
            let (_, metrics) = crate::helpers::http_request(
                self.bot.ops_addr.unwrap(),
                "GET",
                "/metrics",
                &[],
                None,
            )
            .await;
            let seen = metrics
                .lines()
                .find_map(|l| l.strip_prefix("smallacts_messages_seen_total "))
                .and_then(|n| n.parse::<u64>().ok())
                .unwrap_or(0);
            if seen >= count {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(25)).await;
        }
        let recent: Vec<String> = self
            .bot
            .sandbox
            .requests()
            .iter()
            .rev()
            .take(5)
            .map(|r| format!("{} {} {}", r.method, r.path, r.status))
            .collect();
        panic!(
            "the bot did not handle {count} messages; last requests {recent:?}; violations {:?}",
            self.bot.sandbox.violations()
        );
    }

    async fn wins_of(&self, actor: &Actor) -> Vec<WinRecord> {
        self.bot
            .db
            .store
            .member_wins(self.guild_id, MemberId(actor.user.id), 50)
            .await
            .unwrap()
    }
}

fn message_id(message: &Value) -> u64 {
    message["id"].as_str().unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_in_the_thread_and_to_the_post_become_wins_that_follow_edits_and_deletions() {
    let scene = scene(|s| s.discord.message_content_intent = true).await;
    let sandbox = &scene.bot.sandbox;
    let in_thread = scene.in_thread(&scene.member);
    let reply = sandbox
        .post_message(&in_thread, "Said hello to the new night nurse", None)
        .unwrap();
    // A reply to the post itself, in the channel.
    let quoted = sandbox
        .post_message(&scene.other, "Did it!", Some(message_id(&scene.post)))
        .unwrap();
    // An ordinary message in the channel is not a win.
    sandbox
        .post_message(&scene.other, "Anyone seen my lanyard?", None)
        .unwrap();
    scene.messages_seen(3).await;

    let wins = scene.wins_of(&scene.member).await;
    assert_eq!(wins.len(), 1);
    assert_eq!(
        wins[0].text.as_deref(),
        Some("Said hello to the new night nurse")
    );
    assert_eq!(
        (wins[0].source.as_str(), wins[0].visibility.as_str()),
        ("reply", "anonymous")
    );
    assert_eq!(
        scene.wins_of(&scene.other).await.len(),
        1,
        "the reply to the post counted; the other message did not"
    );
    // Acknowledged with the configured reaction.
    let reacted: Vec<_> = sandbox
        .requests()
        .into_iter()
        .filter(|r| r.method == "PUT" && r.path.contains("/reactions/"))
        .collect();
    assert_eq!(reacted.len(), 2, "{reacted:?}");

    sandbox
        .edit_message(
            &in_thread,
            message_id(&reply),
            "Said hello to the new night nurse and showed her the kettle",
        )
        .unwrap();
    scene.messages_seen(4).await;
    assert_eq!(
        scene.wins_of(&scene.member).await[0].text.as_deref(),
        Some("Said hello to the new night nurse and showed her the kettle")
    );
    sandbox
        .delete_message(&scene.other, message_id(&quoted))
        .unwrap();
    for _ in 0..100 {
        if scene.wins_of(&scene.other).await.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        scene.wins_of(&scene.other).await.is_empty(),
        "deleting the message removes the win"
    );
    scene.bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_message_content_a_reply_counts_without_words_and_says_how_to_add_them() {
    let scene = scene(|_| {}).await;
    let sandbox = &scene.bot.sandbox;
    sandbox
        .post_message(
            &scene.in_thread(&scene.member),
            "I brought in biscuits for the night shift",
            None,
        )
        .unwrap();
    let messages = sandbox
        .wait_for_channel_messages(scene.thread, 2)
        .await
        .unwrap();
    let wins = scene.wins_of(&scene.member).await;
    assert_eq!(wins.len(), 1);
    assert_eq!(
        wins[0].text, None,
        "Discord blanked the words, so none are kept"
    );
    let ack = messages.last().unwrap();
    assert!(
        ack["content"].as_str().unwrap().contains("I did it"),
        "{ack}"
    );
    assert_eq!(ack["allowed_mentions"]["replied_user"], false);
    assert_eq!(ack["message_reference"]["message_id"], messages[0]["id"]);
    scene.bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_who_turns_collection_off_has_nothing_stored() {
    let scene = scene(|s| s.discord.message_content_intent = true).await;
    let sandbox = &scene.bot.sandbox;
    let off = sandbox
        .slash(
            &scene.member,
            "privacy",
            sub(
                "collect",
                json!([{"name": "setting", "type": 4, "value": 1}]),
            ),
        )
        .await
        .unwrap();
    assert!(off.text().contains("Collection is off"), "{}", off.text());
    sandbox
        .post_message(
            &scene.in_thread(&scene.member),
            "Chatted with a resident",
            None,
        )
        .unwrap();
    scene.messages_seen(1).await;
    assert!(scene.wins_of(&scene.member).await.is_empty());
    let form = did_it(sandbox, &scene.member, &scene.post, "words").await;
    assert!(
        form.text().contains("turned collection off"),
        "{}",
        form.text()
    );
    let command = sandbox
        .slash(
            &scene.member,
            "win",
            json!([text("text", "Phoned my gran")]),
        )
        .await
        .unwrap();
    assert!(
        command.text().contains("turned collection off"),
        "{}",
        command.text()
    );
    assert!(
        scene.wins_of(&scene.member).await.is_empty(),
        "nothing at all while off"
    );
    let rows = scene
        .bot
        .db
        .store
        .rows_naming_member(MemberId(scene.member.user.id))
        .await
        .unwrap();
    assert_eq!(
        rows.iter()
            .filter(|(t, _)| t.starts_with("wins"))
            .map(|(_, n)| n)
            .sum::<i64>(),
        0
    );

    sandbox
        .slash(
            &scene.member,
            "privacy",
            sub(
                "collect",
                json!([{"name": "setting", "type": 4, "value": 0}]),
            ),
        )
        .await
        .unwrap();
    sandbox
        .post_message(
            &scene.in_thread(&scene.member),
            "Chatted with a resident again",
            None,
        )
        .unwrap();
    scene.messages_seen(2).await;
    assert_eq!(scene.wins_of(&scene.member).await.len(), 1);
    scene.bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn visibility_is_respected_wherever_a_win_is_shown() {
    let scene = scene(|_| {}).await;
    let sandbox = &scene.bot.sandbox;
    // "I did it" with words, then the member chooses: Tom shares with his name.
    let thanks = did_it(
        sandbox,
        &scene.member,
        &scene.post,
        "Asked the cook about her holiday",
    )
    .await;
    let named = thanks.button("Share with my name").unwrap();
    sandbox
        .click(&scene.member, thanks.message.as_ref().unwrap(), &named)
        .await
        .unwrap();
    // Zara shares anonymously with /win; the admin only counts theirs.
    let visibility = |v: i64| json!({"name": "visibility", "type": 4, "value": v});
    sandbox
        .slash(
            &scene.other,
            "win",
            json!([text("text", "Sat with Mr Hughes at lunch"), visibility(1)]),
        )
        .await
        .unwrap();
    sandbox
        .slash(
            &scene.admin,
            "win",
            json!([text("text", "A private one"), visibility(2)]),
        )
        .await
        .unwrap();

    let recent = sandbox
        .slash(&scene.other, "wins", sub("recent", json!([])))
        .await
        .unwrap();
    let shown = recent.text();
    assert!(recent.ephemeral());
    assert!(
        shown.contains(&format!(
            "<@{}>: Asked the cook about her holiday",
            scene.member.user.id
        )),
        "{shown}"
    );
    assert!(
        shown.contains("Someone: Sat with Mr Hughes at lunch"),
        "{shown}"
    );
    assert!(
        !shown.contains(&scene.other.user.id.to_string()),
        "an anonymous win names no one: {shown}"
    );
    assert!(
        !shown.contains("A private one"),
        "a counted win is never shown: {shown}"
    );

    // /wins mine: each of my wins, with a delete button that works.
    let mine = sandbox
        .slash(&scene.other, "wins", sub("mine", json!([])))
        .await
        .unwrap();
    assert!(mine.ephemeral());
    assert!(
        mine.text().contains("Sat with Mr Hughes"),
        "{}",
        mine.text()
    );
    let delete = mine.button("Delete 1").unwrap();
    let after = sandbox
        .click(&scene.other, mine.message.as_ref().unwrap(), &delete)
        .await
        .unwrap();
    assert!(
        after.text().contains("Deleted") && after.text().contains("Nothing yet"),
        "{}",
        after.text()
    );
    assert!(scene.wins_of(&scene.other).await.is_empty());
    scene.bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_has_everything_and_forget_leaves_nothing() {
    let scene = scene(|s| s.discord.message_content_intent = true).await;
    let sandbox = &scene.bot.sandbox;
    let member = &scene.member;
    sandbox
        .post_message(
            &scene.in_thread(member),
            "Learned Ade's favourite song",
            None,
        )
        .unwrap();
    scene.messages_seen(1).await;
    did_it(
        sandbox,
        member,
        &scene.post,
        "Took the long way round with a resident",
    )
    .await;
    sandbox
        .slash(
            member,
            "win",
            json!([text("text", "Waved at the neighbours")]),
        )
        .await
        .unwrap();
    sandbox
        .slash(
            member,
            "suggest",
            json!([text("text", "Learn one resident's favourite song.")]),
        )
        .await
        .unwrap();
    sandbox
        .slash(
            member,
            "privacy",
            sub(
                "sharing",
                json!([{"name": "visibility", "type": 4, "value": 0}]),
            ),
        )
        .await
        .unwrap();
    // Someone else's data, which must survive.
    sandbox
        .slash(&scene.other, "win", json!([text("text", "Zara's own win")]))
        .await
        .unwrap();

    let show = sandbox
        .slash(member, "privacy", sub("show", json!([])))
        .await
        .unwrap();
    assert!(
        show.text().contains("3 win(s)") && show.text().contains("1 suggestion(s)"),
        "{}",
        show.text()
    );
    let export = sandbox
        .slash(member, "privacy", sub("export", json!([])))
        .await
        .unwrap();
    assert!(export.ephemeral());
    let file = sandbox
        .last_file(|name| name == "smallacts-my-data.json")
        .expect("an export file");
    let data: Value = serde_json::from_slice(&file.1).unwrap();
    assert_eq!(data["member_id"], member.user.id.to_string());
    let texts: Vec<&str> = data["wins"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|w| w["text"].as_str())
        .collect();
    assert_eq!(
        texts,
        [
            "Learned Ade's favourite song",
            "Took the long way round with a resident",
            "Waved at the neighbours"
        ]
    );
    assert_eq!(
        data["suggestions"][0]["text"],
        "Learn one resident's favourite song."
    );
    assert_eq!(data["preferences"]["default_visibility"], "named");
    assert!(
        !file.1.windows(6).any(|w| w == b"Zara's"),
        "nobody else's data"
    );

    let forget = sandbox
        .slash(member, "privacy", sub("forget", json!([])))
        .await
        .unwrap();
    let message = forget.message.clone().unwrap();
    // Someone else pressing the button erases nothing.
    let confirm = forget.button("Erase everything").unwrap();
    let refused = sandbox
        .click(&scene.other, &message, &confirm)
        .await
        .unwrap();
    assert!(
        refused.text().contains("Only the person who asked"),
        "{}",
        refused.text()
    );
    let done = sandbox.click(member, &message, &confirm).await.unwrap();
    assert!(done.text().contains("erased everything"), "{}", done.text());
    for (column, n) in scene
        .bot
        .db
        .store
        .rows_naming_member(MemberId(member.user.id))
        .await
        .unwrap()
    {
        assert_eq!(n, 0, "{column} still names the member");
    }
    assert_eq!(
        scene.wins_of(&scene.other).await.len(),
        1,
        "other members keep theirs"
    );
    scene.bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_text_is_stored_intact_and_shown_harmlessly() {
    let scene = scene(|_| {}).await;
    let sandbox = &scene.bot.sandbox;
    let hostile = format!(
        "@everyone <@&{role}> <@{user}> ```rust\nfn main() {{}}\n``` **loud** \u{202e}desrever\u{202c} zero\u{200b}width{}",
        "!".repeat(5000),
        role = scene.guild_id,
        user = scene.admin.user.id,
    );
    let visibility = json!({"name": "visibility", "type": 4, "value": 0});
    let answer = sandbox
        .slash(
            &scene.member,
            "win",
            json!([text("text", &hostile), visibility]),
        )
        .await
        .unwrap();
    assert!(answer.text().contains("Counted"), "{}", answer.text());
    let stored = scene.wins_of(&scene.member).await;
    assert_eq!(
        stored[0].text.as_deref(),
        Some(hostile.as_str()),
        "kept exactly as written"
    );

    let recent = sandbox
        .slash(&scene.other, "wins", sub("recent", json!([])))
        .await
        .unwrap();
    let embed = &recent.message.as_ref().unwrap()["embeds"][0];
    let shown = embed["description"].as_str().unwrap();
    assert!(!shown.contains("@everyone"), "{shown}");
    assert!(
        !shown.contains(&format!("<@&{}>", scene.guild_id)),
        "{shown}"
    );
    assert!(
        !shown.contains(&format!("<@{}>", scene.admin.user.id)),
        "{shown}"
    );
    assert!(!shown.contains("```"), "{shown}");
    assert!(shown.contains("\u{2026}"), "cut with an ellipsis");
    assert!(shown.chars().count() <= 4096);
    assert_eq!(
        recent.message.as_ref().unwrap()["allowed_mentions"]["parse"],
        json!([])
    );
    scene.bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_hourly_limit_guards_against_floods() {
    let scene = scene(|s| s.privacy.max_wins_per_hour = 2).await;
    let sandbox = &scene.bot.sandbox;
    for n in 0..2 {
        let ok = sandbox
            .slash(
                &scene.member,
                "win",
                json!([text("text", &format!("win {n}"))]),
            )
            .await
            .unwrap();
        assert!(ok.text().contains("Counted"), "{}", ok.text());
    }
    let third = sandbox
        .slash(&scene.member, "win", json!([text("text", "win 3")]))
        .await
        .unwrap();
    assert!(
        third.text().contains("2 wins this hour"),
        "{}",
        third.text()
    );
    assert_eq!(scene.wins_of(&scene.member).await.len(), 2);
    scene.bot.clock.advance(Duration::minutes(61));
    let later = sandbox
        .slash(&scene.member, "win", json!([text("text", "win 4")]))
        .await
        .unwrap();
    assert!(later.text().contains("Counted"), "{}", later.text());
    scene.bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_deletes_old_wins_and_servers_left_long_ago() {
    let scene = scene(|_| {}).await;
    let sandbox = &scene.bot.sandbox;
    sandbox
        .slash(&scene.member, "win", json!([text("text", "An old win")]))
        .await
        .unwrap();
    // A server the bot left, 31 days before the next retention run.
    let store = &scene.bot.db.store;
    store
        .upsert_server(GuildId(77), "Gone", None, "Europe/London", 0)
        .await
        .unwrap();
    store
        .mark_server_left(GuildId(77), utc(START).timestamp_millis())
        .await
        .unwrap();

    let report = scene.bot.tick_at(utc(START) + Duration::days(31)).await;
    assert_eq!((report.expired_wins, report.expired_servers), (0, 1));
    assert!(store.server(GuildId(77)).await.unwrap().is_none());
    assert!(
        store.server(scene.guild_id).await.unwrap().is_some(),
        "servers still joined stay"
    );
    let report = scene.bot.tick_at(utc(START) + Duration::days(366)).await;
    assert_eq!(report.expired_wins, 1);
    assert!(scene.wins_of(&scene.member).await.is_empty());
    scene.bot.finish().await;
}
