//! Connection events end to end: `/event create` makes a Discord scheduled event and announces
//! it; the channel is reminded once an hour before and thanked once afterwards with how many
//! were interested (never who), across a restart; the impact export counts it. And the fake
//! Discord's scheduled-event routes in their own right.

use fake_discord::{Actor, FakeGuild, Sandbox, SandboxOptions};
use poise::serenity_prelude as serenity;
use serde_json::{Value, json};
use smallacts::ids::{EventId, GuildId};

use crate::bot::TestBot;
use crate::helpers::{daily_setup, sub, text, utc};
use crate::on_both_backends;

struct Team {
    guild: FakeGuild,
    admin: Actor,
    members: Vec<Actor>,
    daily: u64,
}

/// A server with the daily act in #daily (Europe/London, the default).
async fn team(bot: &TestBot) -> Team {
    let (guild, admin, members) =
        crate::helpers::server_with(bot, "Oak Lodge Care", &["Priya", "Tom", "Zara"]).await;
    let daily = bot.sandbox.add_channel(guild.id, "daily").id;
    let reply = daily_setup(bot, &admin, daily, "09:00").await;
    assert!(reply.text().contains("Done"), "{}", reply.text());
    Team {
        guild,
        admin,
        members,
        daily,
    }
}

/// The bot's messages in a channel whose text contains `needle`.
fn messages_with(bot: &TestBot, channel: u64, needle: &str) -> Vec<Value> {
    bot.sandbox
        .channel_messages(channel)
        .into_iter()
        .filter(|m| m["content"].as_str().is_some_and(|c| c.contains(needle)))
        .collect()
}

