//! Gateway v10 over a real WebSocket: HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats and
//! their ACKs, RESUME with replay of missed dispatches, and closing on request.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::sync::mpsc;

use super::{RecordedFrame, Session, Shared, WsOut, now_iso, payloads};

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
                WsOut::Frame(frame) => sink.send(Message::Text(frame.to_string().into())).await,
                WsOut::Close(code, reason) => {
                    let _ = sink
                        .send(Message::Close(Some(CloseFrame {
                            code,
                            reason: reason.into(),
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

    let interval = shared.world().heartbeat_interval_ms;
    send(&shared, &tx, payloads::hello(interval));
    while let Some(Ok(message)) = stream.next().await {
        let text = match message {
            Message::Text(text) => text.to_string(),
            Message::Binary(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
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
        let Ok(frame) = serde_json::from_str::<Value>(&text) else {
            let _ = tx.send(WsOut::Close(4002, "Decode error"));
            break;
        };
        let op = frame["op"].as_u64().unwrap_or(u64::MAX);
        shared.world().frames.push(RecordedFrame {
            from_bot: true,
            op,
            event: None,
            payload: frame.clone(),
        });
        match op {
            // A silenced connection (a test's fault) gets no ACKs: a zombie, as the client sees it.
            1 if shared.world().faults.silent_connection == Some(conn_id) => {}
            1 => send(&shared, &tx, payloads::heartbeat_ack()),
            2 => identify(&shared, conn_id, &tx, &frame["d"]),
            6 => resume(&shared, conn_id, &tx, &frame["d"]),
            // Presence updates, voice state and member requests need no answer here.
            3 | 4 | 8 => {}
            _ => {
                let _ = tx.send(WsOut::Close(4001, "Unknown opcode"));
                break;
            }
        }
        shared.touch();
    }
    {
        let mut world = shared.world();
        if let Some(session) = world.session.as_mut()
            && session.conn.as_ref().is_some_and(|(id, _)| *id == conn_id)
        {
            session.conn = None;
        }
    }
    shared.touch();
    drop(tx);
    // Let the writer flush a closing frame; it ends once every sender is gone.
    if tokio::time::timeout(std::time::Duration::from_secs(1), writer)
        .await
        .is_err()
    {
        tracing::debug!(conn_id, "gateway writer did not finish in time");
    }
}

fn send(shared: &Shared, tx: &mpsc::UnboundedSender<WsOut>, frame: Value) {
    shared.world().frames.push(RecordedFrame {
        from_bot: false,
        op: frame["op"].as_u64().unwrap_or(0),
        event: frame["t"].as_str().map(str::to_owned),
        payload: frame.clone(),
    });
    let _ = tx.send(WsOut::Frame(frame));
}

fn identify(shared: &Shared, conn_id: u64, tx: &mpsc::UnboundedSender<WsOut>, d: &Value) {
    if d["token"].as_str().map(|t| t.trim_start_matches("Bot ")) != Some(shared.token.as_str()) {
        let _ = tx.send(WsOut::Close(4004, "Authentication failed."));
        return;
    }
    let Some(intents) = d["intents"].as_u64() else {
        let _ = tx.send(WsOut::Close(4013, "Invalid intent(s)."));
        return;
    };
    let mut world = shared.world();
    world.identifies += 1;
    let session_id = format!("sandbox-session-{}", world.snowflake());
    world.session = Some(Session {
        id: session_id.clone(),
        seq: 0,
        intents,
        buffer: Vec::new(),
        conn: Some((conn_id, tx.clone())),
    });
    let guild_ids: Vec<u64> = world.guilds.keys().copied().collect();
    let bot = world.bot.clone();
    let ready = payloads::ready(
        &bot,
        world.application_id,
        &session_id,
        &world.ws_url.clone(),
        &guild_ids,
    );
    let _ = world.dispatch("READY", ready);
    let guilds: Vec<_> = world.guilds.values().cloned().collect();
    for guild in guilds {
        let d = payloads::guild_create(&guild, &bot, &now_iso());
        let _ = world.dispatch("GUILD_CREATE", d);
    }
}

fn resume(shared: &Shared, conn_id: u64, tx: &mpsc::UnboundedSender<WsOut>, d: &Value) {
    let mut world = shared.world();
    let token_ok =
        d["token"].as_str().map(|t| t.trim_start_matches("Bot ")) == Some(shared.token.as_str());
    let session_matches = world
        .session
        .as_ref()
        .is_some_and(|s| Some(s.id.as_str()) == d["session_id"].as_str());
    if !token_ok || !session_matches {
        drop(world);
        send(shared, tx, payloads::invalid_session(false));
        return;
    }
    world.resumes += 1;
    let last_seen = d["seq"].as_u64().unwrap_or(0);
    let session = world.session.as_mut().expect("checked above");
    session.conn = Some((conn_id, tx.clone()));
    let missed: Vec<Value> = session
        .buffer
        .iter()
        .filter(|f| f["s"].as_u64().is_some_and(|s| s > last_seen))
        .cloned()
        .collect();
    for frame in missed {
        let _ = tx.send(WsOut::Frame(frame));
    }
    let _ = world.dispatch("RESUMED", serde_json::json!({}));
}
