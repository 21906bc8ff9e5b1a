//! The impact figures on both backends: the tallies they are read from stay equal to a count
//! of the wins themselves whatever adds or removes wins, and `recap::impact` gives the
//! figures the export always gave.

use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};
use smallacts::acts::{Act, Setting, Size, Way};
use smallacts::ids::{ActId, ChannelId, GuildId, MemberId, MessageId, PostId};
use smallacts::recap::{Impact, ImpactWeek, impact};
use smallacts::store::{Claim, NewWin, Store};

use crate::helpers::{TestDb, lease, new_post, utc};
use crate::on_both_backends;

const LONDON: GuildId = GuildId(1_200_000_000_000_000_001);
const AUCKLAND: GuildId = GuildId(1_200_000_000_000_000_002);
const LEAVING: GuildId = GuildId(1_200_000_000_000_000_003);

fn ms(at: &str) -> i64 {
    utc(at).timestamp_millis()
}

fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

fn act(slug: &str, size: Size, way: Way) -> Act {
    Act {
        slug: slug.into(),
        text: format!("Do the kind thing called {slug}."),
        size,
        way,
        settings: vec![Setting::Anywhere],
        needs: vec![],
    }
}

async fn server(store: &Store, guild: GuildId, zone: &str) {
    store
        .upsert_server(guild, "Team", None, zone, ms("2026-01-01T00:00:00Z"))
        .await
        .unwrap();
}

/// Catalogue acts by slug.
async fn act_id(store: &Store, slug: &str) -> ActId {
    store
        .active_acts(None)
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.act.slug == slug)
        .unwrap()
        .id
}

struct Win<'a> {
    guild: GuildId,
    member: u64,
    at: &'a str,
    act: Option<ActId>,
    source: &'a str,
    post: Option<PostId>,
    message: Option<u64>,
}

async fn store_win(store: &Store, win: Win<'_>) -> smallacts::ids::WinId {
    store
        .insert_win(
            &NewWin {
                guild_id: win.guild,
                member_id: MemberId(win.member),
                post_id: win.post,
                act_id: win.act,
                source: win.source,
                visibility: "anonymous",
                text: Some("kind words"),
                message_id: win.message.map(MessageId),
            },
            ms(win.at),
        )
        .await
        .unwrap()
}

/// A command win.
fn command<'a>(guild: GuildId, member: u64, at: &'a str, act: Option<ActId>) -> Win<'a> {
    Win {
        guild,
        member,
        at,
        act,
        source: "command",
        post: None,
        message: None,
    }
}

/// The tallies of every server equal a count of its wins, and hold `wins` wins in all.
async fn tallies_agree(store: &Store, guilds: &[GuildId], wins: i64) {
    let mut total = 0;
    for guild in guilds {
        let tallies = store.tallies(*guild).await.unwrap();
        let counted = store.tallies_counted_from_wins(*guild).await.unwrap();
        assert_eq!(tallies, counted, "server {guild}");
        assert!(tallies.days.iter().all(|d| d.wins > 0));
        total += tallies.days.iter().map(|d| d.wins).sum::<i64>();
        assert!(tallies.weeks.iter().all(|w| w.wins > 0));
        assert_eq!(
            tallies.member_weeks.iter().map(|m| m.wins).sum::<i64>(),
            tallies.days.iter().map(|d| d.wins).sum::<i64>()
        );
        assert_eq!(
            tallies.weeks.iter().map(|w| w.wins).sum::<i64>(),
            tallies.days.iter().map(|d| d.wins).sum::<i64>()
        );
        assert_eq!(
            store.count_done_between(*guild, 0, i64::MAX).await.unwrap(),
            tallies.days.iter().map(|d| d.wins).sum::<i64>(),
            "every win of {guild} is counted"
        );
    }
    assert_eq!(total, wins);
}

