//! What the jobs hand to the Discord side, as plain data ([`Outgoing`]), the one interface
//! that delivers it ([`Deliver`]), and the nonce that lets the bot's own MESSAGE_CREATE
//! confirm a send whose REST answer was lost ([`confirm_delivery`]).

use std::future::Future;
use std::pin::Pin;

use chrono::NaiveDate;

use crate::acts::Way;
use crate::checkins::{CheckinStyle, PulseResult};
use crate::daily::AwarenessWeek;
use crate::ids::{ChannelId, DmId, GuildId, MemberId, MessageId, PostId, RunId};
use crate::store::{Created, Store, StoreError, StoredAct};

/// The day's act, ready to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyPost {
    pub post_id: PostId,
    pub guild_id: GuildId,
    pub channel_id: ChannelId,
    pub act: StoredAct,
    pub local_date: NaiveDate,
    /// 0 (Monday) to 6 (Sunday) during Loneliness Awareness Week.
    pub awareness_day: Option<u32>,
    /// The bank holiday the post greets ("Summer bank holiday"), on a holiday the server
    /// asked for a smallest act with a greeting.
    pub holiday: Option<String>,
}

/// Something the bot should post. Plain data: the Discord side renders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outgoing {
    Daily(DailyPost),
    /// Monday of Loneliness Awareness Week: what the week is and how to take part.
    AwarenessKickoff {
        post_id: PostId,
        channel_id: ChannelId,
        week: AwarenessWeek,
    },
    /// Sunday of the week: how many acts the team did, with the week's share card (drawn
    /// from these counts).
    AwarenessClosing {
        post_id: PostId,
        channel_id: ChannelId,
        week: AwarenessWeek,
        acts_done: i64,
        /// Acts done for each Way to Wellbeing.
        ways: Vec<(Way, u64)>,
    },
    /// The weekly recap.
    Recap {
        post_id: PostId,
        channel_id: ChannelId,
        server: String,
        recap: Box<crate::recap::Recap>,
    },
    /// A scheduled check-in: a prompt, with a thread and/or the pulse buttons.
    Checkin(CheckinPost),
    /// An hour before a connection event: a reminder with its link.
    EventReminder {
        post_id: PostId,
        channel_id: ChannelId,
        title: String,
        url: String,
        /// Unix seconds.
        starts_at: i64,
    },
    /// After a connection event: thanks, with how many were interested (never who).
    EventThanks {
        post_id: PostId,
        channel_id: ChannelId,
        title: String,
        interested: i64,
    },
    /// A closed pulse, added up: posted in the check-in's thread (or channel).
    PulseResults {
        post_id: PostId,
        channel_id: ChannelId,
        /// What it was for: "Monday's 14:00 check-in".
        title: String,
        result: PulseResult,
        min_answers: u32,
    },
    /// A direct message to one member (buddy pairing), sent outside their quiet hours.
    DirectMessage {
        /// Its row in the queue (the nonce).
        dm_id: DmId,
        member_id: MemberId,
        text: String,
    },
    /// The thread a post opens, opened after the fact: the post was confirmed by its own
    /// MESSAGE_CREATE after its REST answer was lost.
    Thread {
        channel_id: ChannelId,
        message_id: MessageId,
        name: String,
    },
    /// A post could not be delivered: tell the server's admins.
    AdminAlert {
        admin_channel_id: Option<ChannelId>,
        owner_id: Option<MemberId>,
        text: String,
    },
}

impl Outgoing {
    /// A nonce unique to this outgoing post: Discord's `enforce_nonce` returns the first
    /// message for a repeated one (for a few minutes), and the bot's own MESSAGE_CREATE
    /// carries it back, which confirms the post was sent even if the REST answer was lost
    /// ([`confirm_delivery`]).
    pub fn nonce(&self) -> Option<String> {
        match self {
            Outgoing::Daily(DailyPost { post_id, .. })
            | Outgoing::Checkin(CheckinPost { post_id, .. })
            | Outgoing::AwarenessKickoff { post_id, .. }
            | Outgoing::AwarenessClosing { post_id, .. }
            | Outgoing::Recap { post_id, .. }
            | Outgoing::EventReminder { post_id, .. }
            | Outgoing::EventThanks { post_id, .. }
            | Outgoing::PulseResults { post_id, .. } => Some(Confirmation::Post(*post_id).nonce()),
            Outgoing::DirectMessage { dm_id, .. } => {
                Some(Confirmation::DirectMessage(*dm_id).nonce())
            }
            Outgoing::Thread { .. } | Outgoing::AdminAlert { .. } => None,
        }
    }

