//! The bot's HTTP paths to Discord and what goes wrong on them: production's (serenity's own
//! rate limiter, HTTPS to discord.com) and the proxy path (a shared rate-limit proxy, serenity's
//! limiter off); Discord's rate limits as Discord sends them; 5xx windows, ghost creates,
//! forced 429s and a gateway gone silent, from the fake Discord's fault harness.

use std::time::Duration;

use fake_discord::{
    DISCORD_HOST, LostAnswer, RecordedRequest, RequestFilter, RouteLimit, Sandbox, SandboxOptions,
};
use poise::serenity_prelude as serenity;
use serde_json::{Value, json};
use smallacts::against_fake::HttpPath;
use smallacts::ids::GuildId;

use crate::bot::TestBot;
use crate::daily::{daily_posts, setup, team};
use crate::helpers::utc;

/// A reqwest client that reaches the fake as https://discord.com, as the bot's does.
fn discord_client(sandbox: &Sandbox) -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .resolve(DISCORD_HOST, sandbox.discord_addr())
        .add_root_certificate(reqwest::Certificate::from_pem(sandbox.ca_pem().as_bytes()).unwrap())
        .build()
        .unwrap()
}

/// serenity's HTTP client on production's path (its own rate limiter on) to the fake.
fn serenity_http(sandbox: &Sandbox) -> serenity::Http {
    serenity::HttpBuilder::new(sandbox.token())
        .client(discord_client(sandbox))
        .build()
}

/// The requests for one method and path, in the order they arrived.
fn requests_for(sandbox: &Sandbox, method: &str, path: &str) -> Vec<RecordedRequest> {
    sandbox
        .requests()
        .into_iter()
        .filter(|r| r.method == method && r.path == path)
        .collect()
}

