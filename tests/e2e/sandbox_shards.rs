//! The fake Discord's gateway shards as Discord documents
//! (<https://discord.com/developers/docs/events/gateway#sharding>), driven by a raw WebSocket
//! client so that what is tested is the fake, not serenity.

use std::collections::BTreeSet;
use std::time::Duration;

use fake_discord::{FakeGuild, IdentifyOutcome, Sandbox, SandboxOptions};
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

/// How long a read waits before the test gives up: a guard against hanging, not a measure.
const PATIENCE: Duration = Duration::from_secs(60);

/// GET /gateway/bot over plain HTTP.
async fn gateway_bot(sandbox: &Sandbox) -> Value {
    let addr = sandbox
        .api_url()
        .trim_start_matches("http://")
        .parse()
        .unwrap();
    let (status, body) = crate::helpers::http_request(
        addr,
        "GET",
        "/api/v10/gateway/bot",
        &[("Authorization", &format!("Bot {}", sandbox.token()))],
        None,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap()
}

fn shard_of(guild_id: u64, total: u64) -> u64 {
    (guild_id >> 22) % total
}

/// The ids of `guilds` that shard `shard` of `total` holds.
fn held_by(guilds: &[FakeGuild], shard: u64, total: u64) -> BTreeSet<u64> {
    guilds
        .iter()
        .map(|g| g.id)
        .filter(|&id| shard_of(id, total) == shard)
        .collect()
}

fn id_of(value: &Value) -> u64 {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("a snowflake")
}

/// What the fake sent next.
#[derive(Debug)]
enum Received {
    Frame(Value),
    Closed(Option<u16>),
}

/// A bare gateway connection, as a bot's shard would hold it.
struct Connection {
    ws: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    /// The sequence number of the latest dispatch received, for RESUME.
    seq: u64,
}

impl Connection {
    /// Connects to the URL GET /gateway/bot gives, and reads HELLO.
    async fn open(sandbox: &Sandbox) -> Connection {
        let url = gateway_bot(sandbox).await["url"]
            .as_str()
            .expect("a gateway URL")
            .to_owned();
        let (ws, _) = tokio_tungstenite::connect_async(format!("{url}?v=10&encoding=json"))
            .await
            .expect("connect to the gateway");
        let mut connection = Connection { ws, seq: 0 };
        let hello = connection.frame().await;
        assert_eq!(hello["op"], 10, "{hello}");
        connection
    }

    async fn send(&mut self, frame: Value) {
        self.ws
            .send(Message::Text(frame.to_string().into()))
            .await
            .expect("send a frame");
    }

    /// IDENTIFY as shard `shard` (`None`: no `shard` field).
    async fn identify(&mut self, sandbox: &Sandbox, shard: Option<[u32; 2]>) {
        let mut d = json!({
            "token": format!("Bot {}", sandbox.token()),
            "intents": (1 << 0) | (1 << 9) | (1 << 12),
            "properties": {"os": "linux", "browser": "test", "device": "test"},
        });
        if let Some(shard) = shard {
            d["shard"] = json!(shard);
        }
        self.send(json!({"op": 2, "d": d})).await;
    }

    async fn next(&mut self) -> Received {
        loop {
            let message = tokio::time::timeout(PATIENCE, self.ws.next())
                .await
                .expect("the fake sent nothing");
            match message {
                Some(Ok(Message::Text(text))) => {
                    let frame: Value = serde_json::from_str(&text).unwrap();
                    if let Some(seq) = frame["s"].as_u64() {
                        self.seq = seq;
                    }
                    return Received::Frame(frame);
                }
                Some(Ok(Message::Close(frame))) => {
                    return Received::Closed(frame.map(|f| u16::from(f.code)));
                }
                Some(Ok(_)) => continue,
                Some(Err(_)) | None => return Received::Closed(None),
            }
        }
    }

    async fn frame(&mut self) -> Value {
        match self.next().await {
            Received::Frame(frame) => frame,
            closed => panic!("expected a frame, got {closed:?}"),
        }
    }

    /// The next dispatch's (event, d).
    async fn dispatch(&mut self) -> (String, Value) {
        let frame = self.frame().await;
        assert_eq!(frame["op"], 0, "not a dispatch: {frame}");
        (frame["t"].as_str().unwrap().to_owned(), frame["d"].clone())
    }

    /// READY, then the GUILD_CREATE of each guild it lists: (READY's d, the GUILD_CREATEs'
    /// guild ids).
    async fn ready(&mut self) -> (Value, BTreeSet<u64>) {
        let (event, ready) = self.dispatch().await;
        assert_eq!(event, "READY", "{ready}");
        let listed = ready["guilds"].as_array().unwrap().len();
        let mut created = BTreeSet::new();
        for _ in 0..listed {
            let (event, d) = self.dispatch().await;
            assert_eq!(event, "GUILD_CREATE");
            created.insert(id_of(&d["id"]));
        }
        (ready, created)
    }

    async fn closed_with(&mut self) -> Option<u16> {
        match self.next().await {
            Received::Closed(code) => code,
            Received::Frame(frame) => panic!("expected a close, got {frame}"),
        }
    }
}

fn ready_guilds(ready: &Value) -> BTreeSet<u64> {
    ready["guilds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| id_of(&g["id"]))
        .collect()
}

async fn sandbox() -> Sandbox {
    Sandbox::start(SandboxOptions::default()).await.unwrap()
}

#[tokio::test]
async fn gateway_bot_recommends_a_shard_per_thousand_guilds_and_reports_the_session_start_limit() {
    let sandbox = sandbox().await;
    let answer = gateway_bot(&sandbox).await;
    assert_eq!(answer["shards"], 1);
    assert_eq!(
        answer["session_start_limit"],
        json!({"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1})
    );

    sandbox.add_guilds(2_500, "Team");
    sandbox.set_session_start_limit(50, 4);
    let answer = gateway_bot(&sandbox).await;
    assert_eq!(answer["shards"], 3, "ceil(2500 / 1000)");
    let limit = &answer["session_start_limit"];
    assert_eq!(
        (&limit["total"], &limit["remaining"]),
        (&json!(50), &json!(50))
    );
    assert_eq!(limit["max_concurrency"], 4);

    let mut shard = Connection::open(&sandbox).await;
    shard.identify(&sandbox, Some([0, 3])).await;
    shard.ready().await;
    let limit = &gateway_bot(&sandbox).await["session_start_limit"];
    assert_eq!(
        limit["remaining"], 49,
        "an accepted IDENTIFY uses the budget"
    );
    assert!(limit["reset_after"].as_u64().unwrap() > 0, "{limit}");
}

#[tokio::test]
async fn guilds_spread_evenly_over_any_shard_count() {
    let sandbox = sandbox().await;
    let guilds = sandbox.add_guilds(60, "Team");
    // Other ids made between guilds do not bunch them up.
    sandbox.new_user("Someone");
    let one_more = sandbox.add_guild("One more", vec![]);
    let ids: BTreeSet<u64> = guilds.iter().map(|g| g.id).collect();
    assert_eq!(ids.len(), 60, "unique ids");
    assert!(ids.iter().all(|&id| id < 1 << 63));
    assert!(one_more.id > *ids.last().unwrap());
    for total in [2, 3, 4, 5, 6] {
        for shard in 0..total {
            assert_eq!(
                held_by(&guilds, shard, total).len() as u64,
                60 / total,
                "shard {shard} of {total}"
            );
        }
    }
}

#[tokio::test]
async fn a_single_shard_of_too_many_guilds_is_closed_with_4011_and_two_shards_are_accepted() {
    let sandbox = sandbox().await;
    sandbox.add_guilds(2_600, "Team");
    let mut unsharded = Connection::open(&sandbox).await;
    unsharded.identify(&sandbox, None).await;
    assert_eq!(unsharded.closed_with().await, Some(4011));

    let mut shard = Connection::open(&sandbox).await;
    shard.identify(&sandbox, Some([0, 2])).await;
    let (ready, created) = shard.ready().await;
    assert_eq!(ready["shard"], json!([0, 2]));
    assert_eq!(created.len(), 1_300);

    let outcomes: Vec<_> = sandbox.identify_log().iter().map(|r| r.outcome).collect();
    assert_eq!(
        outcomes,
        [IdentifyOutcome::Closed(4011), IdentifyOutcome::Accepted]
    );
    assert_eq!(sandbox.gateway_close_codes_sent(), [4011]);
}

#[tokio::test]
async fn a_shard_out_of_range_or_a_second_identify_on_a_connection_is_closed() {
    let sandbox = sandbox().await;
    for shard in [[2, 2], [0, 0]] {
        let mut connection = Connection::open(&sandbox).await;
        connection.identify(&sandbox, Some(shard)).await;
        assert_eq!(connection.closed_with().await, Some(4010), "{shard:?}");
    }
    assert!(sandbox.shard_sessions().is_empty());

    let mut connection = Connection::open(&sandbox).await;
    connection.identify(&sandbox, Some([0, 2])).await;
    connection.ready().await;
    connection.identify(&sandbox, Some([1, 2])).await;
    assert_eq!(connection.closed_with().await, Some(4005));
    assert_eq!(sandbox.gateway_close_codes_sent(), [4010, 4010, 4005]);
    let outcomes: Vec<_> = sandbox.identify_log().iter().map(|r| r.outcome).collect();
    use IdentifyOutcome::{Accepted, Closed};
    assert_eq!(
        outcomes,
        [Closed(4010), Closed(4010), Accepted, Closed(4005)]
    );
}

#[tokio::test]
async fn shard_one_of_two_receives_only_its_own_guilds() {
    let sandbox = sandbox().await;
    let guilds = sandbox.add_guilds(10, "Team");
    let mine = held_by(&guilds, 1, 2);
    assert!(!mine.is_empty() && mine.len() < guilds.len());

    let mut shard = Connection::open(&sandbox).await;
    shard.identify(&sandbox, Some([1, 2])).await;
    let (ready, created) = shard.ready().await;
    assert_eq!(ready["shard"], json!([1, 2]));
    assert_eq!(ready_guilds(&ready), mine, "READY lists shard 1's guilds");
    assert_eq!(created, mine, "GUILD_CREATE for shard 1's guilds only");

    let sessions = sandbox.shard_sessions();
    assert_eq!(sessions.len(), 1);
    assert_eq!(
        (sessions[0].shard, sessions[0].total, sessions[0].connected),
        (1, 2, true)
    );
    assert_eq!(sessions[0].guilds, mine.len());

    // A guild that joins later reaches the shard only if it is the shard's.
    let later = sandbox.add_guilds(2, "Later");
    let theirs = later.iter().find(|g| shard_of(g.id, 2) == 1).unwrap();
    let (event, d) = shard.dispatch().await;
    assert_eq!(
        (event.as_str(), id_of(&d["id"])),
        ("GUILD_CREATE", theirs.id)
    );
}

#[tokio::test]
async fn a_second_identify_in_a_bucket_too_soon_gets_invalid_session() {
    let sandbox = sandbox().await;
    // Far longer than any test takes, so "too soon" does not depend on the machine's speed.
    sandbox.set_identify_interval(Duration::from_secs(600));
    sandbox.add_guilds(4, "Team");

    let mut first = Connection::open(&sandbox).await;
    first.identify(&sandbox, Some([0, 2])).await;
    first.ready().await;
    let mut second = Connection::open(&sandbox).await;
    second.identify(&sandbox, Some([1, 2])).await;
    let answer = second.frame().await;
    assert_eq!((&answer["op"], &answer["d"]), (&json!(9), &json!(false)));
    assert_eq!(sandbox.shard_sessions().len(), 1, "no session for shard 1");
    assert_eq!(
        sandbox.identify_log().last().unwrap().outcome,
        IdentifyOutcome::InvalidSessionTooEarly
    );
    assert_eq!(sandbox.identify_and_resume_counts(), (1, 0));
}

#[tokio::test]
async fn with_max_concurrency_two_shards_zero_and_one_identify_together() {
    let sandbox = sandbox().await;
    sandbox.set_identify_interval(Duration::from_secs(600));
    sandbox.set_session_start_limit(1000, 2);
    let guilds = sandbox.add_guilds(8, "Team");

    let mut shards = Vec::new();
    for id in 0..2 {
        let mut shard = Connection::open(&sandbox).await;
        shard.identify(&sandbox, Some([id, 4])).await;
        let (_, created) = shard.ready().await;
        assert_eq!(created, held_by(&guilds, u64::from(id), 4));
        shards.push(shard);
    }
    // Shards 2 and 3 share buckets 0 and 1 with them, and must wait.
    for id in 2..4 {
        let mut shard = Connection::open(&sandbox).await;
        shard.identify(&sandbox, Some([id, 4])).await;
        let answer = shard.frame().await;
        assert_eq!(
            (&answer["op"], &answer["d"]),
            (&json!(9), &json!(false)),
            "shard {id}"
        );
    }
    let outcomes: Vec<_> = sandbox.identify_log().iter().map(|r| r.outcome).collect();
    use IdentifyOutcome::{Accepted, InvalidSessionTooEarly};
    assert_eq!(
        outcomes,
        [
            Accepted,
            Accepted,
            InvalidSessionTooEarly,
            InvalidSessionTooEarly
        ]
    );
}

#[tokio::test]
async fn a_spent_session_start_budget_refuses_identify_with_4004_but_not_resume() {
    let sandbox = sandbox().await;
    sandbox.set_session_start_limit(2, 2);
    let guilds = sandbox.add_guilds(4, "Team");
    let mut shards = Vec::new();
    for id in 0..2 {
        let mut shard = Connection::open(&sandbox).await;
        shard.identify(&sandbox, Some([id, 2])).await;
        let (ready, _) = shard.ready().await;
        shards.push((shard, ready["session_id"].as_str().unwrap().to_owned()));
    }
    assert_eq!(
        gateway_bot(&sandbox).await["session_start_limit"]["remaining"],
        0
    );

    let mut refused = Connection::open(&sandbox).await;
    refused.identify(&sandbox, Some([0, 2])).await;
    assert_eq!(refused.closed_with().await, Some(4004));
    assert_eq!(
        sandbox.identify_log().last().unwrap().outcome,
        IdentifyOutcome::SessionStartLimitReached
    );
    assert_eq!(sandbox.gateway_close_codes_sent(), [4004]);

    // Shard 1 loses its connection and resumes: a RESUME is not a session start.
    sandbox.drop_shard_connection(1);
    let (mut old, session_id) = shards.pop().unwrap();
    assert_eq!(old.closed_with().await, Some(4000));
    let guild = guilds.iter().find(|g| shard_of(g.id, 2) == 1).unwrap();
    let user = sandbox.new_user("Ada");
    let missed = sandbox
        .post_message(&sandbox.member(guild, &user), "while away", None)
        .unwrap();
    let mut resumed = Connection::open(&sandbox).await;
    resumed
        .send(json!({"op": 6, "d": {
            "token": sandbox.token(), "session_id": session_id, "seq": old.seq
        }}))
        .await;
    let (event, d) = resumed.dispatch().await;
    assert_eq!(
        (event.as_str(), &d["id"]),
        ("MESSAGE_CREATE", &missed["id"])
    );
    assert_eq!(resumed.dispatch().await.0, "RESUMED");
    assert_eq!(sandbox.identify_and_resume_counts(), (2, 1));
    assert_eq!(sandbox.gateway_close_codes_sent(), [4004, 4000]);
}

#[tokio::test]
async fn guild_events_go_to_the_owning_shard_only_and_dms_to_shard_zero() {
    let sandbox = sandbox().await;
    sandbox.set_session_start_limit(1000, 2);
    let guilds = sandbox.add_guilds(6, "Team");
    let mut shards = Vec::new();
    for id in 0..2 {
        let mut shard = Connection::open(&sandbox).await;
        shard.identify(&sandbox, Some([id, 2])).await;
        shard.ready().await;
        shards.push(shard);
    }
    let on = |shard: u64| guilds.iter().find(|g| shard_of(g.id, 2) == shard).unwrap();
    let user = sandbox.new_user("Ada");
    let for_one = sandbox
        .post_message(&sandbox.member(on(1), &user), "on shard one", None)
        .unwrap();
    let for_zero = sandbox
        .post_message(&sandbox.member(on(0), &user), "on shard zero", None)
        .unwrap();
    let direct = sandbox
        .post_message(&sandbox.dm(&user), "a direct message", None)
        .unwrap();

    // Each connection gets its events in order: had shard one's message gone to shard zero
    // too, it would come first there.
    let mut next_ids = Vec::new();
    for _ in 0..2 {
        let (event, d) = shards[0].dispatch().await;
        assert_eq!(event, "MESSAGE_CREATE");
        next_ids.push(d["id"].clone());
    }
    assert_eq!(next_ids, [for_zero["id"].clone(), direct["id"].clone()]);
    let (event, d) = shards[1].dispatch().await;
    assert_eq!(
        (event.as_str(), &d["id"]),
        ("MESSAGE_CREATE", &for_one["id"])
    );

    let per_shard = sandbox.guild_events_per_shard();
    assert_eq!(
        per_shard.keys().copied().collect::<Vec<_>>(),
        [[0, 2], [1, 2]]
    );
    for ([id, total], events) in per_shard {
        assert!(!events.is_empty());
        for (event, guild) in events {
            assert_eq!(
                shard_of(guild, u64::from(total)),
                u64::from(id),
                "{event} of guild {guild} went to shard {id}"
            );
        }
    }
}

/// The scale benchmarks use: 20,000 servers over the 20 shards Discord would recommend.
/// Prints how long adding them and identifying took and how much memory the process held.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_thousand_guilds_over_twenty_shards() {
    let sandbox = sandbox().await;
    let started = std::time::Instant::now();
    let guilds = sandbox.add_guilds(20_000, "Team");
    let added_in = started.elapsed();
    assert_eq!(gateway_bot(&sandbox).await["shards"], 20);

    sandbox.set_session_start_limit(1000, 20);
    let started = std::time::Instant::now();
    let mut connected = Vec::new();
    for id in 0..20 {
        let mut shard = Connection::open(&sandbox).await;
        shard.identify(&sandbox, Some([id, 20])).await;
        connected.push(shard);
    }
    for (id, shard) in connected.iter_mut().enumerate() {
        let (_, created) = shard.ready().await;
        assert_eq!(created, held_by(&guilds, id as u64, 20), "shard {id}");
        assert_eq!(created.len(), 1_000);
    }
    sandbox.wait_until_shards_ready(20).await.unwrap();
    let identified_in = started.elapsed();
    let rss = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .map(|l| l.to_owned())
        })
        .unwrap_or_default();
    eprintln!(
        "20,000 guilds added in {added_in:?}; 20 shards identified and sent their guilds in \
         {identified_in:?}; {rss}"
    );
}
