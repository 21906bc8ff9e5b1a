//! The weekly recap and the impact export end to end.

use fake_discord::{Actor, FakeGuild};
use serde_json::{Value, json};
use smallacts::ids::{ActId, ChannelId, GuildId, MemberId};
use smallacts::store::NewWin;

use crate::bot::TestBot;
use crate::helpers::{sub, utc};

struct Team {
    guild: FakeGuild,
    admin: Actor,
    members: Vec<Actor>,
    daily: u64,
}

/// A server with the daily act set up at 09:00 in `zone`.
async fn team(bot: &TestBot, zone: &str) -> Team {
    let sandbox = &bot.sandbox;
    let (guild, admin, members) =
        crate::helpers::server_with(bot, "Oak Lodge Care", &["Priya", "Tom", "Zara"]).await;
    let daily = sandbox.add_channel(guild.id, "daily").id;
    let options = json!([
        {"name": "channel", "type": 7, "value": daily.to_string()},
        {"name": "time", "type": 3, "value": "09:00"},
        {"name": "timezone", "type": 3, "value": zone},
    ]);
    let reply = sandbox
        .slash(&admin, "daily", sub("setup", options))
        .await
        .unwrap();
    assert!(reply.text().contains("Done"), "{}", reply.text());
    Team {
        guild,
        admin,
        members,
        daily,
    }
}

/// Stores a win directly, at a given instant, for an act of the catalogue.
async fn win_at(
    bot: &TestBot,
    team: &Team,
    member: usize,
    at: &str,
    visibility: &str,
    text: Option<&str>,
    act_id: Option<ActId>,
) {
    let win = NewWin {
        guild_id: GuildId(team.guild.id),
        member_id: MemberId(team.members[member].user.id),
        post_id: None,
        act_id,
        source: "command",
        visibility,
        text,
        message_id: None,
    };
    bot.db
        .store
        .insert_win(&win, utc(at).timestamp_millis())
        .await
        .unwrap();
}