/// Wins come in from every source and go out every way (a member's deletion, a deleted
/// message, `/privacy forget`, retention, a server leaving and its data expiring, an act
/// changing size), and after each the tallies equal a count from the wins.
async fn tallies_follow_every_way_wins_come_and_go(db: TestDb) {
    let store = &db.store;
    server(store, LONDON, "Europe/London").await;
    server(store, AUCKLAND, "Pacific/Auckland").await;
    server(store, LEAVING, "America/New_York").await;
    let t0 = ms("2026-01-01T00:00:00Z");
    store
        .sync_catalogue(
            &[
                act("hello", Size::Smallest, Way::Connect),
                act("walk", Size::Small, Way::BeActive),
                act("notice", Size::Smaller, Way::TakeNotice),
            ],
            t0,
        )
        .await
        .unwrap();
    let (hello, walk, notice) = (
        act_id(store, "hello").await,
        act_id(store, "walk").await,
        act_id(store, "notice").await,
    );
    // An act of the server that will leave, which a win elsewhere names (it should not
    // happen, but the tallies must follow if it does).
    let theirs = store
        .add_server_act(
            LEAVING,
            &act("their-own", Size::Small, Way::Give),
            "admin",
            t0,
        )
        .await
        .unwrap();

    // "I did it" on a daily post, replies, commands with and without an act.
    let post = match store
        .claim_post(
            &new_post(LONDON, "daily", "2026-06-01", ms("2026-06-01T08:00:00Z")),
            &lease("test", t0),
            t0,
        )
        .await
        .unwrap()
    {
        Claim::Won(id) => id,
        Claim::AlreadyClaimed => unreachable!(),
    };
    let mut wins = 0;
    for member in 1..=4 {
        store_win(
            store,
            Win {
                source: "button",
                post: Some(post),
                ..command(LONDON, member, "2026-06-01T09:00:00Z", Some(hello))
            },
        )
        .await;
        wins += 1;
    }
    for (n, at) in [
        "2026-05-31T22:59:00Z", // Sunday 23:59 BST: the week of 25 May
        "2026-05-31T23:00:00Z", // Monday 00:00 BST: the week of 1 June
        "2026-06-03T12:00:00Z",
    ]
    .iter()
    .enumerate()
    {
        store_win(
            store,
            Win {
                source: "reply",
                message: Some(100 + n as u64),
                ..command(LONDON, 5, at, Some(walk))
            },
        )
        .await;
        wins += 1;
    }
    let own = store_win(store, command(LONDON, 6, "2026-06-02T10:00:00Z", None)).await;
    store_win(
        store,
        command(LONDON, 6, "2026-06-02T11:00:00Z", Some(notice)),
    )
    .await;
    store_win(
        store,
        command(LONDON, 7, "2026-06-04T11:00:00Z", Some(theirs)),
    )
    .await;
    // Auckland is a day ahead: Sunday 23:30 there is Sunday 11:30 UTC.
    store_win(
        store,
        command(AUCKLAND, 1, "2026-06-07T11:30:00Z", Some(hello)),
    )
    .await;
    store_win(
        store,
        command(AUCKLAND, 1, "2026-06-07T12:30:00Z", Some(hello)),
    )
    .await;
    store_win(
        store,
        command(LEAVING, 1, "2026-06-02T12:00:00Z", Some(theirs)),
    )
    .await;
    wins += 6;
    // Many at once, as the benchmarks store them.
    let bulk: Vec<(MemberId, i64, Option<ActId>)> = (0..300)
        .map(|n| {
            (
                MemberId(10 + n % 7),
                ms("2026-04-01T00:00:00Z") + n as i64 * 3_600_000,
                [Some(hello), Some(walk), None][n as usize % 3],
            )
        })
        .collect();
    store.insert_wins_for_bench(AUCKLAND, &bulk).await.unwrap();
    wins += 300;
    let guilds = [LONDON, AUCKLAND, LEAVING];
    tallies_agree(store, &guilds, wins).await;
    let days = store.tallies(LONDON).await.unwrap().days;
    assert!(
        days.iter()
            .any(|d| d.local_date == "2026-06-02" && d.size.is_empty() && d.way.is_empty()),
        "a win without act is tallied with '' and '': {days:?}"
    );
    assert!(days.iter().any(|d| d.local_date == "2026-05-31"));
    let auckland = store.tallies(AUCKLAND).await.unwrap();
    assert!(
        auckland
            .days
            .iter()
            .any(|d| d.local_date == "2026-06-07" && d.wins == 1)
            && auckland
                .days
                .iter()
                .any(|d| d.local_date == "2026-06-08" && d.wins == 1),
        "dated in the server's zone: {:?}",
        auckland.days
    );

    // A member deletes their own win (and not someone else's).
    assert!(!store.delete_member_win(own, MemberId(5)).await.unwrap());
    assert!(store.delete_member_win(own, MemberId(6)).await.unwrap());
    wins -= 1;
    tallies_agree(store, &guilds, wins).await;
    // A collected reply's message is deleted.
    assert!(store.delete_win_from_message(MessageId(101)).await.unwrap());
    wins -= 1;
    tallies_agree(store, &guilds, wins).await;
    // An act changes size and Way in the catalogue: its past wins move with it.
    store
        .sync_catalogue(
            &[
                act("hello", Size::Small, Way::Give),
                act("walk", Size::Small, Way::BeActive),
                act("notice", Size::Smaller, Way::TakeNotice),
            ],
            t0,
        )
        .await
        .unwrap();
    tallies_agree(store, &guilds, wins).await;
    assert!(
        !store
            .tallies(LONDON)
            .await
            .unwrap()
            .days
            .iter()
            .any(|d| d.size == "smallest"),
        "no win is smallest any more"
    );
    // /privacy forget: their wins and their weeks go.
    let report = store.forget_member(MemberId(5)).await.unwrap();
    assert_eq!(report.wins, 2);
    wins -= 2;
    tallies_agree(store, &guilds, wins).await;
    assert!(
        store
            .rows_naming_member(MemberId(5))
            .await
            .unwrap()
            .iter()
            .all(|(_, n)| *n == 0)
    );
    // Retention: everything before June goes (the bulk wins).
    let expired = store
        .delete_wins_before(ms("2026-06-01T00:00:00Z"))
        .await
        .unwrap();
    assert_eq!(expired, 300);
    wins -= 300;
    tallies_agree(store, &guilds, wins).await;
    // A server leaves: its figures stay until its data expires, then go with it; a win
    // elsewhere that named its act is counted without act from then on.
    store
        .mark_server_left(LEAVING, ms("2026-06-10T00:00:00Z"))
        .await
        .unwrap();
    tallies_agree(store, &guilds, wins).await;
    assert_eq!(
        store
            .delete_servers_left_before(ms("2026-06-09T00:00:00Z"))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .delete_servers_left_before(ms("2026-07-01T00:00:00Z"))
            .await
            .unwrap(),
        1
    );
    wins -= 1;
    tallies_agree(store, &guilds, wins).await;
    assert_eq!(store.tallies(LEAVING).await.unwrap(), Default::default());
    let days = store.tallies(LONDON).await.unwrap().days;
    assert!(
        days.iter()
            .any(|d| d.local_date == "2026-06-04" && d.size.is_empty()),
        "{days:?}"
    );
    assert_eq!(store.tally_undated_wins().await.unwrap(), 0);
}

