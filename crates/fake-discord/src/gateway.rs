//! Gateway v10 over a real WebSocket: HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats and
//! their ACKs, RESUME with replay of missed dispatches, and closing on request.
//!
//! Sharded as Discord's gateway is (the rules are in [`super::shards`]): an IDENTIFY names its
//! shard `[id, total]` (none: `[0, 1]`) and starts that shard's session, replacing the shard's
//! previous one; READY lists only the shard's guilds, and GUILD_CREATE follows for each of
//! them. An IDENTIFY is refused with 4010 for a shard out of range, 4011 for a shard that would
//! hold too many guilds, 4004 once the daily session start budget is spent, 4005 on a
//! connection that already has a session, and with op 9 INVALID_SESSION `false` (connection
//! left open, as Discord does) when its rate-limit bucket identified less than 5 s before.
//! RESUME finds the session by its id, whichever shard it is, and replays that shard's missed
//! dispatches. Dispatches after READY are routed to shards by `World::dispatch`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::mpsc;

use super::shards::{IdentifyOutcome, Shard};
use super::{Conn, Session, Shared, World, WsOut, close_reason, guilds_on, now_iso, payloads};

/// Heartbeat interval sent in HELLO by default (Discord's usual value).
pub(super) const HEARTBEAT_INTERVAL_MS: u64 = 41_250;

static CONNECTIONS: AtomicU64 = AtomicU64::new(1);

pub(super) async fn upgrade(ws: WebSocketUpgrade, State(shared): State<Arc<Shared>>) -> Response {
    ws.on_upgrade(move |socket| connection(shared, socket))
}

async fn connection(shared: Arc<Shared>, socket: WebSocket) {
    let conn_id = CONNECTIONS.fetch_add(1, Ordering::Relaxed);
    let (mut sink, mut stream) = socket.split();
    let (tx, mut rx) = mpsc::unbounded_channel::<WsOut>();

    let writer = tokio::spawn(async move {
        while let Some(out) = rx.recv().await {
            let sent = match out {
                WsOut::Frame(text) => sink.send(Message::Text(text)).await,
                WsOut::Close(code) => {
                    let _ = sink
                        .send(Message::Close(Some(CloseFrame {
                            code,
                            reason: close_reason(code).into(),
                        })))
                        .await;
                    break;
                }
            };
            if sent.is_err() {
                break;
            }
        }
        let _ = sink.close().await;
    });

    let conn: Conn = (conn_id, tx.clone());
    {
        let mut world = shared.world();
        let interval = world.heartbeat_interval_ms;
        world.send(&conn, payloads::hello(interval));
    }
    while let Some(Ok(message)) = stream.next().await {
        let text = match message {
            Message::Text(text) => text,
            Message::Binary(bytes) => String::from_utf8_lossy(&bytes).into_owned().into(),
            // The WebSocket layer answers the close handshake itself when the writer flushes.
            // The code is kept: a bot that stops cleanly closes with 1000.
            Message::Close(frame) => {
                shared
                    .world()
                    .client_closes
                    .push(frame.map_or(1005, |f| f.code));
                shared.touch();
                break;
            }
            _ => continue,
        };
        let mut world = shared.world();
        let Ok(frame) = serde_json::from_str::<Value>(&text) else {
            world.close(&tx, 4002);
            break;
        };
        world.record_frame(conn_id, true, &frame, text);
        match frame["op"].as_u64() {
            // A silenced connection (a test's fault) gets no ACKs: a zombie, as the client sees it.
            Some(1) if world.faults.silent_connections.contains(&conn_id) => {}
            Some(1) => world.send(&conn, payloads::heartbeat_ack()),
            Some(2) => identify(&shared, &mut world, &conn, &frame["d"]),
            Some(6) => resume(&shared, &mut world, &conn, &frame["d"]),
            // Presence updates, voice state and member requests need no answer here.
            Some(3 | 4 | 8) => {}
            _ => {
                world.close(&tx, 4001);
                break;
            }
        }
        drop(world);
        shared.touch();
    }
    {
        let mut world = shared.world();
        for session in &mut world.sessions {
            if session.conn.as_ref().is_some_and(|(id, _)| *id == conn_id) {
                session.conn = None;
            }
        }
    }
    shared.touch();
    drop((conn, tx));
    // Let the writer flush a closing frame; it ends once every sender is gone.
    if tokio::time::timeout(std::time::Duration::from_secs(1), writer)
        .await
        .is_err()
    {
        tracing::debug!(conn_id, "gateway writer did not finish in time");
    }
}