    /// What it is, for an admin alert: "today's act of connection".
    pub(super) fn what(&self) -> &'static str {
        match self {
            Outgoing::Recap { .. } => "the weekly recap",
            Outgoing::Checkin(_) => "a check-in",
            Outgoing::EventReminder { .. } => "an event's reminder",
            Outgoing::EventThanks { .. } => "an event's thank-you",
            _ => "today's act of connection",
        }
    }

    /// The command that sets its channel again.
    pub(super) fn setup_command(&self) -> &'static str {
        match self {
            Outgoing::Recap { .. } => "/recap setup",
            Outgoing::Checkin(_) => "/checkin add",
            _ => "/daily setup",
        }
    }

    pub(super) fn channel_id(&self) -> Option<ChannelId> {
        match self {
            Outgoing::Daily(p) => Some(p.channel_id),
            Outgoing::Checkin(c) => Some(c.channel_id),
            Outgoing::AwarenessKickoff { channel_id, .. }
            | Outgoing::AwarenessClosing { channel_id, .. }
            | Outgoing::Recap { channel_id, .. }
            | Outgoing::PulseResults { channel_id, .. }
            | Outgoing::EventReminder { channel_id, .. }
            | Outgoing::EventThanks { channel_id, .. }
            | Outgoing::Thread { channel_id, .. } => Some(*channel_id),
            Outgoing::DirectMessage { .. } | Outgoing::AdminAlert { .. } => None,
        }
    }
}

/// The name of a check-in's thread, within Discord's 100 characters.
pub fn checkin_thread_name(title: &str) -> String {
    crate::echo::cut(&format!("{title} · how's everyone?"), 100)
}

/// A check-in, ready to post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckinPost {
    pub post_id: PostId,
    pub run_id: RunId,
    pub channel_id: ChannelId,
    pub prompt: String,
    pub style: CheckinStyle,
    /// "Monday 14:00 check-in".
    pub title: String,
    /// When the pulse closes, local "HH:MM" (with the day if not today).
    pub closes: String,
    pub min_answers: u32,
}

/// Why a delivery failed, in terms the dispatcher can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeliveryError {
    #[error("the channel no longer exists (it was deleted, or the bot can't see it)")]
    ChannelGone,
    #[error("the bot is missing a permission: {0}")]
    MissingPermission(String),
    #[error("Discord is busy or unreachable: {0}")]
    Transient(String),
    #[error("Discord refused it: {0}")]
    Refused(String),
}

impl DeliveryError {
    /// Retrying only helps when nothing about the server has to change first.
    pub fn retryable(&self) -> bool {
        matches!(self, DeliveryError::Transient(_))
    }
}

/// What a delivery produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delivered {
    pub message_id: MessageId,
    pub thread_id: Option<ChannelId>,
}

pub type DeliveryFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Delivered, DeliveryError>> + Send + 'a>>;

/// Delivers outgoing posts (implemented by the Discord side, and by fakes in unit tests).
pub trait Deliver: Send + Sync + 'static {
    fn deliver<'a>(&'a self, outgoing: &'a Outgoing) -> DeliveryFuture<'a>;
}

/// What a nonce the bot sent stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// A post (its row in the posts table).
    Post(PostId),
    /// A queued direct message (its row in the queue).
    DirectMessage(DmId),
}

impl Confirmation {
    /// The nonce sent with it: at most 25 characters, as Discord allows.
    pub fn nonce(self) -> String {
        match self {
            Confirmation::Post(id) => format!("sa-{id}"),
            Confirmation::DirectMessage(id) => format!("sa-dm-{id}"),
        }
    }

    pub fn parse(nonce: &str) -> Option<Confirmation> {
        if let Some(id) = nonce.strip_prefix("sa-dm-") {
            return id.parse().ok().map(Confirmation::DirectMessage);
        }
        nonce
            .strip_prefix("sa-")
            .and_then(|id| id.parse().ok())
            .map(Confirmation::Post)
    }
}

/// The bot saw its own message come back over the gateway with `nonce`: whatever the REST
/// answer said (or if it never came), that post or direct message went out. Returns true
/// when its REST answer had failed, so that only this tells it went out.
pub async fn confirm_delivery(
    store: &Store,
    nonce: &str,
    message_id: MessageId,
    now_ms: i64,
) -> Result<bool, StoreError> {
    match Confirmation::parse(nonce) {
        Some(Confirmation::Post(post_id)) => Ok(store
            .confirm_post_created(post_id, message_id, now_ms)
            .await?
            == Created::AfterItsAnswerFailed),
        // A direct message waiting in the queue was sent, whether its answer came or not.
        Some(Confirmation::DirectMessage(dm_id)) => store.confirm_dm_sent(dm_id).await,
        None => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_round_trip_and_fit_discords_25_characters() {
        for confirmation in [
            Confirmation::Post(PostId(i64::MAX)),
            Confirmation::Post(PostId(1)),
            Confirmation::DirectMessage(DmId(i64::MAX)),
        ] {
            let nonce = confirmation.nonce();
            assert!(nonce.len() <= 25, "{nonce}");
            assert_eq!(Confirmation::parse(&nonce), Some(confirmation));
        }
        assert_eq!(Confirmation::parse("sa-x"), None);
        assert_eq!(Confirmation::parse("something else"), None);
        assert_eq!(Confirmation::parse("12345"), None);
    }
}
