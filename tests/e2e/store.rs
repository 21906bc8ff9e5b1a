//! The store against SQLite and PostgreSQL: schema, catalogue sync, exactly-once claims.

use std::collections::HashSet;

use smallacts::acts::{Act, Catalogue, Setting, Size, Way};
use smallacts::ids::{ChannelId, GuildId, MemberId, MessageId, PostId};
use smallacts::store::{Claim, NewPost, StoreError};

use crate::helpers::{TestDb, lease, new_post};
use crate::on_both_backends;

const GUILD: GuildId = GuildId(1_100_000_000_000_000_001);
const T0: i64 = 1_780_000_000_000;

fn act(slug: &str, text: &str) -> Act {
    Act {
        slug: slug.into(),
        text: text.into(),
        size: Size::Smaller,
        way: Way::Give,
        settings: vec![Setting::Care, Setting::Online],
        needs: vec![],
    }
}

fn members(ids: &[u64]) -> Vec<MemberId> {
    ids.iter().copied().map(MemberId).collect()
}

fn groups(groups: &[&[u64]]) -> Vec<Vec<MemberId>> {
    groups.iter().map(|g| members(g)).collect()
}

/// A pulse-only check-in for GUILD, to hang runs on.
fn new_checkin() -> smallacts::store::NewCheckin<'static> {
    smallacts::store::NewCheckin {
        guild_id: GUILD,
        channel_id: ChannelId(9),
        schedule: "daily 07:30 every",
        style: "pulse",
        next_at: None,
    }
}

/// A run of `checkin` posted as `post`, open for a second from T0.
fn new_run(checkin: smallacts::ids::CheckinId, post: PostId) -> smallacts::store::NewRun<'static> {
    smallacts::store::NewRun {
        guild_id: GUILD,
        checkin_id: checkin,
        post_id: post,
        prompt_id: "p",
        style: "pulse",
        opened_at: T0,
        closes_at: T0 + 1000,
    }
}

/// Claims a fresh slot for GUILD (scheduled and claimed at `at`), which must be won.
async fn claimed(store: &smallacts::store::Store, job: &str, slot: &str, at: i64) -> PostId {
    match store
        .claim_post(
            &NewPost {
                channel_id: Some(ChannelId(9)),
                ..new_post(GUILD, job, slot, at)
            },
            &lease("test", at),
            at,
        )
        .await
        .unwrap()
    {
        Claim::Won(id) => id,
        Claim::AlreadyClaimed => panic!("{job} {slot} was already claimed"),
    }
}

async fn schema_has_every_table_and_column(db: TestDb) {
    let tables = db.store.table_names().await.unwrap();
    assert_eq!(
        tables,
        [
            "acts",
            "buddies",
            "buddy_groups",
            "buddy_settings",
            "checkin_runs",
            "checkins",
            "dm_queue",
            "event_hosts",
            "events",
            "fleet_locks",
            "impact_links",
            "member_avoids",
            "member_prefs",
            "member_shifts",
            "member_weeks",
            "posts",
            "processes",
            "pulse_answers",
            "server_settings",
            "servers",
            "suggestions",
            "support_resources",
            "win_days",
            "win_weeks",
            "wins"
        ]
    );
    // Both dialects' migrations must describe the same columns, in the same order.
    let posts = db.store.column_names("posts").await.unwrap();
    assert_eq!(
        posts,
        [
            "id",
            "guild_id",
            "job",
            "slot",
            "act_id",
            "channel_id",
            "message_id",
            "thread_id",
            "status",
            "failure",
            "attempts",
            "retry_at",
            "scheduled_for",
            "claimed_at",
            "sent_at",
            "lease_owner",
            "lease_until",
            "thread_name"
        ]
    );
    let acts = db.store.column_names("acts").await.unwrap();
    assert_eq!(
        acts,
        [
            "id",
            "slug",
            "guild_id",
            "text",
            "size",
            "way",
            "settings",
            "needs",
            "origin",
            "created_at",
            "updated_at",
            "retired_at"
        ]
    );
    let processes = db.store.column_names("processes").await.unwrap();
    assert_eq!(processes, ["owner", "started_at", "heartbeat_at", "shards"]);
    let locks = db.store.column_names("fleet_locks").await.unwrap();
    assert_eq!(locks, ["name", "owner", "until_ms"]);
    // The pulse keeps no time with an answer and nothing but the member, so the order of
    // answers cannot point at anyone either.
    let pulse = db.store.column_names("pulse_answers").await.unwrap();
    assert_eq!(pulse, ["run_id", "member_id", "answer"]);
    let runs = db.store.column_names("checkin_runs").await.unwrap();
    assert_eq!(
        runs,
        [
            "id",
            "guild_id",
            "checkin_id",
            "post_id",
            "prompt_id",
            "style",
            "opened_at",
            "closes_at",
            "closed_at",
            "answers",
            "struggling",
            "not_great",
            "okay",
            "good",
            "great"
        ]
    );
    let settings = db.store.column_names("server_settings").await.unwrap();
    assert_eq!(settings.len(), 22, "{settings:?}");
    assert_eq!(
        settings[18..],
        [
            "country",
            "bank_holiday_region",
            "bank_holidays",
            "avoid_needs"
        ],
        "{settings:?}"
    );
    let avoids = db.store.column_names("member_avoids").await.unwrap();
    assert_eq!(avoids, ["guild_id", "member_id", "needs", "updated_at"]);
    // Applying again is a no-op, not an error.
    db.store.migrate().await.unwrap();
}

