//! Discord having a bad day during a rush: a storm of 500s, 502s with HTML bodies, 503s and
//! "ghost" creates (made, answer lost) across a hundred servers' daily posts. Every server
//! still gets its post exactly once: failures are retried with backoff, and a ghost is known to
//! be out from its own MESSAGE_CREATE, so it is never sent again. Prints its figures (see them
//! with `--no-capture`); RELIABILITY.md records them.

use std::time::Duration;

use fake_discord::{LostAnswer, RequestFilter};
use smallacts::calendar::Schedule;
use smallacts::ids::GuildId;
use smallacts::store::DailyChange;

use crate::bot::TestBot;
use crate::daily::daily_posts;
use crate::helpers::utc;

const SERVERS: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_5xx_storm_in_a_100_server_rush_still_posts_each_server_exactly_once() {
    let bot = TestBot::start_at(utc("2026-05-04T07:00:00Z"), |_| {}).await;
    let sandbox = &bot.sandbox;
    let store = &bot.db.store;
    let guilds: Vec<_> = (0..SERVERS)
        .map(|n| sandbox.add_guild(&format!("Team {n}"), vec![]))
        .collect();
    for _ in 0..500 {
        if store.active_server_count().await.unwrap() as usize == SERVERS {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let due = utc("2026-05-04T08:00:00Z");
    let schedule = Schedule::daily("09:00", "every").unwrap().to_storage();
    for guild in &guilds {
        let change = DailyChange {
            channel_id: Some(smallacts::ids::ChannelId(guild.channels[0].id)),
            schedule: Some(schedule.clone()),
            next_at: Some(Some(due.timestamp_millis())),
            ..Default::default()
        };
        store
            .change_daily(GuildId(guild.id), &change, due.timestamp_millis())
            .await
            .unwrap();
    }
    // The storm: every kind of server error Discord's edge gives, 140 requests' worth, with
    // ten ghosts among them.
    let posts = || RequestFilter::new("POST", "/channels/");
    sandbox.fail_next(40, 500, posts());
    sandbox.ghost_next_creates(10, LostAnswer::Status(502), posts());
    sandbox.fail_next(40, 502, posts());
    sandbox.fail_next(50, 503, posts());

    // Each fault is used up by the requests it meets, windows first: the ghosts come on the
    // first retries, a minute after the posts were due.
    let first = bot.tick_at(due).await;
    let mut retried = bot
        .tick_at(due + chrono::Duration::minutes(1))
        .await
        .retried;
    // The ghosts' own MESSAGE_CREATEs arrive over the gateway: wait until they are recorded.
    let confirmed =
        crate::helpers::counter_reaching(&bot, "smallacts_lost_answers_confirmed_total", 10).await;
    // Most ghosts are only known to be out from their own MESSAGE_CREATE (a few may be seen
    // to be out by serenity's own retry meeting Discord's nonce check).
    assert!(
        confirmed >= 1,
        "ghosts confirmed by the gateway: {confirmed}"
    );
    let mut last_post = due + chrono::Duration::minutes(1);
    for minutes in [5, 21] {
        let at = due + chrono::Duration::minutes(minutes);
        let report = bot.tick_at(at).await;
        retried += report.retried;
        if report.posted > 0 {
            last_post = at;
        }
    }
    let counts: Vec<usize> = guilds
        .iter()
        .map(|g| daily_posts(sandbox, g.channels[0].id).len())
        .collect();
    let missing = counts.iter().filter(|n| **n == 0).count();
    let duplicates = counts.iter().filter(|n| **n > 1).count();
    let failed_requests = sandbox
        .requests()
        .iter()
        .filter(|r| r.status >= 500 || r.status == 0)
        .count();
    eprintln!(
        "5xx storm: {SERVERS} servers, {failed_requests} requests answered 5xx (10 of them ghosts), {} posted at 09:00, {retried} retries, {confirmed} ghosts known from their MESSAGE_CREATE, last post {} min after it was due; {missing} missing, {duplicates} duplicated, {} threads",
        first.posted,
        (last_post - due).num_minutes(),
        sandbox.threads().len(),
    );
    assert_eq!(failed_requests, 140);
    assert_eq!((missing, duplicates), (0, 0), "{counts:?}");
    assert_eq!(
        sandbox.threads().len(),
        SERVERS,
        "every post has its thread"
    );
    assert!(
        sandbox.dms_to(guilds[0].owner_id).is_empty(),
        "nobody is alerted about a failure that passed"
    );
    bot.finish().await;
}