fn recaps(bot: &TestBot, channel: u64) -> Vec<Value> {
    bot.sandbox
        .channel_messages(channel)
        .into_iter()
        .filter(|m| {
            m["embeds"][0]["title"]
                .as_str()
                .is_some_and(|t| t.contains("week at"))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_recap_goes_out_on_friday_once_with_a_chart_and_quotes_as_chosen() {
    let mut bot = TestBot::start_at(utc("2026-06-01T06:00:00Z"), |_| {}).await;
    let team = team(&bot, "Europe/London").await;
    let acts = bot.db.store.active_acts(None).await.unwrap();
    let (smallest, small) = (
        acts.iter()
            .find(|a| a.act.size == smallacts::acts::Size::Smallest)
            .unwrap()
            .id,
        acts.iter()
            .find(|a| a.act.size == smallacts::acts::Size::Small)
            .unwrap()
            .id,
    );
    win_at(
        &bot,
        &team,
        1,
        "2026-06-01T10:00:00Z",
        "named",
        Some("Asked Mrs Patel about her roses"),
        Some(smallest),
    )
    .await;
    win_at(
        &bot,
        &team,
        2,
        "2026-06-02T10:00:00Z",
        "anonymous",
        Some("Shared my lunch break with the new starter"),
        Some(small),
    )
    .await;
    win_at(
        &bot,
        &team,
        2,
        "2026-06-03T10:00:00Z",
        "count",
        Some("Something private"),
        Some(smallest),
    )
    .await;
    let hostile = "@everyone <@&1> **shout** ```x```";
    win_at(
        &bot,
        &team,
        0,
        "2026-06-04T10:00:00Z",
        "anonymous",
        Some(hostile),
        None,
    )
    .await;
    // Last week, for the comparison.
    win_at(&bot, &team, 1, "2026-05-28T10:00:00Z", "count", None, None).await;

    // Friday 5 June, 16:00 BST = 15:00 UTC.
    assert_eq!(bot.tick_at(utc("2026-06-05T14:59:00Z")).await.recaps, 0);
    assert_eq!(bot.tick_at(utc("2026-06-05T15:00:00Z")).await.recaps, 1);
    bot.restart().await;
    assert_eq!(
        bot.tick_at(utc("2026-06-05T15:30:00Z")).await.recaps,
        0,
        "never twice"
    );
    let posted = recaps(&bot, team.daily);
    assert_eq!(posted.len(), 1);
    let embed = &posted[0]["embeds"][0];
    let text = format!("{} {}", embed["description"], embed["fields"]);
    assert!(
        text.contains("**4** small acts of connection this week (last week: 1), by **3** people"),
        "{text}"
    );
    assert!(text.contains("Active on Mon, Tue, Wed and Thu"), "{text}");
    assert!(text.contains("Sizes: Smallest 2 \u{b7} Small 1"), "{text}");
    assert!(
        text.contains(&format!(
            "Asked Mrs Patel about her roses\u{201d} \u{2014} <@{}>",
            team.members[1].user.id
        )),
        "{text}"
    );
    assert!(
        text.contains(
            "Shared my lunch break with the new starter\u{201d} \u{2014} someone on the team"
        ),
        "{text}"
    );
    assert!(
        !text.contains("Something private"),
        "counted-only wins are never quoted"
    );
    assert!(
        !text.contains("@everyone") && !text.contains("<@&1>") && !text.contains("```"),
        "{text}"
    );
    assert!(
        !text.contains(&team.members[2].user.id.to_string()),
        "anonymous stays anonymous"
    );
    assert_eq!(embed["image"]["url"], "attachment://recap-chart.png");

    // The chart: a PNG of the expected size, with a description for screen readers.
    let upload = bot
        .sandbox
        .requests()
        .into_iter()
        .find(|r| r.files.iter().any(|(name, _)| name == "recap-chart.png"))
        .expect("the chart was uploaded");
    let png = &upload
        .files
        .iter()
        .find(|(n, _)| n == "recap-chart.png")
        .unwrap()
        .1;
    let decoder = png::Decoder::new(std::io::Cursor::new(png.clone()));
    let reader = decoder.read_info().unwrap();
    assert_eq!(
        (reader.info().width, reader.info().height),
        (
            smallacts::recap::chart::WIDTH,
            smallacts::recap::chart::HEIGHT
        )
    );
    let description = upload.body.as_ref().unwrap()["attachments"][0]["description"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        description.contains("Monday") && description.contains("Sunday"),
        "{description}"
    );
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_week_gets_an_encouraging_post_and_a_far_zone_keeps_its_own_week() {
    let bot = TestBot::start_at(utc("2026-06-01T00:00:00Z"), |_| {}).await;
    let team = team(&bot, "Pacific/Auckland").await;
    // Friday 5 June 16:00 in Auckland (NZST, +12) is 04:00 UTC.
    assert_eq!(bot.tick_at(utc("2026-06-05T04:00:00Z")).await.recaps, 1);
    let posted = recaps(&bot, team.daily);
    let embed = &posted[0]["embeds"][0];
    assert_eq!(embed["title"], "A quiet week at Oak Lodge Care");
    assert!(
        embed["description"]
            .as_str()
            .unwrap()
            .contains("that's all right")
    );
    assert!(embed["image"].is_null(), "no chart for an empty week");

    // A win at 23:30 on Sunday 7 June in Auckland belongs to the week of 1 June there.
    win_at(
        &bot,
        &team,
        1,
        "2026-06-07T11:30:00Z",
        "named",
        Some("Late one"),
        None,
    )
    .await;
    let preview = bot
        .sandbox
        .slash(&team.admin, "recap", sub("preview", json!([])))
        .await
        .unwrap();
    assert!(preview.ephemeral());
    assert!(
        preview.text().contains("**1** small acts"),
        "{}",
        preview.text()
    );
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_can_move_preview_post_and_turn_off_the_recap() {
    let bot = TestBot::start_at(utc("2026-06-01T06:00:00Z"), |_| {}).await;
    let team = team(&bot, "Europe/London").await;
    let recap_channel = bot.sandbox.add_channel(team.guild.id, "wins").id;
    let options = json!([
        {"name": "channel", "type": 7, "value": recap_channel.to_string()},
        {"name": "day", "type": 3, "value": "wed"},
        {"name": "time", "type": 3, "value": "12:30"},
    ]);
    let reply = bot
        .sandbox
        .slash(&team.admin, "recap", sub("setup", options))
        .await
        .unwrap();
    assert!(reply.text().contains("12:30"), "{}", reply.text());
    let bad = bot
        .sandbox
        .slash(
            &team.admin,
            "recap",
            sub(
                "setup",
                json!([{"name": "time", "type": 3, "value": "noon"}]),
            ),
        )
        .await
        .unwrap();
    assert!(
        bad.text().contains("HH:MM") || bad.text().contains("09:00"),
        "{}",
        bad.text()
    );
    // Wednesday 3 June 12:30 BST = 11:30 UTC, in #wins.
    assert_eq!(bot.tick_at(utc("2026-06-03T11:30:00Z")).await.recaps, 1);
    assert_eq!(recaps(&bot, recap_channel).len(), 1);
    let now = bot
        .sandbox
        .slash(&team.admin, "recap", sub("now", json!([])))
        .await
        .unwrap();
    assert!(now.text().contains("Posted"), "{}", now.text());
    assert_eq!(recaps(&bot, recap_channel).len(), 2);
    bot.sandbox
        .slash(&team.admin, "recap", sub("off", json!([])))
        .await
        .unwrap();
    assert_eq!(bot.tick_at(utc("2026-06-10T11:30:00Z")).await.recaps, 0);
    let member_try = bot
        .sandbox
        .slash(&team.members[1], "recap", sub("now", json!([])))
        .await
        .unwrap();
    assert!(
        member_try.text().contains("server admins"),
        "{}",
        member_try.text()
    );
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_impact_export_is_a_csv_whose_sums_match_the_database() {
    let bot = TestBot::start_at(utc("2026-06-20T12:00:00Z"), |_| {}).await;
    let team = team(&bot, "Europe/London").await;
    let acts = bot.db.store.active_acts(None).await.unwrap();
    let mut expected = 0;
    for (n, day) in [
        "2026-05-25",
        "2026-05-27",
        "2026-06-03",
        "2026-06-04",
        "2026-06-04",
        "2026-06-15",
    ]
    .iter()
    .enumerate()
    {
        let act = Some(acts[n * 7].id);
        win_at(
            &bot,
            &team,
            n % 3,
            &format!("{day}T10:00:00Z"),
            "named",
            Some("secret words"),
            act,
        )
        .await;
        expected += 1;
    }
    win_at(&bot, &team, 0, "2026-06-16T10:00:00Z", "count", None, None).await;
    expected += 1;
    // Two check-ins in the week of 8 June: one with three pulse answers, one with two (too
    // few: counted as answers, never broken down).
    let store = &bot.db.store;
    let guild = GuildId(team.guild.id);
    let checkin = store
        .insert_checkin(
            &smallacts::store::NewCheckin {
                guild_id: guild,
                channel_id: ChannelId(team.daily),
                schedule: "daily 14:00 every",
                style: "pulse",
                next_at: None,
            },
            0,
        )
        .await
        .unwrap();
    for (day, answers) in [
        ("2026-06-09", vec![2_i64, 4, 4]),
        ("2026-06-10", vec![1, 5]),
    ] {
        let at = utc(&format!("{day}T13:00:00Z")).timestamp_millis();
        crate::helpers::held_pulse(store, guild, checkin, day, at, &answers).await;
    }
    let options = json!([{"name": "from", "type": 3, "value": "2026-05-25"}, {"name": "to", "type": 3, "value": "2026-06-20"}]);
    let reply = bot
        .sandbox
        .slash(&team.admin, "export", sub("impact", options))
        .await
        .unwrap();
    assert!(reply.ephemeral());
    let (_, bytes) = bot.sandbox.last_file(|n| n.ends_with(".csv")).unwrap();
    let csv = String::from_utf8(bytes).unwrap();
    assert!(
        !csv.contains("secret") && !csv.contains("Priya"),
        "no words, no names:\n{csv}"
    );
    let mut lines = csv.lines();
    assert_eq!(lines.next().unwrap(), smallacts::recap::IMPACT_HEADER);
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 4, "four weeks:\n{csv}");
    assert_eq!(rows[0][0], "2026-05-25");
    let total: usize = rows.iter().map(|r| r[1].parse::<usize>().unwrap()).sum();
    assert_eq!(total, expected);
    let from = utc("2026-05-24T23:00:00Z").timestamp_millis();
    let to = utc("2026-06-21T23:00:00Z").timestamp_millis();
    assert_eq!(
        total as i64,
        bot.db
            .store
            .count_done_between(GuildId(team.guild.id), from, to)
            .await
            .unwrap()
    );
    for row in &rows {
        let wins: usize = row[1].parse().unwrap();
        let by_size: usize = row[3..6].iter().map(|c| c.parse::<usize>().unwrap()).sum();
        let without_act: usize = row[11].parse().unwrap();
        assert_eq!(by_size + without_act, wins, "{row:?}");
        let by_way: usize = row[6..11].iter().map(|c| c.parse::<usize>().unwrap()).sum();
        assert_eq!(by_way + without_act, wins, "{row:?}");
    }
    assert_eq!(
        rows[2][12..19],
        ["2", "5", "0", "1", "0", "2", "0"],
        "check-ins held, pulse answers, then counts from the pulse that had enough answers"
    );
    assert!(rows[0][12..].iter().all(|c| *c == "0"), "{:?}", rows[0]);
    assert_eq!(rows[1][1], "3");
    assert_eq!(
        rows[1][2], "3",
        "three different members in the week of 1 June"
    );
    let bad = bot
        .sandbox
        .slash(
            &team.admin,
            "export",
            sub(
                "impact",
                json!([{"name": "from", "type": 3, "value": "June"}]),
            ),
        )
        .await
        .unwrap();
    assert!(bad.text().contains("YYYY-MM-DD"), "{}", bad.text());
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_downtime_the_recap_follows_the_daily_posts_catch_up_rules() {
    let bot = TestBot::start_at(utc("2026-06-01T06:00:00Z"), |_| {}).await;
    let team = team(&bot, "Europe/London").await;
    // Due Friday 5 June at 15:00 UTC; the bot is back 3 hours later: skipped, not posted late.
    let report = bot.tick_at(utc("2026-06-05T18:00:00Z")).await;
    assert_eq!(report.recaps, 0);
    assert!(recaps(&bot, team.daily).is_empty());
    let posts = bot.posts_of(team.guild.id).await;
    let recap_posts: Vec<_> = posts.iter().filter(|p| p.job == "recap").collect();
    assert_eq!(recap_posts.len(), 1);
    assert_eq!(
        recap_posts[0].status, "skipped",
        "recorded as skipped, never replayed"
    );
    // Next week, back 30 minutes late: within the grace window, posted once.
    assert_eq!(bot.tick_at(utc("2026-06-12T15:30:00Z")).await.recaps, 1);
    assert_eq!(bot.tick_at(utc("2026-06-12T16:00:00Z")).await.recaps, 0);
    assert_eq!(recaps(&bot, team.daily).len(), 1);
    bot.finish().await;
}

/// A PNG's size and RGBA pixels.
fn decode_png(png: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(png.to_vec()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgba);
    pixels.truncate(info.buffer_size());
    (info.width, info.height, pixels)
}

/// Dark, opaque pixels (text) in [x0, x1) × [y0, y1) of a decoded picture `width` wide.
fn dark_pixels(pixels: &[u8], width: u32, (x0, y0, x1, y1): (u32, u32, u32, u32)) -> usize {
    let mut n = 0;
    for y in y0..y1 {
        for x in x0..x1 {
            let i = ((y * width + x) * 4) as usize;
            let rgb = u32::from(pixels[i]) + u32::from(pixels[i + 1]) + u32::from(pixels[i + 2]);
            n += usize::from(pixels[i + 3] > 200 && rgb < 400);
        }
    }
    n
}

/// Every share card the bot uploaded, oldest first: the PNG and its description.
fn share_cards(bot: &TestBot) -> Vec<(Vec<u8>, String)> {
    bot.sandbox
        .requests()
        .into_iter()
        .filter_map(|r| {
            let png = r
                .files
                .iter()
                .find(|(name, _)| name == "share-card.png")?
                .1
                .clone();
            let body = r.body.as_ref()?;
            // A channel post or an edited answer has its attachments at the top; an
            // interaction's first answer inside `data`.
            let attachments = if body["attachments"].is_array() {
                &body["attachments"]
            } else {
                &body["data"]["attachments"]
            };
            let description = attachments[0]["description"].as_str()?.to_owned();
            Some((png, description))
        })
        .collect()
}

/// Acts of the catalogue for a Way.
async fn act_of_way(bot: &TestBot, way: smallacts::acts::Way) -> ActId {
    let acts = bot.db.store.active_acts(None).await.unwrap();
    acts.iter().find(|a| a.act.way == way).unwrap().id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recap_card_posts_the_weeks_share_card_for_everyone_with_the_name_only_if_chosen() {
    use smallacts::acts::Way;
    // Wednesday of Loneliness Awareness Week 2026 (8-14 June).
    let bot = TestBot::start_at(utc("2026-06-10T12:00:00Z"), |_| {}).await;
    let team = team(&bot, "Europe/London").await;
    let (connect, give) = (
        act_of_way(&bot, Way::Connect).await,
        act_of_way(&bot, Way::Give).await,
    );
    let words = "Sat with Mrs Patel over tea";
    win_at(
        &bot,
        &team,
        0,
        "2026-06-08T10:00:00Z",
        "named",
        Some(words),
        Some(connect),
    )
    .await;
    // Counted-only wins, one for no act; the last is before the week: not on the card.
    for (member, at, act) in [
        (1, "2026-06-09T10:00:00Z", Some(connect)),
        (2, "2026-06-10T09:00:00Z", Some(give)),
        (2, "2026-06-10T09:30:00Z", None),
        (1, "2026-06-05T10:00:00Z", Some(give)),
    ] {
        win_at(&bot, &team, member, at, "count", None, act).await;
    }

    let reply = bot
        .sandbox
        .slash(&team.admin, "recap", sub("card", json!([])))
        .await
        .unwrap();
    assert!(!reply.ephemeral(), "the card is posted for everyone");
    assert_eq!(
        reply.text(),
        "Loneliness Awareness Week 2026, 8 June to 14 June: 4 small acts of connection so far. \
         #RandomActsofConnection"
    );
    let cards = share_cards(&bot);
    assert_eq!(cards.len(), 1);
    let (png, description) = &cards[0];
    let (width, height, plain) = decode_png(png);
    assert_eq!((width, height), (1200, 630));
    assert!(
        description.contains("4 small acts of connection")
            && description.contains("Connect 2")
            && description.contains("Give 1")
            && description.contains("Be active 0")
            && description.ends_with("#RandomActsofConnection"),
        "{description}"
    );
    // No server name unless chosen, and never a member's name or words.
    for never in ["Oak Lodge Care", "Priya", "Tom", "Zara", words] {
        assert!(!description.contains(never), "{never} in {description}");
    }
    // The count is drawn large on the left; the name's line is empty.
    assert!(dark_pixels(&plain, width, (80, 200, 600, 360)) > 1_000);
    assert_eq!(dark_pixels(&plain, width, (80, 130, 600, 170)), 0);

    // An admin may choose to show the server's name: then it is drawn and described.
    let named = bot
        .sandbox
        .slash(
            &team.admin,
            "recap",
            sub(
                "card",
                json!([{"name": "show_server_name", "type": 5, "value": true}]),
            ),
        )
        .await
        .unwrap();
    assert!(!named.ephemeral());
    let cards = share_cards(&bot);
    let (png, description) = cards.last().unwrap();
    assert!(description.contains("at Oak Lodge Care"), "{description}");
    let (_, _, with_name) = decode_png(png);
    assert!(dark_pixels(&with_name, width, (80, 130, 600, 170)) > 100);

    // Members can't post it.
    let refused = bot
        .sandbox
        .slash(&team.members[1], "recap", sub("card", json!([])))
        .await
        .unwrap();
    assert!(refused.ephemeral());
    assert_eq!(share_cards(&bot).len(), 2);
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outside_the_week_the_card_is_last_years_and_the_closing_post_carries_it() {
    use smallacts::acts::Way;
    // Saturday of the Week: the daily act is set up for 09:00 London.
    let bot = TestBot::start_at(utc("2026-06-13T12:00:00Z"), |_| {}).await;
    let team = team(&bot, "Europe/London").await;
    let (connect, be_active) = (
        act_of_way(&bot, Way::Connect).await,
        act_of_way(&bot, Way::BeActive).await,
    );
    for (member, at, act) in [
        (0, "2026-06-08T10:00:00Z", connect),
        (1, "2026-06-11T10:00:00Z", be_active),
        (2, "2026-06-12T10:00:00Z", be_active),
    ] {
        win_at(&bot, &team, member, at, "count", None, Some(act)).await;
    }

    // Sunday 14 June, 09:00 BST: the day's act, then the closing post with the card.
    bot.tick_at(utc("2026-06-14T08:00:00Z")).await;
    let closing = bot
        .sandbox
        .channel_messages(team.daily)
        .into_iter()
        .find(|m| m["embeds"][0]["title"] == "That's Loneliness Awareness Week")
        .expect("the closing post");
    assert!(
        closing["embeds"][0]["description"]
            .as_str()
            .unwrap()
            .contains("3 acts of connection"),
        "{closing}"
    );
    assert_eq!(
        closing["embeds"][0]["image"]["url"],
        "attachment://share-card.png"
    );
    let cards = share_cards(&bot);
    assert_eq!(cards.len(), 1, "one card, with the closing post");
    let (png, description) = &cards[0];
    let (width, height, pixels) = decode_png(png);
    assert_eq!((width, height), (1200, 630));
    assert!(dark_pixels(&pixels, width, (80, 200, 600, 360)) > 1_000);
    assert!(
        description.contains("Loneliness Awareness Week 2026:")
            && description.contains("3 small acts of connection")
            && description.contains("Connect 1, Be active 2"),
        "{description}"
    );
    assert!(
        !description.contains("Oak Lodge Care"),
        "the closing post never names the server on the card"
    );
    assert!(
        bot.sandbox.violations().is_empty(),
        "{:?}",
        bot.sandbox.violations()
    );

    // In the autumn, /recap card is still for this year's Week, the week now over.
    let autumn_win = "2026-10-01T10:00:00Z";
    win_at(&bot, &team, 0, autumn_win, "count", None, Some(connect)).await;
    bot.tick_at(utc("2026-10-01T12:00:00Z")).await;
    let autumn = bot
        .sandbox
        .slash(&team.admin, "recap", sub("card", json!([])))
        .await
        .unwrap();
    assert!(
        autumn.text().starts_with(
            "Loneliness Awareness Week 2026, 8 June to 14 June: 3 small acts of connection. "
        ),
        "{}",
        autumn.text()
    );
    bot.finish().await;
}