async fn catalogue_sync_adds_updates_and_retires(db: TestDb) {
    let store = &db.store;
    let built_in = Catalogue::built_in().unwrap();
    let first = store.sync_catalogue(&built_in.acts, T0).await.unwrap();
    assert_eq!(first.added, built_in.acts.len());
    let again = store.sync_catalogue(&built_in.acts, T0 + 1).await.unwrap();
    assert_eq!(again.unchanged, built_in.acts.len());
    assert_eq!((again.added, again.updated, again.retired), (0, 0, 0));

    let stored = store.active_acts(None).await.unwrap();
    assert_eq!(stored.len(), built_in.acts.len());
    assert_eq!(
        stored[0].act, built_in.acts[0],
        "stored act round-trips every field"
    );

    // Edit one act, drop one, add one.
    let mut edited = built_in.acts.clone();
    edited[0].text = "Ask someone how their weekend really went, and listen.".into();
    let dropped = edited.remove(1);
    edited.push(act(
        "brand-new-act",
        "Send a kind word to someone on nights.",
    ));
    let report = store.sync_catalogue(&edited, T0 + 2).await.unwrap();
    assert_eq!((report.added, report.updated, report.retired), (1, 1, 1));

    let active = store.active_acts(None).await.unwrap();
    let slugs: HashSet<&str> = active.iter().map(|a| a.act.slug.as_str()).collect();
    assert!(
        !slugs.contains(dropped.slug.as_str()),
        "retired acts are not offered"
    );
    assert!(slugs.contains("brand-new-act"));
    let first_id = stored[0].id;
    let updated = store.act_by_id(first_id).await.unwrap().unwrap();
    assert_eq!(
        updated.act.text, edited[0].text,
        "updated in place, same id"
    );
    assert_eq!(store.retired_catalogue_count().await.unwrap(), 1);

    // A retired act that comes back is active again under the same id.
    let retired_id = stored[1].id;
    let report = store.sync_catalogue(&built_in.acts, T0 + 3).await.unwrap();
    assert_eq!(report.retired, 1, "brand-new-act leaves");
    assert_eq!(report.updated, 2, "the edited act and the returning act");
    let back = store.active_acts(None).await.unwrap();
    assert!(back.iter().any(|a| a.id == retired_id));
}

async fn history_survives_retirement(db: TestDb) {
    let store = &db.store;
    store
        .upsert_server(GUILD, "Care team", None, "Europe/London", T0)
        .await
        .unwrap();
    store
        .sync_catalogue(
            &[
                act("a-one", "Thank a colleague by name."),
                act("a-two", "Wave to a neighbour today."),
            ],
            T0,
        )
        .await
        .unwrap();
    let acts = store.active_acts(Some(GUILD)).await.unwrap();
    let Claim::Won(post) = store
        .claim_post(
            &NewPost {
                act_id: Some(acts[0].id),
                channel_id: Some(ChannelId(42)),
                ..new_post(GUILD, "daily", "2026-06-08", T0)
            },
            &lease("test", T0),
            T0,
        )
        .await
        .unwrap()
    else {
        panic!("first claim wins")
    };
    store
        .mark_post_sent(post, MessageId(777), None, T0 + 5)
        .await
        .unwrap();
    store
        .sync_catalogue(&[act("a-two", "Wave to a neighbour today.")], T0 + 10)
        .await
        .unwrap();
    let posts = store.posts_for(GUILD).await.unwrap();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].status, "sent");
    assert_eq!(posts[0].message_id, Some(MessageId(777)));
    let old = store
        .act_by_id(posts[0].act_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(old.act.slug, "a-one", "a past post still names its act");
    assert_eq!(
        store.posted_act_slugs(GUILD, "daily").await.unwrap(),
        ["a-one"]
    );
}

async fn a_slot_is_claimed_exactly_once_under_contention(db: TestDb) {
    let store = db.store.clone();
    store
        .upsert_server(GUILD, "Team", None, "Europe/London", T0)
        .await
        .unwrap();
    let mut tasks = Vec::new();
    for n in 0..16 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            store
                .claim_post(
                    &new_post(GUILD, "daily", "2026-06-09", T0),
                    &lease(&format!("process {n}"), T0 + n),
                    T0 + n,
                )
                .await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap().unwrap() {
            Claim::Won(_) => won += 1,
            Claim::AlreadyClaimed => {}
        }
    }
    assert_eq!(won, 1);
    // Another job or another day is a different slot.
    assert!(matches!(
        store
            .claim_post(
                &new_post(GUILD, "recap", "2026-06-09", T0),
                &lease("test", T0),
                T0
            )
            .await
            .unwrap(),
        Claim::Won(_)
    ));
    let Claim::Won(next) = store
        .claim_post(
            &new_post(GUILD, "daily", "2026-06-10", T0),
            &lease("test", T0),
            T0,
        )
        .await
        .unwrap()
    else {
        panic!("new day wins")
    };
    store
        .mark_post_failed(next, "Missing Access: channel 42", None)
        .await
        .unwrap();
    let posts = store.posts_for(GUILD).await.unwrap();
    assert_eq!(
        posts.last().unwrap().failure.as_deref(),
        Some("Missing Access: channel 42")
    );
}