fn token_ok(shared: &Shared, d: &Value) -> bool {
    d["token"].as_str().map(|t| t.trim_start_matches("Bot ")) == Some(shared.token.as_str())
}

fn identify(shared: &Shared, world: &mut World, conn: &Conn, d: &Value) {
    let shard = Shard::from_identify(&d["shard"]);
    let now = Instant::now();
    let (conn_id, tx) = conn;
    // A connection carries one session: events are routed to sessions, and so to connections.
    let refusal = if world.session_of(*conn_id).is_some() {
        Some(4005)
    } else if !token_ok(shared, d) {
        Some(4004)
    } else if d["intents"].as_u64().is_none() {
        Some(4013)
    } else {
        None
    };
    if let Some(code) = refusal {
        world
            .identifies
            .record(shard, IdentifyOutcome::Closed(code), now);
        world.close(tx, code);
        return;
    }
    let guilds = &world.guilds;
    match world
        .identifies
        .decide(shard, |shard| guilds_on(guilds, shard), now)
    {
        IdentifyOutcome::Accepted => {}
        IdentifyOutcome::InvalidSessionTooEarly => {
            world.send(conn, payloads::invalid_session(false));
            return;
        }
        IdentifyOutcome::SessionStartLimitReached => {
            world.close(tx, 4004);
            return;
        }
        IdentifyOutcome::Closed(code) => {
            world.close(tx, code);
            return;
        }
    }
    let session_id = format!("sandbox-session-{}", world.snowflake());
    // The shard's previous session (if any) can no longer be resumed.
    world.sessions.retain(|s| s.shard != shard);
    world.sessions.push(Session {
        id: session_id.clone(),
        shard,
        seq: 0,
        intents: d["intents"].as_u64().unwrap_or_default(),
        buffer: Vec::new(),
        conn: Some((*conn_id, tx.clone())),
    });
    let session = world.sessions.len() - 1;
    let guild_ids: Vec<u64> = world
        .guilds
        .keys()
        .copied()
        .filter(|&id| shard.owns(Some(id)))
        .collect();
    let ready = payloads::ready(
        &world.bot,
        world.application_id,
        &session_id,
        &world.ws_url,
        &guild_ids,
        shard.pair(),
    );
    world.dispatch_to(session, "READY", ready);
    let joined_at = now_iso();
    for id in guild_ids {
        let d = payloads::guild_create(&world.guilds[&id], &world.bot, &joined_at);
        world.dispatch_to(session, "GUILD_CREATE", d);
    }
}

fn resume(shared: &Shared, world: &mut World, conn: &Conn, d: &Value) {
    let found = world
        .sessions
        .iter()
        .position(|s| Some(s.id.as_str()) == d["session_id"].as_str());
    let (true, Some(index)) = (token_ok(shared, d), found) else {
        world.send(conn, payloads::invalid_session(false));
        return;
    };
    world.resumes += 1;
    let last_seen = d["seq"].as_u64().unwrap_or(0);
    let session = &mut world.sessions[index];
    session.conn = Some(conn.clone());
    let missed = session.buffer.iter().filter(|(seq, _)| *seq > last_seen);
    for (_, text) in missed {
        let _ = conn.1.send(WsOut::Frame(text.clone()));
    }
    world.dispatch_to(index, "RESUMED", serde_json::json!({}));
}