/// Waits until the bot has recorded `count` interested for the event (it hears of each change
/// on the gateway and asks Discord for the count).
async fn interest_reaches(bot: &TestBot, event: EventId, count: i64) -> i64 {
    let mut seen = -1;
    for _ in 0..250 {
        seen = bot
            .db
            .store
            .event(event)
            .await
            .unwrap()
            .map_or(-1, |e| e.interested);
        if seen == count {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    seen
}

fn event_options(title: &str, when: &str, extra: &[Value]) -> Value {
    let mut options = vec![text("title", title), text("when", when)];
    options.extend(extra.iter().cloned());
    sub("create", Value::Array(options))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_event_is_announced_reminded_once_and_thanked_once_with_a_count_and_no_names_across_a_restart()
 {
    // Wednesday 10 June 2026, 10:00 in London.
    let mut bot = TestBot::start_at(utc("2026-06-10T09:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    let reply = bot
        .sandbox
        .slash(
            &team.admin,
            "event",
            event_options(
                "Tea in the garden",
                "tomorrow 18:00",
                &[
                    text("duration", "1h30m"),
                    text("place", "The garden"),
                    text("description", "Bring a mug. @everyone welcome"),
                ],
            ),
        )
        .await
        .unwrap();
    assert!(reply.ephemeral());
    assert!(reply.text().contains("Done"), "{}", reply.text());

    // Discord holds the event: external, in the garden, 18:00 to 19:30 London time.
    let events = bot.sandbox.scheduled_events(team.guild.id);
    assert_eq!(events.len(), 1, "{events:?}");
    let event = &events[0];
    assert_eq!(event["entity_type"], 3);
    assert_eq!(event["entity_metadata"]["location"], "The garden");
    assert_eq!(event["name"], "Tea in the garden");
    let start =
        chrono::DateTime::parse_from_rfc3339(event["scheduled_start_time"].as_str().unwrap())
            .unwrap();
    let end = chrono::DateTime::parse_from_rfc3339(event["scheduled_end_time"].as_str().unwrap())
        .unwrap();
    assert_eq!(start, utc("2026-06-11T17:00:00Z"));
    assert_eq!(end, utc("2026-06-11T18:30:00Z"));
    let event_id: u64 = event["id"].as_str().unwrap().parse().unwrap();
    let url = format!("https://discord.com/events/{}/{event_id}", team.guild.id);
    assert!(reply.text().contains(&url), "{}", reply.text());

    // Announced in the daily channel with the link, without pinging anyone.
    let announced = messages_with(&bot, team.daily, &url);
    assert_eq!(announced.len(), 1, "{announced:?}");
    assert!(
        announced[0]["content"]
            .as_str()
            .unwrap()
            .contains("Tea in the garden")
    );

    // Two members are interested; a third changes their mind.
    let (priya, tom, zara) = (&team.members[0], &team.members[1], &team.members[2]);
    for member in [tom, zara, priya] {
        bot.sandbox
            .mark_interested(event_id, member.user.id, true)
            .unwrap();
    }
    bot.sandbox
        .mark_interested(event_id, priya.user.id, false)
        .unwrap();
    assert_eq!(interest_reaches(&bot, EventId(event_id), 2).await, 2);

    // Not yet an hour before: nothing. An hour before: one reminder, and only one.
    bot.tick_at(utc("2026-06-11T15:59:00Z")).await;
    let reminder = "starts at <t:";
    assert!(messages_with(&bot, team.daily, reminder).is_empty());
    let report = bot.tick_at(utc("2026-06-11T16:00:00Z")).await;
    assert_eq!(report.event_reminders, 1, "{report:?}");
    bot.tick_at(utc("2026-06-11T16:30:00Z")).await;
    let reminders = messages_with(&bot, team.daily, reminder);
    assert_eq!(reminders.len(), 1, "{reminders:?}");
    assert!(reminders[0]["content"].as_str().unwrap().contains(&url));

    // A restart in between: the new process neither reminds again nor forgets the thanks.
    bot.restart().await;
    bot.tick_at(utc("2026-06-11T16:45:00Z")).await;
    assert_eq!(messages_with(&bot, team.daily, reminder).len(), 1);
    let thanks = "Thank you for";
    bot.tick_at(utc("2026-06-11T18:29:00Z")).await;
    assert!(messages_with(&bot, team.daily, thanks).is_empty());
    let report = bot.tick_at(utc("2026-06-11T18:30:00Z")).await;
    assert_eq!(report.event_thanks, 1, "{report:?}");
    bot.tick_at(utc("2026-06-11T19:00:00Z")).await;
    let thanked = messages_with(&bot, team.daily, thanks);
    assert_eq!(thanked.len(), 1, "{thanked:?}");
    let words = thanked[0]["content"].as_str().unwrap();
    assert!(words.contains("2 people were interested"), "{words}");
    for member in &team.members {
        let name = member.user.global_name.clone().unwrap();
        assert!(!words.contains(&name), "names no one: {words}");
        assert!(!words.contains(&member.user.id.to_string()), "{words}");
    }
    let posts = bot.posts_of(team.guild.id).await;
    for job in ["event_reminder", "event_thanks"] {
        let of_job: Vec<_> = posts.iter().filter(|p| p.job == job).collect();
        assert_eq!(of_job.len(), 1, "{job}: {of_job:?}");
        assert_eq!(of_job[0].status, "sent");
    }

    // The export counts the event and its interest, and names no one.
    let options = json!([text("from", "2026-06-08"), text("to", "2026-06-14")]);
    bot.sandbox
        .slash(&team.admin, "export", sub("impact", options))
        .await
        .unwrap();
    let (_, bytes) = bot.sandbox.last_file(|n| n.ends_with(".csv")).unwrap();
    let csv = String::from_utf8(bytes).unwrap();
    assert!(!csv.contains("Priya") && !csv.contains("Tom"), "{csv}");
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(row[0], "2026-06-08");
    assert_eq!(row[column("events_held")], "1", "{csv}");
    assert_eq!(row[column("people_interested")], "2", "{csv}");
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_in_a_voice_channel_refusals_and_the_hosts_role() {
    let bot = TestBot::start_at(utc("2026-06-10T09:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    let member = &team.members[1];

    // A member without the hosts' role is told to ask.
    let reply = bot
        .sandbox
        .slash(
            member,
            "event",
            event_options("Walk", "fri 12:30", &[text("place", "Front door")]),
        )
        .await
        .unwrap();
    assert!(reply.ephemeral());
    assert!(reply.text().contains("/event role"), "{}", reply.text());
    assert!(bot.sandbox.scheduled_events(team.guild.id).is_empty());

    // The admin makes a hosts' role; a member holding it may create events.
    let hosts = bot.sandbox.add_role(team.guild.id, "Hosts");
    bot.sandbox.give_role(team.guild.id, member.user.id, hosts);
    let role = json!({"name": "role", "type": 8, "value": hosts.to_string()});
    let reply = bot
        .sandbox
        .slash(&team.admin, "event", sub("role", json!([role])))
        .await
        .unwrap();
    assert!(reply.text().contains("Done"), "{}", reply.text());
    // ... but not choose the role themselves.
    let reply = bot
        .sandbox
        .slash(member, "event", sub("role", json!([])))
        .await
        .unwrap();
    assert!(reply.text().contains("admins"), "{}", reply.text());

    // In a voice channel: a voice event there, no place needed.
    let voice = bot
        .sandbox
        .add_voice_channel(team.guild.id, "Lounge", false);
    let channel = json!({"name": "channel", "type": 7, "value": voice.id.to_string()});
    let reply = bot
        .sandbox
        .slash(
            member,
            "event",
            event_options("Friday call", "fri 12:30", &[channel]),
        )
        .await
        .unwrap();
    assert!(reply.text().contains("Done"), "{}", reply.text());
    let events = bot.sandbox.scheduled_events(team.guild.id);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["entity_type"], 2);
    assert_eq!(events[0]["channel_id"], voice.id.to_string());

    // Bad input gets a sentence naming the fix, and nothing is made.
    for (when, extra, says) in [
        ("yesterday 10:00", vec![text("place", "x")], "e.g."),
        ("today 09:30", vec![text("place", "x")], "in the past"),
        ("tomorrow 10:00", vec![], "place"),
        (
            "tomorrow 10:00",
            vec![text("place", "x"), text("duration", "forever")],
            "45m",
        ),
    ] {
        let reply = bot
            .sandbox
            .slash(&team.admin, "event", event_options("Tea", when, &extra))
            .await
            .unwrap();
        assert!(reply.ephemeral());
        assert!(reply.text().contains(says), "{when}: {}", reply.text());
    }
    assert_eq!(bot.sandbox.scheduled_events(team.guild.id).len(), 1);

    // Without Create Events, the admin hears what to fix.
    bot.sandbox.set_bot_can_create_events(team.guild.id, false);
    let reply = bot
        .sandbox
        .slash(
            &team.admin,
            "event",
            event_options("Tea", "tomorrow 10:00", &[text("place", "Kitchen")]),
        )
        .await
        .unwrap();
    assert!(reply.text().contains("Create Events"), "{}", reply.text());
    let doctor = bot
        .sandbox
        .slash(&team.admin, "doctor", json!([]))
        .await
        .unwrap();
    assert!(doctor.text().contains("Create Events"), "{}", doctor.text());
    assert_eq!(bot.sandbox.scheduled_events(team.guild.id).len(), 1);
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_event_is_neither_reminded_nor_thanked_nor_counted() {
    let bot = TestBot::start_at(utc("2026-06-10T09:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    bot.sandbox
        .slash(
            &team.admin,
            "event",
            event_options("Quiz", "tomorrow 18:00", &[text("place", "Zoom")]),
        )
        .await
        .unwrap();
    let event_id: u64 = bot.sandbox.scheduled_events(team.guild.id)[0]["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    // An admin deletes it in Discord.
    let http = client(&bot.sandbox);
    http.delete_scheduled_event(
        serenity::GuildId::new(team.guild.id),
        serenity::ScheduledEventId::new(event_id),
    )
    .await
    .unwrap();
    for _ in 0..250 {
        let stored = bot
            .db
            .store
            .event(EventId(event_id))
            .await
            .unwrap()
            .unwrap();
        if stored.cancelled_at.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    for at in ["2026-06-11T16:00:00Z", "2026-06-11T19:00:00Z"] {
        let report = bot.tick_at(utc(at)).await;
        assert_eq!(
            (report.event_reminders, report.event_thanks),
            (0, 0),
            "{report:?}"
        );
    }
    assert!(
        messages_with(&bot, team.daily, "Quiz").len() == 1,
        "only the announcement"
    );
    let impact = smallacts::recap::impact(
        &bot.db.store,
        GuildId(team.guild.id),
        chrono_tz::Europe::London,
        "2026-06-08".parse().unwrap(),
        "2026-06-14".parse().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(impact.events_held, 0);
    bot.finish().await;
}

fn client(sandbox: &Sandbox) -> serenity::Http {
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

/// The fake's scheduled-event routes, through serenity's own client: Discord's shapes, limits
/// and errors.
#[tokio::test]
async fn the_fakes_scheduled_event_routes_behave_as_discord_documents() {
    let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
    let alice = sandbox.new_user("Alice");
    let guild = sandbox.add_guild("Team", vec![alice.clone()]);
    let voice = sandbox.add_voice_channel(guild.id, "Lounge", false);
    let stage = sandbox.add_voice_channel(guild.id, "Stage", true);
    let http = client(&sandbox);
    let guild_id = serenity::GuildId::new(guild.id);
    let start = chrono::Utc::now() + chrono::Duration::days(1);
    let end = start + chrono::Duration::hours(1);
    let external = serenity::CreateScheduledEvent::new(
        serenity::ScheduledEventType::External,
        "Tea",
        serenity::Timestamp::from(start),
    )
    .location("The kitchen")
    .end_time(serenity::Timestamp::from(end))
    .description("Bring a mug");
    let made = http
        .create_scheduled_event(guild_id, &external, None)
        .await
        .unwrap();
    assert_eq!(made.kind, serenity::ScheduledEventType::External);
    assert_eq!(
        made.metadata.as_ref().and_then(|m| m.location.as_deref()),
        Some("The kitchen")
    );
    assert_eq!(made.status, serenity::ScheduledEventStatus::Scheduled);

    // Voice and stage events need a channel of the right kind.
    let in_voice = serenity::CreateScheduledEvent::new(
        serenity::ScheduledEventType::Voice,
        "Call",
        serenity::Timestamp::from(start),
    )
    .channel_id(serenity::ChannelId::new(voice.id));
    let call = http
        .create_scheduled_event(guild_id, &in_voice, None)
        .await
        .unwrap();
    assert_eq!(call.channel_id, Some(serenity::ChannelId::new(voice.id)));
    let wrong = in_voice
        .clone()
        .kind(serenity::ScheduledEventType::StageInstance);
    let refused = http.create_scheduled_event(guild_id, &wrong, None).await;
    assert_eq!(error_code(refused.unwrap_err()), (400, 50035));
    let on_stage = wrong.channel_id(serenity::ChannelId::new(stage.id));
    http.create_scheduled_event(guild_id, &on_stage, None)
        .await
        .unwrap();

    // Limits: name 1-100, description up to 1000, location and end time for external
    // events, a start still to come, an end after the start.
    let refusals = [
        external.clone().name(""),
        external.clone().name("x".repeat(101)),
        external.clone().description("x".repeat(1001)),
        external.clone().location(""),
        serenity::CreateScheduledEvent::new(
            serenity::ScheduledEventType::External,
            "No end",
            serenity::Timestamp::from(start),
        )
        .location("Kitchen"),
        external.clone().start_time(serenity::Timestamp::from(
            chrono::Utc::now() - chrono::Duration::hours(1),
        )),
        external.clone().end_time(serenity::Timestamp::from(
            start - chrono::Duration::minutes(1),
        )),
    ];
    for (i, body) in refusals.iter().enumerate() {
        let refused = http.create_scheduled_event(guild_id, body, None).await;
        assert_eq!(
            error_code(refused.unwrap_err()),
            (400, 50035),
            "refusal {i}"
        );
    }
    let fine_long = external
        .clone()
        .name("x".repeat(100))
        .description("y".repeat(1000));
    http.create_scheduled_event(guild_id, &fine_long, None)
        .await
        .unwrap();

    // Interest: counted with with_user_count, listed by the users route.
    sandbox
        .mark_interested(made.id.get(), alice.id, true)
        .unwrap();
    assert!(sandbox.mark_interested(made.id.get(), 12345, true).is_err());
    let counted = http
        .get_scheduled_event(guild_id, made.id, true)
        .await
        .unwrap();
    assert_eq!(counted.user_count, Some(1));
    let uncounted = http
        .get_scheduled_event(guild_id, made.id, false)
        .await
        .unwrap();
    assert_eq!(uncounted.user_count, None);
    let users = http
        .get_scheduled_event_users(guild_id, made.id, Some(100), None, Some(false))
        .await
        .unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].user.id.get(), alice.id);
    let listed = http.get_scheduled_events(guild_id, true).await.unwrap();
    assert_eq!(listed.len(), 4);

    // Edit and delete; then it is unknown (10070).
    let edited = http
        .edit_scheduled_event(
            guild_id,
            made.id,
            &serenity::EditScheduledEvent::new().name("Tea and cake"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(edited.name, "Tea and cake");
    http.delete_scheduled_event(guild_id, made.id)
        .await
        .unwrap();
    let gone = http.get_scheduled_event(guild_id, made.id, false).await;
    assert_eq!(error_code(gone.unwrap_err()), (404, 10070));

    // Without Create Events: 403/50013.
    sandbox.set_bot_can_create_events(guild.id, false);
    let refused = http.create_scheduled_event(guild_id, &external, None).await;
    assert_eq!(error_code(refused.unwrap_err()), (403, 50013));
    let refused = http.delete_scheduled_event(guild_id, call.id).await;
    assert_eq!(error_code(refused.unwrap_err()), (403, 50013));
}

/// What the fake answers with matches Discord's own schemas for a scheduled event, and the
/// gateway events reach a bot that asked for the GUILD_SCHEDULED_EVENTS intent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduled_event_payloads_match_discords_schemas_and_reach_the_gateway() {
    let bot = TestBot::start_at(utc("2026-06-10T09:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    let voice = bot
        .sandbox
        .add_voice_channel(team.guild.id, "Lounge", false);
    let channel = json!({"name": "channel", "type": 7, "value": voice.id.to_string()});
    for options in [
        event_options("Tea", "tomorrow 18:00", &[text("place", "Kitchen")]),
        event_options("Call", "tomorrow 19:00", &[channel]),
    ] {
        let reply = bot
            .sandbox
            .slash(&team.admin, "event", options)
            .await
            .unwrap();
        assert!(reply.text().contains("Done"), "{}", reply.text());
    }
    let events = bot.sandbox.scheduled_events(team.guild.id);
    let event_id: u64 = events[0]["id"].as_str().unwrap().parse().unwrap();
    bot.sandbox
        .mark_interested(event_id, team.members[1].user.id, true)
        .unwrap();
    assert_eq!(interest_reaches(&bot, EventId(event_id), 1).await, 1);
    let sent: Vec<String> = bot
        .sandbox
        .frames()
        .into_iter()
        .filter_map(|f| f.event)
        .filter(|e| e.starts_with("GUILD_SCHEDULED_EVENT"))
        .collect();
    assert_eq!(
        sent,
        [
            "GUILD_SCHEDULED_EVENT_CREATE",
            "GUILD_SCHEDULED_EVENT_CREATE",
            "GUILD_SCHEDULED_EVENT_USER_ADD"
        ]
    );
    if let Some(file) = bot.sandbox.openapi_file() {
        let spec = fake_discord::openapi::OpenApi::load(file).unwrap();
        for (event, schema) in events.iter().zip([
            "ExternalScheduledEventResponse",
            "VoiceScheduledEventResponse",
        ]) {
            if let Err(problems) = spec.check_schema(schema, event) {
                panic!("{schema}: {problems:?}\n{event:#}");
            }
        }
    } else {
        eprintln!("Discord's OpenAPI description is not available: schemas not checked");
    }
    bot.finish().await;
}

/// Every query of the events table, on both databases.
async fn events_keep_their_times_counts_and_claims_in_the_store(db: crate::helpers::TestDb) {
    use smallacts::ids::{ChannelId, RoleId};
    use smallacts::store::{EventChange, NewEvent};
    let store = &db.store;
    let guild = GuildId(4_242);
    store
        .upsert_server(guild, "Team", None, "Europe/London", 0)
        .await
        .unwrap();
    let hour = 3_600_000;
    let event = EventId(77);
    store
        .insert_event(&NewEvent {
            event_id: event,
            guild_id: guild,
            channel_id: ChannelId(5),
            title: "Walk",
            starts_at: 10 * hour,
            ends_at: 11 * hour,
            created_at: 0,
            reminded_at: None,
        })
        .await
        .unwrap();
    assert_eq!(store.next_event_due().await.unwrap(), Some(9 * hour));
    assert!(
        store
            .events_due_reminder(9 * hour - 1, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.events_due_reminder(9 * hour, 10).await.unwrap().len(),
        1
    );
    store.mark_event_reminded(event, 9 * hour).await.unwrap();
    assert!(
        store
            .events_due_reminder(9 * hour, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.next_event_due().await.unwrap(), Some(11 * hour));
    assert!(store.set_event_interest(event, 3).await.unwrap());
    assert!(!store.set_event_interest(EventId(78), 3).await.unwrap());
    // Moved in Discord, then cancelled, then restored.
    let mut change = EventChange {
        title: "Longer walk",
        starts_at: 10 * hour,
        ends_at: 12 * hour,
        cancelled: false,
    };
    assert!(store.change_event(event, &change, 1).await.unwrap());
    assert!(
        store
            .events_due_thanks(11 * hour, 10)
            .await
            .unwrap()
            .is_empty()
    );
    change.cancelled = true;
    store.change_event(event, &change, 2).await.unwrap();
    assert!(
        store
            .events_due_thanks(12 * hour, 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(store.open_events(guild).await.unwrap().is_empty());
    change.cancelled = false;
    store.change_event(event, &change, 3).await.unwrap();
    let due = store.events_due_thanks(12 * hour, 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].title.as_str(), due[0].interested),
        ("Longer walk", 3)
    );
    store.mark_event_thanked(event, 12 * hour).await.unwrap();
    assert_eq!(store.next_event_due().await.unwrap(), None);
    assert_eq!(
        store
            .events_held_between(guild, 0, 24 * hour)
            .await
            .unwrap(),
        [(12 * hour, 3)]
    );
    assert!(
        store
            .events_held_between(guild, 0, 12 * hour)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(store.event_host_role(guild).await.unwrap(), None);
    store
        .set_event_host_role(guild, Some(RoleId(9)))
        .await
        .unwrap();
    assert_eq!(store.event_host_role(guild).await.unwrap(), Some(RoleId(9)));
    store.set_event_host_role(guild, None).await.unwrap();
    assert_eq!(store.event_host_role(guild).await.unwrap(), None);
}

on_both_backends!(events_keep_their_times_counts_and_claims_in_the_store);