async fn servers_join_leave_and_own_acts(db: TestDb) {
    let store = &db.store;
    store
        .upsert_server(GUILD, "Night shift", None, "Australia/Sydney", T0)
        .await
        .unwrap();
    store
        .upsert_server(GuildId(GUILD.0 + 1), "Other", None, "Europe/London", T0)
        .await
        .unwrap();
    assert_eq!(store.active_server_count().await.unwrap(), 2);
    let server = store.server(GUILD).await.unwrap().unwrap();
    assert_eq!(server.timezone, "Australia/Sydney");
    assert_eq!(server.name, "Night shift");

    store
        .add_server_act(
            GUILD,
            &act("our-tea-round", "Do the tea round together."),
            "admin",
            T0,
        )
        .await
        .unwrap();
    let ours = store.active_acts(Some(GUILD)).await.unwrap();
    let theirs = store.active_acts(Some(GuildId(GUILD.0 + 1))).await.unwrap();
    assert!(ours.iter().any(|a| a.act.slug == "our-tea-round"));
    assert!(
        !theirs.iter().any(|a| a.act.slug == "our-tea-round"),
        "a server's acts are its own"
    );
    assert!(
        store
            .add_server_act(GUILD, &act("our-tea-round", "Again."), "admin", T0)
            .await
            .is_err()
    );

    store.mark_server_left(GUILD, T0 + 1).await.unwrap();
    assert_eq!(store.active_server_count().await.unwrap(), 1);
    assert_eq!(
        store.server(GUILD).await.unwrap().unwrap().left_at,
        Some(T0 + 1)
    );
    // Rejoining keeps the settings and clears the departure.
    store
        .upsert_server(GUILD, "Night shift", None, "Europe/London", T0 + 2)
        .await
        .unwrap();
    let back = store.server(GUILD).await.unwrap().unwrap();
    assert_eq!(back.left_at, None);
    assert_eq!(back.timezone, "Australia/Sydney");
}

/// Two bot processes sharing one database, ticking at the same moment, post once: the claim
/// in the database decides, whichever process gets there first.
async fn two_processes_never_post_the_same_slot_twice(db: TestDb) {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use smallacts::calendar::Schedule;
    use smallacts::clock::ManualClock;
    use smallacts::jobs::{
        Deliver, Delivered, DeliveryFuture, Dispatcher, DispatcherSettings, Outgoing,
    };
    use smallacts::store::DailyChange;

    struct Counting(AtomicUsize);
    impl Deliver for Counting {
        fn deliver<'a>(&'a self, outgoing: &'a Outgoing) -> DeliveryFuture<'a> {
            Box::pin(async move {
                if matches!(outgoing, Outgoing::Daily(_)) {
                    self.0.fetch_add(1, Ordering::SeqCst);
                }
                // Slow enough that both processes are mid-flight together.
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
                Ok(Delivered {
                    message_id: MessageId(1),
                    thread_id: None,
                })
            })
        }
    }

    let servers = 20;
    let due = chrono::DateTime::parse_from_rfc3339("2026-05-04T08:00:00Z")
        .unwrap()
        .to_utc();
    for n in 0..servers {
        db.store
            .upsert_server(GuildId(GUILD.0 + n), "Team", None, "Europe/London", T0)
            .await
            .unwrap();
        let change = DailyChange {
            channel_id: Some(ChannelId(42)),
            schedule: Some(Schedule::daily("09:00", "every").unwrap().to_storage()),
            next_at: Some(Some(due.timestamp_millis())),
            ..Default::default()
        };
        db.store
            .change_daily(GuildId(GUILD.0 + n), &change, T0)
            .await
            .unwrap();
    }
    db.store
        .sync_catalogue(&Catalogue::built_in().unwrap().acts, T0)
        .await
        .unwrap();
    let delivered = Arc::new(Counting(AtomicUsize::new(0)));
    let clock = Arc::new(ManualClock::new(due));
    let process = |store: smallacts::store::Store| {
        Dispatcher::new(
            store,
            clock.clone(),
            delivered.clone(),
            DispatcherSettings {
                grace: chrono::Duration::hours(2),
                batch: 500,
                wins_retention: chrono::Duration::days(365),
                left_server_retention: chrono::Duration::days(30),
                lease: chrono::Duration::seconds(60),
            },
        )
    };
    // Each "process" has a pool of its own on the same database.
    let other = smallacts::store::Store::connect_url(&db.url).await.unwrap();
    let (a, b) = (process(db.store.clone()), process(other));
    let (ra, rb) = tokio::join!(a.tick(), b.tick());
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.posted + rb.posted, servers as usize, "{ra:?} {rb:?}");
    assert_eq!(
        delivered.0.load(Ordering::SeqCst),
        servers as usize,
        "each server delivered once"
    );
    // And again later the same day: nothing.
    clock.set(due + chrono::Duration::minutes(30));
    let (ra, rb) = tokio::join!(a.tick(), b.tick());
    assert_eq!(ra.unwrap().posted + rb.unwrap().posted, 0);
}