/// A database from before the tallies (migrated to 0005, wins stored as that version did):
/// its wins are dated and counted when the store migrates, once.
async fn wins_stored_before_the_tallies_are_counted_at_start_up(db: TestDb) {
    use sqlx::Executor;
    let url = match db.store.backend() {
        smallacts::store::Backend::Sqlite => format!("{}?mode=rwc", db.url),
        smallacts::store::Backend::Postgres => db.url.clone(),
    };
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let old = match db.store.backend() {
        smallacts::store::Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
        smallacts::store::Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
    };
    old.run_to(5, &pool).await.unwrap();
    // As version 0005 stored them: no local date, no tallies.
    pool.execute(sqlx::AssertSqlSafe(format!(
        "INSERT INTO servers (guild_id, name, joined_at) VALUES ({LONDON}, 'x', 0), \
         ({AUCKLAND}, 'y', 0); \
         INSERT INTO server_settings (guild_id, timezone, updated_at) VALUES \
         ({LONDON}, 'Europe/London', 0), ({AUCKLAND}, 'Pacific/Auckland', 0); \
         INSERT INTO acts (slug, text, size, way, settings, origin, created_at, updated_at) \
         VALUES ('hello', 'Say hello.', 'smallest', 'connect', 'anywhere', 'catalogue', 0, 0)"
    )))
    .await
    .unwrap();
    let mut values = Vec::new();
    for n in 0..200_i64 {
        let guild = if n % 4 == 0 { AUCKLAND } else { LONDON };
        let at = ms("2026-03-20T00:00:00Z") + n * 7_919_000;
        let act = if n % 3 == 0 { "NULL" } else { "1" };
        values.push(format!(
            "({guild}, {}, {act}, 'command', 'count', {at})",
            n % 9
        ));
    }
    pool.execute(sqlx::AssertSqlSafe(format!(
        "INSERT INTO wins (guild_id, member_id, act_id, source, visibility, created_at) VALUES {}",
        values.join(", ")
    )))
    .await
    .unwrap();
    pool.close().await;

    db.store.migrate().await.unwrap();
    tallies_agree(&db.store, &[LONDON, AUCKLAND], 200).await;
    assert_eq!(db.store.tally_undated_wins().await.unwrap(), 0);
    db.store.migrate().await.unwrap();
    tallies_agree(&db.store, &[LONDON, AUCKLAND], 200).await;
    let impact = impact(
        &db.store,
        LONDON,
        chrono_tz::Europe::London,
        date("2026-03-16"),
        date("2026-04-12"),
    )
    .await
    .unwrap();
    assert_eq!(impact.total_wins, 150);
}

