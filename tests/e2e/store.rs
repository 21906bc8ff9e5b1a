//! The store against SQLite and PostgreSQL: schema, catalogue sync, exactly-once claims.

use std::collections::HashSet;

use smallacts::acts::{Act, Catalogue, Setting, Size, Way};
use smallacts::store::{Claim, StoreError};

use crate::helpers::TestDb;
use crate::on_both_backends;

const GUILD: i64 = 1_100_000_000_000_000_001;
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
            "member_prefs",
            "member_shifts",
            "posts",
            "pulse_answers",
            "server_settings",
            "servers",
            "suggestions",
            "support_resources",
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
            "sent_at"
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
    assert_eq!(settings.len(), 16, "{settings:?}");
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
            GUILD,
            "daily",
            "2026-06-08",
            Some(acts[0].id),
            Some(42),
            T0,
            T0,
        )
        .await
        .unwrap()
    else {
        panic!("first claim wins")
    };
    store.mark_post_sent(post, 777, None, T0 + 5).await.unwrap();
    store
        .sync_catalogue(&[act("a-two", "Wave to a neighbour today.")], T0 + 10)
        .await
        .unwrap();
    let posts = store.posts_for(GUILD).await.unwrap();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].status, "sent");
    assert_eq!(posts[0].message_id, Some(777));
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
                .claim_post(GUILD, "daily", "2026-06-09", None, None, T0, T0 + n)
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
            .claim_post(GUILD, "recap", "2026-06-09", None, None, T0, T0)
            .await
            .unwrap(),
        Claim::Won(_)
    ));
    let Claim::Won(next) = store
        .claim_post(GUILD, "daily", "2026-06-10", None, None, T0, T0)
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
        .upsert_server(GUILD + 1, "Other", None, "Europe/London", T0)
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
    let theirs = store.active_acts(Some(GUILD + 1)).await.unwrap();
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

    use smallacts::clock::ManualClock;
    use smallacts::ops::Metrics;
    use smallacts::schedule::{
        Deliver, Delivered, DeliveryFuture, Dispatcher, DispatcherSettings, Outgoing, Schedule,
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
                    message_id: 1,
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
            .upsert_server(GUILD + n, "Team", None, "Europe/London", T0)
            .await
            .unwrap();
        let change = DailyChange {
            channel_id: Some(42),
            schedule: Some(Schedule::daily("09:00", "every").unwrap().to_storage()),
            next_at: Some(Some(due.timestamp_millis())),
            ..Default::default()
        };
        db.store.change_daily(GUILD + n, &change, T0).await.unwrap();
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
            Arc::new(Metrics::default()),
            DispatcherSettings {
                grace: chrono::Duration::hours(2),
                batch: 500,
                wins_retention: chrono::Duration::days(365),
                left_server_retention: chrono::Duration::days(30),
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
    let (member, other) = (4_242_u64, 5_353_u64);
    store
        .upsert_server(GUILD, "Team", Some(member as i64), "Europe/London", T0)
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
            message_id: Some(who * 10),
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
    }
    let pending = store.pending_suggestions(GUILD).await.unwrap();
    // The member, as an admin, decided on the other's suggestion.
    let theirs = pending.iter().find(|s| s.member_id == other).unwrap().id;
    store
        .decide_suggestion(GUILD, theirs, true, member, T0)
        .await
        .unwrap();

    let export = store.export_member(member).await.unwrap();
    assert_eq!(export.wins.len(), 1);
    assert_eq!(export.suggestions.len(), 1);
    assert_eq!(export.suggestions_decided, vec![theirs]);
    assert_eq!(export.servers_owned, vec![(GUILD as u64).to_string()]);
    assert!(export.preferences.is_some());

    let before: i64 = store
        .rows_naming_member(member)
        .await
        .unwrap()
        .iter()
        .map(|(_, n)| n)
        .sum();
    assert_eq!(before, 5, "one row per member column");
    let report = store.forget_member(member).await.unwrap();
    assert_eq!(report.total(), 5);
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
        others, 3,
        "the other member keeps their win, suggestion and preferences"
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

on_both_backends!(
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