/// `/privacy forget` leaves nothing about the member in any table, on either backend, and
/// every column that can hold a member's id is one forget knows about.
async fn forget_erases_a_member_from_every_table(db: TestDb) {
    use smallacts::store::{MEMBER_COLUMNS, MemberPrefs, NewWin};
    let store = &db.store;
    let (member, other) = (MemberId(4_242), MemberId(5_353));
    store
        .upsert_server(GUILD, "Team", Some(member), "Europe/London", T0)
        .await
        .unwrap();
    store
        .sync_catalogue(&[act("a-one", "Thank a colleague by name.")], T0)
        .await
        .unwrap();
    for who in [member, other] {
        let win = NewWin {
            guild_id: GUILD,
            member_id: who,
            post_id: None,
            act_id: None,
            source: "command",
            visibility: "named",
            text: Some("did a thing"),
            message_id: Some(MessageId(who.0 * 10)),
        };
        store.insert_win(&win, T0).await.unwrap();
        store
            .add_suggestion(GUILD, who, &act("s", "Suggest a kind act."), T0)
            .await
            .unwrap();
        store
            .set_member_prefs(who, &MemberPrefs::default(), T0)
            .await
            .unwrap();
        store
            .set_member_avoid(GUILD, who, "money,car", T0)
            .await
            .unwrap();
    }
    let pending = store.pending_suggestions(GUILD).await.unwrap();
    // The member, as an admin, decided on the other's suggestion.
    let theirs = pending.iter().find(|s| s.member_id == other).unwrap().id;
    store
        .decide_suggestion(GUILD, theirs, true, member, T0)
        .await
        .unwrap();

    // Check-in data: an open pulse answer, buddy pairing and a round, a shift pattern, and
    // direct messages to and about them.
    let post = claimed(store, "checkin:1", "2026-11-23T07:30", T0).await;
    let checkin = store.insert_checkin(&new_checkin(), T0).await.unwrap();
    let run = store.insert_run(&new_run(checkin, post)).await.unwrap();
    let round = claimed(store, "buddy-round", "2026-11-23", T0).await;
    store
        .insert_buddy_groups(round, GUILD, &[vec![member, other]])
        .await
        .unwrap();
    for who in [member, other] {
        store
            .record_pulse_answer(GUILD, run, who, 3, T0)
            .await
            .unwrap();
        store.join_buddies(GUILD, who, T0).await.unwrap();
        store
            .set_member_shift(GUILD, who, "nights", ("09:00", "17:00"), T0)
            .await
            .unwrap();
    }
    let dm = |to: MemberId, about: MemberId| smallacts::store::NewDm {
        guild_id: GUILD,
        member_id: to,
        about_member_id: Some(about),
        kind: "buddy-notice",
        body: "hello",
        send_after: T0,
    };
    store.queue_dm(&dm(other, member), T0).await.unwrap();
    store.queue_dm(&dm(member, other), T0).await.unwrap();
    // A buddy round's message to the other member names this one only in its text.
    let names_them = format!("You're paired with <@{member}>.");
    let round_dm = smallacts::store::NewDm {
        about_member_id: None,
        kind: "buddy-round",
        body: &names_them,
        ..dm(other, member)
    };
    store.queue_dm(&round_dm, T0).await.unwrap();

    let export = store.export_member(member).await.unwrap();
    assert_eq!(export.open_pulse_answers, vec![(run, 3)]);
    assert_eq!(export.buddy_pairing.len(), 1);
    assert_eq!(export.buddy_rounds, vec![(round, 0)]);
    assert_eq!(export.shift_patterns[0].pattern, "nights");
    assert_eq!(export.queued_messages, vec!["hello".to_string()]);
    assert_eq!(export.wins.len(), 1);
    assert_eq!(export.suggestions.len(), 1);
    assert_eq!(export.suggestions_decided, vec![theirs]);
    assert_eq!(export.servers_owned, vec![GUILD.to_string()]);
    assert!(export.preferences.is_some());
    assert_eq!(export.avoid_choices.len(), 1);
    assert_eq!(export.avoid_choices[0].needs, "money,car");

    let before: i64 = store
        .rows_naming_member(member)
        .await
        .unwrap()
        .iter()
        .map(|(_, n)| n)
        .sum();
    assert_eq!(
        before,
        MEMBER_COLUMNS.len() as i64,
        "one row per member column"
    );
    let report = store.forget_member(member).await.unwrap();
    // dm_queue: the message to them, the one about them and the one naming them.
    assert_eq!(report.total(), 13);
    assert_eq!(report.avoid_choices, 1);
    assert!(store.queued_dms_for(other).await.unwrap().is_empty());
    for (column, n) in store.rows_naming_member(member).await.unwrap() {
        assert_eq!(n, 0, "{column} still names the member");
    }
    let others: i64 = store
        .rows_naming_member(other)
        .await
        .unwrap()
        .iter()
        .map(|(_, n)| n)
        .sum();
    assert_eq!(
        others, 9,
        "the other member keeps their win (and its week in the tallies), suggestion, \
         preferences, what they avoid, pulse answer, pairing, round and shift; the message \
         about the forgotten member is gone"
    );

    // Every column that can hold a member's id is covered by forget.
    for table in store.table_names().await.unwrap() {
        for column in store.column_names(&table).await.unwrap() {
            let holds_member =
                column.contains("member") || column.ends_with("_by") || column == "owner_id";
            if holds_member {
                assert!(
                    MEMBER_COLUMNS.contains(&(table.as_str(), column.as_str())),
                    "{table}.{column} can hold a member's id but /privacy forget does not know it"
                );
            }
        }
    }
}