/// A win at 23:30 on Sunday, local time, counts in that week, wherever the server is.
async fn a_win_at_half_past_eleven_on_sunday_night_counts_in_that_week(db: TestDb) {
    let store = &db.store;
    server(store, LONDON, "Europe/London").await;
    server(store, AUCKLAND, "Pacific/Auckland").await;
    // Sunday 7 June 2026, 23:30 BST (22:30 UTC) and 23:30 NZST (11:30 UTC).
    store_win(store, command(LONDON, 1, "2026-06-07T22:30:00Z", None)).await;
    store_win(store, command(AUCKLAND, 1, "2026-06-07T11:30:00Z", None)).await;
    // And half an hour later: Monday, the next week.
    store_win(store, command(LONDON, 2, "2026-06-07T23:30:00Z", None)).await;
    store_win(store, command(AUCKLAND, 2, "2026-06-07T12:30:00Z", None)).await;
    for (guild, tz) in [
        (LONDON, chrono_tz::Europe::London),
        (AUCKLAND, chrono_tz::Pacific::Auckland),
    ] {
        let figures = impact(store, guild, tz, date("2026-06-01"), date("2026-06-14"))
            .await
            .unwrap();
        let weeks: Vec<(NaiveDate, u64, u64)> = figures
            .weeks
            .iter()
            .map(|w| (w.week_start, w.wins, w.members_taking_part))
            .collect();
        assert_eq!(
            weeks,
            [(date("2026-06-01"), 1, 1), (date("2026-06-08"), 1, 1)],
            "{guild}"
        );
        // A range ending on that Sunday holds it and not the Monday's.
        let figures = impact(store, guild, tz, date("2026-06-03"), date("2026-06-07"))
            .await
            .unwrap();
        assert_eq!(figures.from, date("2026-06-01"));
        assert_eq!((figures.total_wins, figures.members_taking_part), (1, 1));
    }
}

/// A check-in of LONDON posted at `at`, whose pulse closes with `answers`: counts are kept
/// only when at least 3 answered.
async fn checkin(store: &Store, slot: &str, at: i64, answers: &[i64]) {
    let checkin = store
        .insert_checkin(
            &smallacts::store::NewCheckin {
                guild_id: LONDON,
                channel_id: ChannelId(9),
                schedule: "daily 14:00 every",
                style: "pulse",
                next_at: None,
            },
            at,
        )
        .await
        .unwrap();
    crate::helpers::held_pulse(store, LONDON, checkin, slot, at, answers).await;
}