async fn idea(bot: &TestBot) {
    let user = bot.sandbox.new_user("Asha");
    let guild = bot.sandbox.add_guild("Willow House", vec![user.clone()]);
    let reply = bot
        .sandbox
        .slash(&bot.sandbox.member(&guild, &user), "idea", json!([]))
        .await
        .unwrap();
    assert!(reply.ephemeral(), "an /idea answer: {}", reply.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_speaks_https_to_discord_com_with_serenitys_own_limiter() {
    let bot = TestBot::start().await;
    idea(&bot).await;
    let requests = bot.sandbox.requests();
    assert!(
        requests.iter().any(|r| r.path == "/gateway"),
        "the gateway URL comes from GET /gateway"
    );
    for request in &requests {
        assert_eq!(
            request.tls_server_name.as_deref(),
            Some(DISCORD_HOST),
            "{} {} came over plain HTTP",
            request.method,
            request.path
        );
        assert_eq!(request.host.as_deref(), Some(DISCORD_HOST));
    }
    let (tls, all) = bot.sandbox.tls_request_counts();
    assert!(tls > 3 && tls == all, "{tls} of {all} over TLS");
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_proxy_path_still_works_and_speaks_plain_http_to_the_proxy() {
    let bot = TestBot::start_on(HttpPath::Proxy, utc("2026-05-04T07:00:00Z"), |_| {}).await;
    idea(&bot).await;
    let team = team(&bot).await;
    setup(&bot, &team, "09:00", vec![]).await;
    assert_eq!(bot.tick_at(utc("2026-05-04T08:00:00Z")).await.posted, 1);
    assert_eq!(daily_posts(&bot.sandbox, team.daily).len(), 1);
    let (tls, all) = bot.sandbox.tls_request_counts();
    assert_eq!(tls, 0, "the proxy path goes to discord.api_url");
    assert!(all > 3);
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_the_production_path_too_a_missing_gateway_url_stops_start_up() {
    use smallacts::settings::{DatabaseUrl, Settings};
    let db = crate::helpers::TestDb::sqlite().await;
    let mut settings = Settings::defaults();
    settings.database.url = DatabaseUrl::new(db.url.clone());
    settings.http.listen = String::new();
    settings.web.listen = String::new();
    // discord.com is said to be where nothing listens: no gateway URL, and no wandering off
    // to Discord's real gateway either.
    settings.discord.resolve = "discord.com=127.0.0.1:9".into();
    settings.token = Some(secrecy::SecretString::from("secret-token-do-not-log"));
    let app = smallacts::startup::Application::build(
        settings,
        std::sync::Arc::new(smallacts::clock::SystemClock),
    )
    .await
    .unwrap();
    let err = app.start().await.err().expect("must fail").to_string();
    assert!(err.contains("cannot get the gateway URL"), "{err}");
    assert!(err.contains("discord.resolve"), "{err}");
    assert!(!err.contains("secret-token"), "never the token: {err}");
}

/// A route 429 and then a global one with `retry_after: 1.5` on the daily post: the next
/// attempt at the post arrives no earlier than 1.5 s after each 429 was answered, and nothing
/// else is sent meanwhile (no further 429).
async fn retry_after_is_waited_out(path: HttpPath) {
    let bot = TestBot::start_on(path, utc("2026-05-04T07:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    setup(&bot, &team, "09:00", vec![]).await;
    let post = format!("/channels/{}/messages", team.daily);
    bot.sandbox
        .force_rate_limit(1.5, false, RequestFilter::create_message(team.daily));
    assert_eq!(bot.tick_at(utc("2026-05-04T08:00:00Z")).await.posted, 1);
    // The next day, a global 429.
    bot.sandbox
        .force_rate_limit(1.5, true, RequestFilter::create_message(team.daily));
    assert_eq!(bot.tick_at(utc("2026-05-05T08:00:00Z")).await.posted, 1);
    assert_eq!(bot.sandbox.pending_faults(), 0);

    let attempts = requests_for(&bot.sandbox, "POST", &post);
    let statuses: Vec<u16> = attempts.iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![429, 200, 429, 200], "{path:?}");
    for pair in [(0, 1), (2, 3)] {
        let waited = attempts[pair.1]
            .received_at
            .duration_since(attempts[pair.0].answered_at);
        assert!(
            waited >= Duration::from_millis(1500),
            "{path:?}: tried again after {waited:?}, Discord said 1.5 s"
        );
    }
    assert_eq!(
        bot.sandbox.rate_limited_count(),
        2,
        "{path:?}: nothing was sent into a held bucket"
    );
    assert_eq!(daily_posts(&bot.sandbox, team.daily).len(), 2);
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_waited_out_on_the_production_path() {
    retry_after_is_waited_out(HttpPath::Production).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_waited_out_on_the_proxy_path() {
    retry_after_is_waited_out(HttpPath::Proxy).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_posts_to_one_channel_wait_for_the_bucket_instead_of_meeting_429s() {
    let bot = TestBot::start_at(utc("2026-11-23T06:00:00Z"), |_| {}).await;
    let team = crate::checkins::care_team(&bot, &["Asha", "Ben"]).await;
    // Seven check-ins in one channel at the same minute: seven posts, where Discord allows
    // five per five seconds.
    for _ in 0..7 {
        crate::checkins::add_checkin(&bot, &team, "daily 09:00", "Anonymous pulse only").await;
    }
    bot.tick_at(utc("2026-11-23T09:00:00Z")).await;
    let post = format!("/channels/{}/messages", team.channel);
    let attempts = requests_for(&bot.sandbox, "POST", &post);
    assert_eq!(attempts.len(), 7, "seven posts, each sent once");
    assert!(attempts.iter().all(|r| r.status == 200));
    assert_eq!(
        bot.sandbox.rate_limited_count(),
        0,
        "serenity waited instead"
    );
    let spread = attempts[5]
        .received_at
        .duration_since(attempts[0].received_at);
    assert!(
        spread >= Duration::from_millis(4990),
        "the sixth post waited for the bucket to reset: {spread:?}"
    );
    assert_eq!(bot.sandbox.channel_messages(team.channel).len(), 7);
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_daily_post_that_meets_a_5xx_window_is_retried_and_goes_out() {
    let bot = TestBot::start_at(utc("2026-05-04T07:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    setup(&bot, &team, "09:00", vec![]).await;
    bot.sandbox
        .fail_next(2, 503, RequestFilter::create_message(team.daily));
    let first = bot.tick_at(utc("2026-05-04T08:00:00Z")).await;
    assert_eq!(first.posted, 0);
    assert!(daily_posts(&bot.sandbox, team.daily).is_empty());
    let posts = bot.posts_of(team.guild.id).await;
    assert_eq!(posts[0].status, "failed");
    // Not yet: the retry waits a minute.
    assert_eq!(bot.tick_at(utc("2026-05-04T08:00:30Z")).await.posted, 0);
    // A minute on it meets the window's second 503 and is put off again (4 minutes); then
    // it goes out, once.
    assert_eq!(bot.tick_at(utc("2026-05-04T08:01:00Z")).await.posted, 0);
    assert_eq!(bot.tick_at(utc("2026-05-04T08:05:00Z")).await.posted, 1);
    assert_eq!(daily_posts(&bot.sandbox, team.daily).len(), 1);
    let posts = bot.posts_of(team.guild.id).await;
    assert_eq!(posts[0].status, "sent");
    assert_eq!(bot.sandbox.threads().len(), 1, "and its thread");
    assert!(
        bot.sandbox.dms_to(team.guild.owner_id).is_empty(),
        "no admin alert for a passing failure"
    );
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_502_with_an_html_body_is_transient_not_a_refusal() {
    for path in [HttpPath::Production, HttpPath::Proxy] {
        let bot = TestBot::start_on(path, utc("2026-05-04T07:00:00Z"), |_| {}).await;
        let team = team(&bot).await;
        setup(&bot, &team, "09:00", vec![]).await;
        bot.sandbox
            .fail_next(1, 502, RequestFilter::create_message(team.daily));
        assert_eq!(bot.tick_at(utc("2026-05-04T08:00:00Z")).await.posted, 0);
        let posts = bot.posts_of(team.guild.id).await;
        let failure = posts[0].failure.clone().unwrap_or_default();
        assert!(
            failure.contains("busy or unreachable") && failure.contains("502"),
            "{path:?}: {failure}"
        );
        assert!(!failure.contains("refused"), "{path:?}: {failure}");
        assert!(bot.sandbox.dms_to(team.guild.owner_id).is_empty());
        // Retried in a minute, not before.
        assert_eq!(bot.tick_at(utc("2026-05-04T08:00:30Z")).await.retried, 0);
        assert_eq!(bot.tick_at(utc("2026-05-04T08:01:00Z")).await.posted, 1);
        bot.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_ghost_create_is_confirmed_by_its_own_message_create_and_never_sent_again() {
    let bot = TestBot::start_at(utc("2026-05-04T07:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    setup(&bot, &team, "09:00", vec![]).await;
    bot.sandbox.ghost_next_creates(
        1,
        LostAnswer::DropConnection,
        RequestFilter::create_message(team.daily),
    );
    // Counted as posted or failed depending on which reached the bot first, its own
    // MESSAGE_CREATE or the lost answer: either way it is out, once (checked below).
    let first = bot.tick_at(utc("2026-05-04T08:00:00Z")).await;
    assert_eq!(first.posted + first.failed, 1, "{first:?}");
    let post = format!("/channels/{}/messages", team.daily);
    assert_eq!(
        requests_for(&bot.sandbox, "POST", &post)[0].status,
        0,
        "no answer at all"
    );
    // The message was made all the same, and Discord told the bot over the gateway.
    let made = bot.sandbox.channel_messages(team.daily);
    assert_eq!(made.len(), 1);
    let nonce = made[0]["nonce"].as_str().unwrap().to_owned();
    assert!(bot.sandbox.frames().iter().any(|f| {
        f.event.as_deref() == Some("MESSAGE_CREATE") && f.payload["d"]["nonce"] == nonce.as_str()
    }));
    // That MESSAGE_CREATE is how the bot knows the post is out: recorded as sent, with the
    // message Discord made.
    let guild = GuildId(team.guild.id);
    let mut record = None;
    for _ in 0..750 {
        let posts = bot.db.store.posts_for(guild).await.unwrap();
        if posts[0].status == "sent" {
            record = Some(posts[0].clone());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let record = record.expect("the gateway's MESSAGE_CREATE recorded the post as sent");
    assert_eq!(
        record.message_id.map(|m| m.to_string()),
        made[0]["id"].as_str().map(str::to_owned)
    );
    // So none of the retries (1, 4 and 16 minutes on, when Discord's nonce check would long
    // have lapsed) sends it again; the day's thread is still opened, once.
    for at in [
        "2026-05-04T08:01:00Z",
        "2026-05-04T08:05:00Z",
        "2026-05-04T08:21:00Z",
    ] {
        let report = bot.tick_at(utc(at)).await;
        assert_eq!((report.posted, report.retried), (0, 0), "{at}: {report:?}");
    }
    assert_eq!(requests_for(&bot.sandbox, "POST", &post).len(), 1);
    assert_eq!(daily_posts(&bot.sandbox, team.daily).len(), 1);
    assert_eq!(bot.sandbox.threads().len(), 1, "the day's wins thread");
    let record = bot.db.store.post_by_id(record.id).await.unwrap().unwrap();
    assert!(
        record.thread_id.is_some() && record.thread_name.is_none(),
        "{record:?}"
    );
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bots_own_messages_come_back_with_their_nonce_and_are_not_wins() {
    let bot = TestBot::start_at(utc("2026-05-04T07:00:00Z"), |_| {}).await;
    let team = team(&bot).await;
    setup(&bot, &team, "09:00", vec![]).await;
    bot.tick_at(utc("2026-05-04T08:00:00Z")).await;
    let post = daily_posts(&bot.sandbox, team.daily).pop().unwrap();
    let sent = requests_for(
        &bot.sandbox,
        "POST",
        &format!("/channels/{}/messages", team.daily),
    );
    let nonce = sent[0].body.as_ref().unwrap()["nonce"].clone();
    assert!(nonce.is_string(), "the bot sends a nonce");
    let echoed: Vec<Value> = bot
        .sandbox
        .frames()
        .into_iter()
        .filter(|f| f.event.as_deref() == Some("MESSAGE_CREATE"))
        .map(|f| f.payload["d"].clone())
        .collect();
    assert_eq!(echoed.len(), 1, "{echoed:?}");
    assert_eq!(echoed[0]["id"], post["id"]);
    assert_eq!(echoed[0]["nonce"], nonce);
    assert_eq!(echoed[0]["author"]["bot"], true);
    // The bot has handled it (the counter moves) and did not take its own post for a win.
    let seen = crate::helpers::counter_reaching(&bot, "smallacts_messages_seen_total", 1).await;
    assert_eq!(seen, 1);
    let id: smallacts::ids::MessageId = post["id"].as_str().unwrap().parse().unwrap();
    assert!(bot.db.store.win_from_message(id).await.unwrap().is_none());
    bot.finish().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_gateway_is_noticed_and_the_bot_reconnects() {
    let bot = TestBot::start().await;
    // Short heartbeats from the next session on (serenity keeps a session's first interval
    // across resumes), so a missed ACK shows within a second.
    bot.sandbox
        .set_heartbeat_interval(Duration::from_millis(300));
    let before = bot.sandbox.identify_and_resume_counts();
    bot.sandbox.invalidate_session();
    let counts = bot.sandbox.wait_for_new_connection(before).await.unwrap();
    bot.sandbox.silence_gateway();
    let after = bot.sandbox.wait_for_new_connection(counts).await.unwrap();
    assert!(after.0 + after.1 > counts.0 + counts.1);
    // serenity 0.12.5 treats a zombied connection by restarting the shard: a new IDENTIFY,
    // not a RESUME (Discord's docs ask for a resume); either way the bot is back.
    bot.sandbox.wait_until_ready().await.unwrap();
    idea(&bot).await;
    bot.finish().await;
}

/// The fake Discord itself, through a plain HTTPS client and serenity's production client.
mod the_fake_limits_as_discord_documents {
    use super::*;

    #[tokio::test]
    async fn every_answer_carries_rate_limit_headers_and_a_429_says_how_long() {
        let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
        let guild = sandbox.add_guild("Team", vec![]);
        let client = discord_client(&sandbox);
        let url = format!(
            "https://discord.com/api/v10/channels/{}/messages",
            guild.channels[0].id
        );
        let auth = format!("Bot {}", sandbox.token());
        let mut answers = Vec::new();
        for n in 0..6 {
            let answer = client
                .post(&url)
                .header("authorization", &auth)
                .header("content-type", "application/json")
                .body(json!({"content": format!("{n}")}).to_string())
                .send()
                .await
                .unwrap();
            let headers = answer.headers().clone();
            let status = answer.status().as_u16();
            let body: Value = serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap();
            answers.push((status, headers, body));
        }
        for (n, (status, headers, _)) in answers.iter().take(5).enumerate() {
            assert_eq!(*status, 200);
            assert_eq!(headers["x-ratelimit-limit"], "5");
            assert_eq!(
                headers["x-ratelimit-remaining"],
                (4 - n).to_string().as_str()
            );
            let reset_after: f64 = headers["x-ratelimit-reset-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!(reset_after > 0.0 && reset_after <= 5.0);
            assert!(headers.contains_key("x-ratelimit-reset"));
            assert!(headers.contains_key("x-ratelimit-bucket"));
            assert!(!headers.contains_key("x-ratelimit-scope"));
        }
        let (status, headers, body) = &answers[5];
        assert_eq!(*status, 429);
        assert_eq!(headers["x-ratelimit-scope"], "user");
        assert_eq!(headers["x-ratelimit-remaining"], "0");
        assert!(!headers.contains_key("x-ratelimit-global"));
        let retry_after = body["retry_after"].as_f64().unwrap();
        assert!(retry_after > 0.0 && retry_after <= 5.0, "{body}");
        assert_eq!(body["global"], false);
        assert_eq!(body["message"], "You are being rate limited.");
        let whole: f64 = headers["retry-after"].to_str().unwrap().parse().unwrap();
        assert_eq!(
            whole,
            retry_after.ceil(),
            "Retry-After is whole seconds, rounded up"
        );

        // The global limit, when set.
        sandbox.set_rate_limit(Some(1));
        let mut last = None;
        for _ in 0..2 {
            last = Some(
                client
                    .get("https://discord.com/api/v10/users/@me")
                    .header("authorization", &auth)
                    .send()
                    .await
                    .unwrap(),
            );
        }
        let limited = last.unwrap();
        assert_eq!(limited.status().as_u16(), 429);
        assert_eq!(limited.headers()["x-ratelimit-global"], "true");
        assert_eq!(limited.headers()["x-ratelimit-scope"], "global");
        let body: Value = serde_json::from_slice(&limited.bytes().await.unwrap()).unwrap();
        assert_eq!(body["global"], true);
    }

    #[tokio::test]
    async fn serenitys_limiter_waits_for_a_tight_bucket() {
        let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
        sandbox.set_route_limit(
            "POST /channels/{channel.id}/messages",
            RouteLimit {
                limit: 2,
                per: Duration::from_millis(800),
            },
        );
        let guild = sandbox.add_guild("Team", vec![]);
        let channel = serenity::ChannelId::new(guild.channels[0].id);
        let http = serenity_http(&sandbox);
        for n in 0..5 {
            channel
                .send_message(
                    &http,
                    serenity::CreateMessage::new().content(format!("{n}")),
                )
                .await
                .unwrap();
        }
        assert_eq!(sandbox.rate_limited_count(), 0);
        let attempts = requests_for(
            &sandbox,
            "POST",
            &format!("/channels/{}/messages", channel.get()),
        );
        assert_eq!(attempts.len(), 5);
        assert!(
            attempts[4]
                .received_at
                .duration_since(attempts[0].received_at)
                >= Duration::from_millis(1600),
            "two windows waited out"
        );
    }

    #[tokio::test]
    async fn server_errors_and_lost_answers_look_as_they_do_on_discord() {
        let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
        let guild = sandbox.add_guild("Team", vec![]);
        let channel = guild.channels[0].id;
        let client = discord_client(&sandbox);
        let url = format!("https://discord.com/api/v10/channels/{channel}/messages");
        let auth = format!("Bot {}", sandbox.token());
        let send = |body: Value| {
            client
                .post(&url)
                .header("authorization", &auth)
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
        };
        sandbox.fail_next(1, 502, RequestFilter::create_message(channel));
        sandbox.fail_next(1, 500, RequestFilter::new("POST", "/channels/"));
        let bad_gateway = send(json!({"content": "a"})).await.unwrap();
        assert_eq!(bad_gateway.status().as_u16(), 502);
        assert!(
            bad_gateway.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(
            bad_gateway
                .text()
                .await
                .unwrap()
                .contains("502 Bad Gateway")
        );
        let internal = send(json!({"content": "b"})).await.unwrap();
        assert_eq!(internal.status().as_u16(), 500);
        let body: Value = serde_json::from_slice(&internal.bytes().await.unwrap()).unwrap();
        assert_eq!(body["code"], 0);
        assert!(
            sandbox.channel_messages(channel).is_empty(),
            "nothing was made"
        );

        sandbox.ghost_next_creates(
            1,
            LostAnswer::Status(503),
            RequestFilter::create_message(channel),
        );
        sandbox.ghost_next_creates(
            1,
            LostAnswer::DropConnection,
            RequestFilter::create_message(channel),
        );
        let lost = send(json!({"content": "c", "nonce": "n-1"})).await.unwrap();
        assert_eq!(lost.status().as_u16(), 503);
        let dropped = match send(json!({"content": "d"})).await {
            Err(error) => error.to_string(),
            Ok(answer) => match answer.bytes().await {
                Err(error) => error.to_string(),
                Ok(bytes) => panic!("an answer came through: {bytes:?}"),
            },
        };
        assert!(!dropped.is_empty());
        let made = sandbox.channel_messages(channel);
        assert_eq!(made.len(), 2, "ghost creates are made all the same");
        assert_eq!(sandbox.pending_faults(), 0);
        let statuses: Vec<u16> = sandbox.requests().iter().map(|r| r.status).collect();
        assert_eq!(statuses, vec![502, 500, 503, 0]);
    }

    #[tokio::test]
    async fn channel_history_pages_as_documented_without_nonces() {
        let sandbox = Sandbox::start(SandboxOptions::default()).await.unwrap();
        let guild = sandbox.add_guild("Team", vec![]);
        let channel = serenity::ChannelId::new(guild.channels[0].id);
        let http = serenity_http(&sandbox);
        let mut ids = Vec::new();
        for n in 0..5 {
            let sent = channel
                .send_message(
                    &http,
                    serenity::CreateMessage::new()
                        .content(format!("m{n}"))
                        .nonce(serenity::Nonce::String(format!("nonce-{n}"))),
                )
                .await
                .unwrap();
            assert!(sent.nonce.is_some(), "the nonce is echoed on create");
            ids.push(sent.id);
        }
        let contents = |messages: &[serenity::Message]| -> Vec<String> {
            messages.iter().map(|m| m.content.clone()).collect()
        };
        let latest = channel
            .messages(&http, serenity::GetMessages::new().limit(2))
            .await
            .unwrap();
        assert_eq!(contents(&latest), ["m4", "m3"], "newest first");
        assert!(
            latest.iter().all(|m| m.nonce.is_none()),
            "no nonce in history"
        );
        let before = channel
            .messages(&http, serenity::GetMessages::new().before(ids[2]).limit(10))
            .await
            .unwrap();
        assert_eq!(contents(&before), ["m1", "m0"]);
        let after = channel
            .messages(&http, serenity::GetMessages::new().after(ids[1]).limit(2))
            .await
            .unwrap();
        assert_eq!(contents(&after), ["m3", "m2"]);
        let around = channel
            .messages(&http, serenity::GetMessages::new().around(ids[2]).limit(3))
            .await
            .unwrap();
        assert_eq!(contents(&around), ["m3", "m2", "m1"]);
        let nowhere = serenity::ChannelId::new(42)
            .messages(&http, serenity::GetMessages::new())
            .await;
        assert!(nowhere.is_err());
    }
}