/// A pulse: one answer per member (changeable), nothing recorded once it closes, counts
/// kept only when enough answered, and totals for the impact export.
async fn a_pulse_closes_without_a_trace_of_who_answered(db: TestDb) {
    let store = &db.store;
    store
        .upsert_server(GUILD, "Team", None, "Europe/London", T0)
        .await
        .unwrap();
    let checkin = store.insert_checkin(&new_checkin(), T0).await.unwrap();
    let mut runs = Vec::new();
    for (n, answers) in [vec![1_i64, 5], vec![1, 5, 4, 4]].into_iter().enumerate() {
        let post = claimed(store, "checkin:1", &format!("slot-{n}"), T0).await;
        store
            .mark_post_sent(post, MessageId(77 + n as u64), None, T0)
            .await
            .unwrap();
        let run = store.insert_run(&new_run(checkin, post)).await.unwrap();
        for (member, answer) in answers.iter().enumerate() {
            store
                .record_pulse_answer(GUILD, run, MemberId(member as u64), *answer, T0)
                .await
                .unwrap();
        }
        runs.push(run);
    }
    // Changing an answer replaces it: still four answers in the second run.
    let changed = store
        .record_pulse_answer(GUILD, runs[1], MemberId(0), 3, T0 + 1)
        .await
        .unwrap();
    assert_eq!(
        changed,
        smallacts::store::PulseAnswer::Recorded {
            changed: true,
            answers: 4
        }
    );
    assert!(store.runs_to_close(T0 + 999).await.unwrap().is_empty());
    assert_eq!(store.runs_to_close(T0 + 1000).await.unwrap(), runs);
    let add_up = |scores: Vec<i64>| {
        let result = smallacts::checkins::add_up(scores, 3);
        (result.answers, result.counts)
    };
    let small = store
        .close_run(runs[0], T0 + 1000, add_up)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((small.answers, small.counts()), (Some(2), None));
    let big = store
        .close_run(runs[1], T0 + 1000, add_up)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (big.answers, big.counts()),
        (Some(4), Some([0, 0, 1, 2, 1]))
    );
    // Exactly once, and nothing left that names a member.
    assert!(
        store
            .close_run(runs[1], T0 + 2000, add_up)
            .await
            .unwrap()
            .is_none()
    );
    for run in &runs {
        assert_eq!(store.pulse_answer_rows(*run).await.unwrap(), 0);
    }
    assert_eq!(
        store
            .record_pulse_answer(GUILD, runs[1], MemberId(9), 2, T0 + 1)
            .await
            .unwrap(),
        smallacts::store::PulseAnswer::Closed
    );
    let totals = store
        .checkin_totals_between(GUILD, T0, T0 + 1)
        .await
        .unwrap();
    assert_eq!(totals.held, 2);
    assert_eq!(totals.pulse_answers, 6);
    assert_eq!(
        totals.counts,
        [0, 0, 1, 2, 1],
        "only the run with enough answers counts"
    );
}