/// The figures as the export computed them before the tallies: from every win in the range
/// and a query per week for the check-ins.
async fn counted_from_wins(
    store: &Store,
    tz: chrono_tz::Tz,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<ImpactWeek> {
    let midnight = |d: NaiveDate| {
        smallacts::calendar::resolve_local(tz, d.and_time(chrono::NaiveTime::MIN))
            .timestamp_millis()
    };
    let first = from - Days::new(u64::from(from.weekday().num_days_from_monday()));
    let end = midnight(to + Days::new(1));
    let wins = store
        .wins_between(LONDON, midnight(first), end)
        .await
        .unwrap();
    let mut weeks = Vec::new();
    let mut monday = first;
    while monday <= to {
        let (start, stop) = (midnight(monday), midnight(monday + Days::new(7)).min(end));
        let mut week = ImpactWeek {
            week_start: monday,
            ..ImpactWeek::default()
        };
        let mut members = std::collections::HashSet::new();
        for win in wins
            .iter()
            .filter(|w| w.created_at >= start && w.created_at < stop)
        {
            week.wins += 1;
            members.insert(win.member_id);
            match win.size.as_deref().and_then(|s| s.parse::<Size>().ok()) {
                Some(size) => week.sizes[Size::ALL.iter().position(|s| *s == size).unwrap()] += 1,
                None => week.wins_without_act += 1,
            }
            if let Some(way) = win.way.as_deref().and_then(|w| w.parse::<Way>().ok()) {
                week.ways[Way::ALL.iter().position(|w| *w == way).unwrap()] += 1;
            }
        }
        week.members_taking_part = members.len() as u64;
        let totals = store
            .checkin_totals_between(LONDON, start, midnight(monday + Days::new(7)))
            .await
            .unwrap();
        week.checkins_held = totals.held as u64;
        week.pulse_answers = totals.pulse_answers as u64;
        week.pulse = totals.counts.map(|n| n as u64);
        weeks.push(week);
        monday = monday + Days::new(7);
    }
    weeks
}

/// `recap::impact` against the figures counted from the wins, over ranges that start and end
/// anywhere in a week and across the clocks going forward; members are counted once across
/// weeks, runs of active weeks end at the last week, and the pulse is broken down only where
/// enough answered.
async fn impact_gives_the_figures_counted_from_the_wins(db: TestDb) {
    let store = &db.store;
    let tz = chrono_tz::Europe::London;
    server(store, LONDON, "Europe/London").await;
    store
        .sync_catalogue(
            &[
                act("hello", Size::Smallest, Way::Connect),
                act("walk", Size::Small, Way::BeActive),
                act("learn", Size::Smaller, Way::KeepLearning),
            ],
            0,
        )
        .await
        .unwrap();
    let acts = [
        Some(act_id(store, "hello").await),
        Some(act_id(store, "walk").await),
        Some(act_id(store, "learn").await),
        None,
    ];
    // Six weeks from Monday 9 March 2026 (the clocks go forward on 29 March), with the
    // fourth week (23 March) empty. Member 1 takes part every active week, the others now
    // and then.
    let start = utc("2026-03-09T00:00:00Z");
    let mut seed: u64 = 7;
    for n in 0..160_u64 {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let at: DateTime<Utc> =
            start + chrono::Duration::minutes(((seed >> 33) % (41 * 24 * 60)) as i64);
        let week = (at - start).num_days() / 7;
        if week == 2 {
            continue;
        }
        let member = if n % 5 == 0 { 1 } else { 2 + (seed >> 20) % 6 };
        let at = at.to_rfc3339();
        store_win(
            store,
            command(LONDON, member, &at, acts[(seed >> 40) as usize % 4]),
        )
        .await;
    }
    for week in 0..6 {
        store_win(
            store,
            command(
                LONDON,
                1,
                &(start + chrono::Duration::days(7 * week + 2)).to_rfc3339(),
                None,
            ),
        )
        .await;
    }
    // Two check-ins in the week of 30 March: 3 answers (broken down) and 2 (only counted).
    checkin(store, "a", ms("2026-03-31T13:00:00Z"), &[2, 4, 4]).await;
    checkin(store, "b", ms("2026-04-01T13:00:00Z"), &[1, 5]).await;
    checkin(store, "c", ms("2026-03-10T13:00:00Z"), &[3, 3, 3, 5]).await;

    for (from, to) in [
        ("2026-03-09", "2026-04-19"),
        ("2026-03-11", "2026-04-15"),
        ("2026-03-25", "2026-04-01"),
        ("2026-03-29", "2026-03-29"),
        ("2026-04-13", "2026-04-13"),
        ("2026-03-02", "2026-04-26"),
        // Many weeks: members are counted member by member on the index.
        ("2026-01-05", "2026-06-28"),
        ("2026-01-07", "2026-04-15"),
    ] {
        let (from, to) = (date(from), date(to));
        let figures = impact(store, LONDON, tz, from, to).await.unwrap();
        let counted = counted_from_wins(store, tz, from, to).await;
        assert_eq!(figures.weeks, counted, "{from} to {to}");
        let wins = store
            .wins_between(
                LONDON,
                smallacts::calendar::resolve_local(
                    tz,
                    figures.from.and_time(chrono::NaiveTime::MIN),
                )
                .timestamp_millis(),
                smallacts::calendar::resolve_local(
                    tz,
                    (to + Days::new(1)).and_time(chrono::NaiveTime::MIN),
                )
                .timestamp_millis(),
            )
            .await
            .unwrap();
        let members: std::collections::HashSet<MemberId> =
            wins.iter().map(|w| w.member_id).collect();
        assert_eq!(
            figures.members_taking_part,
            members.len() as u64,
            "{from} to {to}"
        );
        assert_eq!(figures.total_wins, wins.len() as u64);
    }

    let whole: Impact = impact(store, LONDON, tz, date("2026-03-09"), date("2026-04-19"))
        .await
        .unwrap();
    let by_week: Vec<u64> = whole.weeks.iter().map(|w| w.wins).collect();
    assert_eq!(by_week.len(), 6);
    assert!(
        by_week[2] == 1 && by_week.iter().all(|n| *n > 0),
        "{by_week:?}"
    );
    assert!(
        whole.members_taking_part < whole.weeks.iter().map(|w| w.members_taking_part).sum(),
        "a member in many weeks counts once over the range"
    );
    assert_eq!((whole.active_week_run, whole.longest_active_run), (6, 6));
    assert_eq!(whole.checkins_held, 3);
    assert_eq!(whole.weeks[3].checkins_held, 2);
    assert_eq!(whole.weeks[3].pulse_answers, 5);
    assert_eq!(
        whole.weeks[3].pulse,
        [0, 1, 0, 2, 0],
        "only the check-in with enough answers is broken down"
    );
    assert_eq!(whole.weeks[0].pulse, [0, 0, 3, 0, 1]);

    // The week of 23 March without its one win: the run is broken there.
    let lone = store
        .member_wins(LONDON, MemberId(1), 100)
        .await
        .unwrap()
        .into_iter()
        .find(|w| {
            w.created_at >= ms("2026-03-23T00:00:00Z") && w.created_at < ms("2026-03-29T00:00:00Z")
        })
        .unwrap();
    assert!(store.delete_member_win(lone.id, MemberId(1)).await.unwrap());
    let broken = impact(store, LONDON, tz, date("2026-03-09"), date("2026-04-19"))
        .await
        .unwrap();
    assert_eq!(broken.weeks[2].wins, 0);
    assert_eq!((broken.active_week_run, broken.longest_active_run), (3, 3));
    // A range whose last week has no win yet: the run ends the week before.
    let ahead = impact(store, LONDON, tz, date("2026-03-30"), date("2026-04-22"))
        .await
        .unwrap();
    assert_eq!(ahead.weeks.last().unwrap().wins, 0);
    assert_eq!(ahead.active_week_run, 3);
}

/// As `on_both_backends!`, on a database not yet migrated.
mod before_the_tallies {
    mod sqlite {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn wins_stored_before_the_tallies_are_counted_at_start_up() {
            let db = crate::helpers::TestDb::fresh_sqlite().await;
            super::super::wins_stored_before_the_tallies_are_counted_at_start_up(db).await
        }
    }
    mod postgres {
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn wins_stored_before_the_tallies_are_counted_at_start_up() {
            let db = crate::helpers::TestDb::fresh_postgres().await;
            super::super::wins_stored_before_the_tallies_are_counted_at_start_up(db).await
        }
    }
}

on_both_backends!(
    tallies_follow_every_way_wins_come_and_go,
    a_win_at_half_past_eleven_on_sunday_night_counts_in_that_week,
    impact_gives_the_figures_counted_from_the_wins,
);