/// Buddy rounds stored and read back: history (only what pairing looks back on), current
/// buddies, the gone-quiet query, and a year's retention.
async fn buddy_rounds_round_trip(db: TestDb) {
    let store = &db.store;
    store
        .upsert_server(GUILD, "Team", None, "Europe/London", T0)
        .await
        .unwrap();
    let week = 7 * 86_400_000;
    let mut rounds = Vec::new();
    for (n, groups) in [
        groups(&[&[1, 2], &[3, 4, 5]]),
        groups(&[&[1, 3], &[2, 4], &[5, 6]]),
    ]
    .into_iter()
    .enumerate()
    {
        let at = T0 + n as i64 * 2 * week;
        let round = claimed(store, "buddy-round", &format!("r{n}"), at).await;
        store
            .insert_buddy_groups(round, GUILD, &groups)
            .await
            .unwrap();
        rounds.push(round);
    }
    for member in 1..=6 {
        store
            .join_buddies(GUILD, MemberId(member), T0)
            .await
            .unwrap();
    }
    let history = store.buddy_history(GUILD, T0).await.unwrap();
    assert_eq!(history.len(), 11);
    assert_eq!(history[0], (rounds[0], 0, MemberId(1)));
    assert_eq!(history[2], (rounds[0], 1, MemberId(3)));
    assert_eq!(history[10], (rounds[1], 2, MemberId(6)));
    // Only rounds since the cut-off.
    let recent = store.buddy_history(GUILD, T0 + week).await.unwrap();
    assert!(recent.iter().all(|r| r.0 == rounds[1]), "{recent:?}");
    assert_eq!(
        store.current_buddies(GUILD, MemberId(2), T0).await.unwrap(),
        vec![MemberId(4)]
    );
    assert_eq!(
        store.current_buddies(GUILD, MemberId(6), T0).await.unwrap(),
        vec![MemberId(5)]
    );
    // Everyone was last seen when they joined; 4 speaks up later.
    store
        .buddy_seen(GUILD, MemberId(4), T0 + 3 * week)
        .await
        .unwrap();
    let quiet: Vec<MemberId> = store
        .quiet_buddies(GUILD, T0 + week, T0 + 3 * week)
        .await
        .unwrap()
        .iter()
        .map(|q| q.member_id)
        .collect();
    assert_eq!(quiet, members(&[1, 3, 2, 5, 6]));
    store
        .pause_buddy(GUILD, MemberId(5), Some(T0 + 10 * week))
        .await
        .unwrap();
    assert!(
        !store
            .quiet_buddies(GUILD, T0 + week, T0 + 3 * week)
            .await
            .unwrap()
            .iter()
            .any(|q| q.member_id == MemberId(5)),
        "paused members are left alone"
    );
    assert_eq!(
        store.active_buddies(GUILD, T0).await.unwrap(),
        members(&[1, 2, 3, 4, 6])
    );
    assert_eq!(
        store.delete_buddy_rounds_before(T0 + week).await.unwrap(),
        5
    );
    assert_eq!(store.buddy_history(GUILD, 0).await.unwrap().len(), 6);
}

/// A process that dies between claiming a post and recording it leaves a lease that runs out;
/// then exactly one other process takes the post over. A post confirmed by its own
/// MESSAGE_CREATE stays sent whatever its REST answer said, and still gets its thread.
async fn leases_expire_into_one_takeover_and_confirmations_stick(db: TestDb) {
    use smallacts::store::{Created, Takeover};
    let store = &db.store;
    store
        .upsert_server(GUILD, "Rosewood", Some(MemberId(5)), "Europe/London", T0)
        .await
        .unwrap();
    let claim = |slot: &'static str, owner: &'static str, thread: Option<&'static str>| async move {
        match store
            .claim_post(
                &NewPost {
                    channel_id: Some(ChannelId(9)),
                    thread_name: thread,
                    ..new_post(GUILD, "daily", slot, T0)
                },
                &lease(owner, T0),
                T0,
            )
            .await
            .unwrap()
        {
            Claim::Won(id) => id,
            Claim::AlreadyClaimed => panic!("{slot} was claimed already"),
        }
    };
    let stranded = claim("2026-06-08", "dead", None).await;
    // While its lease runs nobody else may touch it.
    let early = store
        .take_posts(
            Takeover::ExpiredClaims,
            &lease("b", T0 + 30_000),
            T0 + 30_000,
            10,
        )
        .await
        .unwrap();
    assert!(early.is_empty(), "{early:?}");
    // Once it has run out, two processes race for it and exactly one wins.
    let other = smallacts::store::Store::connect_url(&db.url).await.unwrap();
    let after = T0 + 61_000;
    let (lease_b, lease_c) = (lease("b", after), lease("c", after));
    let (b, c) = tokio::join!(
        store.take_posts(Takeover::ExpiredClaims, &lease_b, after, 10),
        other.take_posts(Takeover::ExpiredClaims, &lease_c, after, 10),
    );
    let (b, c) = (b.unwrap(), c.unwrap());
    assert_eq!(b.len() + c.len(), 1, "{b:?} {c:?}");
    let taken = b.into_iter().chain(c).next().unwrap();
    assert_eq!(taken.id, stranded);
    assert_eq!(taken.status, "claimed");
    assert!(matches!(taken.lease_owner.as_deref(), Some("b" | "c")));

    // Its own MESSAGE_CREATE says it went out: recorded once, and a late failure of the REST
    // answer does not undo it.
    assert_eq!(
        store
            .confirm_post_created(stranded, MessageId(777), after)
            .await
            .unwrap(),
        Created::BeforeItsAnswer
    );
    assert_eq!(
        store
            .confirm_post_created(stranded, MessageId(777), after)
            .await
            .unwrap(),
        Created::AlreadyKnown
    );
    assert!(
        !store
            .mark_post_failed(stranded, "Discord answered 502", Some(after + 60_000))
            .await
            .unwrap(),
        "a confirmed post is not recorded as failed"
    );
    let post = store.post_by_id(stranded).await.unwrap().unwrap();
    assert_eq!(
        (post.status.as_str(), post.message_id, post.lease_owner),
        ("sent", Some(MessageId(777)), None)
    );
    let retries = store
        .take_posts(
            Takeover::DueRetries,
            &lease("b", after + 60_000),
            after + 60_000,
            10,
        )
        .await
        .unwrap();
    assert!(
        retries.is_empty(),
        "a confirmed post is never retried: {retries:?}"
    );

    // A post confirmed only by the gateway still opens its thread, once its sender's lease
    // has run out (the sender may still be opening it).
    let threaded = claim("2026-06-09", "a", Some("Wins \u{2014} Tue 9 June")).await;
    assert_eq!(
        store
            .confirm_post_created(threaded, MessageId(778), T0)
            .await
            .unwrap(),
        Created::BeforeItsAnswer
    );
    let within = store
        .take_posts(Takeover::MissingThreads, &lease("b", T0 + 1), T0 + 1, 10)
        .await
        .unwrap();
    assert!(within.is_empty(), "{within:?}");
    let missing = store
        .take_posts(Takeover::MissingThreads, &lease("b", after), after, 10)
        .await
        .unwrap();
    assert_eq!(missing.len(), 1);
    assert_eq!(
        missing[0].thread_name.as_deref(),
        Some("Wins \u{2014} Tue 9 June")
    );
    store
        .set_post_thread(threaded, Some(ChannelId(4242)))
        .await
        .unwrap();
    let post = store.post_by_id(threaded).await.unwrap().unwrap();
    assert_eq!(
        (post.thread_id, post.thread_name),
        (Some(ChannelId(4242)), None)
    );

    // A failed post is retried when its time comes, by one process, under a lease.
    let failing = claim("2026-06-10", "a", None).await;
    assert!(
        store
            .mark_post_failed(failing, "Discord answered 503", Some(T0 + 100))
            .await
            .unwrap()
    );
    let not_yet = store
        .take_posts(Takeover::DueRetries, &lease("b", T0 + 50), T0 + 50, 10)
        .await
        .unwrap();
    assert!(not_yet.is_empty());
    let due = store
        .take_posts(Takeover::DueRetries, &lease("b", T0 + 100), T0 + 100, 10)
        .await
        .unwrap();
    assert_eq!(due.iter().map(|p| p.id).collect::<Vec<_>>(), [failing]);
    assert_eq!(due[0].status, "claimed");
    // A ghost: its answer was a 502, recorded as a failure, and then its own MESSAGE_CREATE
    // shows it went out after all. It is sent, and never retried.
    let ghost = claim("2026-06-12", "a", None).await;
    assert!(
        store
            .mark_post_failed(ghost, "Discord answered 502", Some(T0 + 100))
            .await
            .unwrap()
    );
    assert_eq!(
        store
            .confirm_post_created(ghost, MessageId(779), T0 + 10)
            .await
            .unwrap(),
        Created::AfterItsAnswerFailed
    );
    let retries = store
        .take_posts(Takeover::DueRetries, &lease("b", T0 + 100), T0 + 100, 10)
        .await
        .unwrap();
    assert!(retries.is_empty(), "{retries:?}");

    // A graceful stop hands back what it holds: taken over at once, not after the lease.
    let held = claim("2026-06-11", "stopping", None).await;
    assert_eq!(store.release_leases("stopping", T0 + 1).await.unwrap(), 1);
    let handed_back = store
        .take_posts(Takeover::ExpiredClaims, &lease("d", T0 + 1), T0 + 1, 10)
        .await
        .unwrap();
    assert_eq!(handed_back.iter().map(|p| p.id).collect::<Vec<_>>(), [held]);

    // Queued direct messages: claimed under a lease, handed back by a stop, and gone once
    // their own MESSAGE_CREATE confirms them (a late failure of the answer changes nothing).
    let dm = store
        .queue_dm(
            &smallacts::store::NewDm {
                guild_id: GUILD,
                member_id: MemberId(77),
                about_member_id: None,
                kind: "buddy-round",
                body: "Your buddy this fortnight is Sam.",
                send_after: T0,
            },
            T0,
        )
        .await
        .unwrap();
    let claimed = store
        .claim_due_dms(T0, &lease("stopping", T0), 10)
        .await
        .unwrap();
    assert_eq!(claimed.iter().map(|d| d.id).collect::<Vec<_>>(), [dm]);
    assert!(
        store
            .claim_due_dms(T0 + 1, &lease("other", T0 + 1), 10)
            .await
            .unwrap()
            .is_empty(),
        "held under its lease"
    );
    assert_eq!(store.release_leases("stopping", T0 + 2).await.unwrap(), 1);
    let again = store
        .claim_due_dms(T0 + 2, &lease("other", T0 + 2), 10)
        .await
        .unwrap();
    assert_eq!(again.iter().map(|d| d.id).collect::<Vec<_>>(), [dm]);
    assert!(store.confirm_dm_sent(dm).await.unwrap());
    store.postpone_dm(dm, T0 + 60_000, 1).await.unwrap();
    assert!(store.queued_dms_for(MemberId(77)).await.unwrap().is_empty());
    assert!(!store.confirm_dm_sent(dm).await.unwrap());
}

/// Two processes taking due servers at once split them: each server is taken by one, a taken
/// server is not taken again while its lease lasts, and is taken over once it lapses.
async fn due_servers_are_split_between_processes_under_leases(db: TestDb) {
    use smallacts::store::DailyChange;
    let store = &db.store;
    for n in 0..40 {
        store
            .upsert_server(GuildId(GUILD.0 + n), "Team", None, "Europe/London", T0)
            .await
            .unwrap();
        let change = DailyChange {
            channel_id: Some(ChannelId(1000 + n)),
            schedule: Some("daily 09:00 every".into()),
            next_at: Some(Some(T0)),
            ..Default::default()
        };
        store
            .change_daily(GuildId(GUILD.0 + n), &change, T0)
            .await
            .unwrap();
    }
    let (a, b) = (lease("a", T0), lease("b", T0));
    let (first, second) = tokio::join!(
        store.take_due_daily(T0, &a, 25),
        store.take_due_daily(T0, &b, 25)
    );
    let (first, second) = (first.unwrap(), second.unwrap());
    // On PostgreSQL the loser of a race for the same rows finds them taken when it gets to
    // them and comes away with fewer; it takes the rest on its next pass. What must hold is
    // that no server is ever taken by two processes.
    let third = store
        .take_due_daily(T0 + 1, &lease("c", T0), 50)
        .await
        .unwrap();
    let taken: Vec<GuildId> = first
        .iter()
        .chain(&second)
        .chain(&third)
        .map(|c| c.guild_id)
        .collect();
    assert_eq!(taken.len(), 40, "every due server taken");
    let mut once = taken.clone();
    once.sort();
    once.dedup();
    assert_eq!(once.len(), 40, "and none twice");
    assert!(
        store
            .take_due_daily(T0 + 2, &lease("d", T0), 50)
            .await
            .unwrap()
            .is_empty(),
        "a taken server is not taken again while its lease lasts"
    );
    // One server let go (its next post moved on), every process gone: their servers come
    // back once the leases have run out, and only then.
    let let_go = taken[0];
    store
        .set_daily_next_at(let_go, Some(T0 + 86_400_000))
        .await
        .unwrap();
    let lapsed = T0 + 60_001;
    let retaken = store
        .take_due_daily(lapsed, &lease("e", lapsed), 50)
        .await
        .unwrap();
    assert_eq!(retaken.len(), 39);
    assert!(!retaken.iter().any(|c| c.guild_id == let_go));
    // While a server is held, the earliest due time is its lease's end, not a past minute.
    assert_eq!(
        store.earliest_daily_due().await.unwrap(),
        Some(lapsed + 60_000)
    );
}

on_both_backends!(
    due_servers_are_split_between_processes_under_leases,
    buddy_rounds_round_trip,
    leases_expire_into_one_takeover_and_confirmations_stick,
    a_pulse_closes_without_a_trace_of_who_answered,
    forget_erases_a_member_from_every_table,
    two_processes_never_post_the_same_slot_twice,
    schema_has_every_table_and_column,
    catalogue_sync_adds_updates_and_retires,
    history_survives_retirement,
    a_slot_is_claimed_exactly_once_under_contention,
    servers_join_leave_and_own_acts,
);

#[tokio::test]
async fn a_busy_sqlite_database_gives_an_actionable_error_and_loses_nothing() {
    use sqlx::{Connection, Executor};
    let db = TestDb::sqlite().await;
    let path = db.url.trim_start_matches("sqlite://").to_owned();
    let impatient = smallacts::store::Store::connect(&smallacts::settings::DatabaseSettings {
        url: smallacts::settings::DatabaseUrl::new(db.url.clone()),
        max_connections: 1,
        busy_timeout_ms: 50,
    })
    .await
    .unwrap();
    // Another process holds the write lock.
    let mut holder = sqlx::SqliteConnection::connect(&format!("sqlite://{path}"))
        .await
        .unwrap();
    holder.execute("BEGIN IMMEDIATE").await.unwrap();
    let err = impatient
        .upsert_server(GUILD, "Team", None, "Europe/London", T0)
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Busy(_)), "{err:?}");
    assert!(err.to_string().contains("try again"), "{err}");
    holder.execute("ROLLBACK").await.unwrap();
    // Once the lock is gone the same write succeeds.
    impatient
        .upsert_server(GUILD, "Team", None, "Europe/London", T0)
        .await
        .unwrap();
    assert_eq!(impatient.active_server_count().await.unwrap(), 1);
}

#[tokio::test]
async fn an_unreachable_database_names_itself_without_the_password() {
    let err = smallacts::store::Store::connect_url("postgres://app:hunter2@127.0.0.1:1/nothing")
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("cannot reach the PostgreSQL database"),
        "{err}"
    );
    assert!(err.contains("app:***@127.0.0.1:1"), "{err}");
    assert!(!err.contains("hunter2"), "{err}");
}
