//! Shared wins without Discord: recording what members did (a reply to the day's post, the
//! "I did it" button, or `/win`), always with their consent and their choice of who sees it.

use std::sync::Arc;

use crate::clock::Clock;
use crate::ids::{ActId, ChannelId, GuildId, MemberId, MessageId, PostId, WinId};
use crate::store::{MemberPrefs, NewWin, Store, StoreError, WinRecord};

/// Who may see a win.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Shared with the member's name.
    Named,
    /// Shared without a name.
    Anonymous,
    /// Counted for the team, never shown.
    Count,
}

impl Visibility {
    pub const ALL: [Visibility; 3] = [Visibility::Named, Visibility::Anonymous, Visibility::Count];

    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Named => "named",
            Visibility::Anonymous => "anonymous",
            Visibility::Count => "count",
        }
    }

    pub fn parse(word: &str) -> Option<Visibility> {
        Visibility::ALL.into_iter().find(|v| v.as_str() == word)
    }

    /// What happens to the win, for confirmations: "shared with your name".
    pub fn outcome(self) -> &'static str {
        match self {
            Visibility::Named => "shared with your name",
            Visibility::Anonymous => "shared anonymously",
            Visibility::Count => "counted but never shown",
        }
    }

    /// What the member chose, in their words.
    pub fn label(self) -> &'static str {
        match self {
            Visibility::Named => "Share with my name",
            Visibility::Anonymous => "Share anonymously",
            Visibility::Count => "Just count it",
        }
    }
}

/// Where a win came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Reply,
    Button,
    Command,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Reply => "reply",
            Source::Button => "button",
            Source::Command => "command",
        }
    }
}

/// The outcome of trying to record a win.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Stored (the win's id).
    Stored(WinId),
    /// The member turned collection off: nothing was stored.
    NotCollecting,
    /// Over the hourly limit: nothing was stored.
    TooMany { limit: u32 },
}

/// A win to record.
#[derive(Debug, Clone)]
pub struct WinInput<'a> {
    pub guild_id: GuildId,
    pub member_id: MemberId,
    pub post_id: Option<PostId>,
    pub act_id: Option<ActId>,
    pub source: Source,
    /// `None`: the member's default.
    pub visibility: Option<Visibility>,
    pub text: Option<&'a str>,
    pub message_id: Option<MessageId>,
}

/// A member's message in a server: a win if it replies to the day's post or is in its thread.
#[derive(Debug, Clone, Copy)]
pub struct Reply<'a> {
    pub guild_id: GuildId,
    pub member_id: MemberId,
    /// Where it was written: a channel, or the day's thread.
    pub channel_id: ChannelId,
    pub message_id: MessageId,
    /// The message it replies to, if any.
    pub replying_to: Option<MessageId>,
    pub text: Option<&'a str>,
}

pub struct Wins {
    store: Store,
    clock: Arc<dyn Clock>,
    max_per_hour: u32,
}

impl Wins {
    pub fn new(store: Store, clock: Arc<dyn Clock>, max_per_hour: u32) -> Wins {
        Wins {
            store,
            clock,
            max_per_hour,
        }
    }

    pub async fn prefs(&self, member_id: MemberId) -> Result<MemberPrefs, StoreError> {
        self.store.member_prefs(member_id).await
    }

    /// Records a win if the member collects and is under the hourly limit. Text is stored as
    /// written (it is made safe when shown, not when kept).
    pub async fn record(&self, win: WinInput<'_>) -> Result<Recorded, StoreError> {
        let prefs = self.store.member_prefs(win.member_id).await?;
        if !prefs.collect {
            return Ok(Recorded::NotCollecting);
        }
        let now = self.clock.now_ms();
        let recent = self
            .store
            .member_wins_since(win.member_id, now - 3_600_000)
            .await?;
        if recent >= i64::from(self.max_per_hour) {
            return Ok(Recorded::TooMany {
                limit: self.max_per_hour,
            });
        }
        let visibility = win
            .visibility
            .or_else(|| Visibility::parse(&prefs.default_visibility))
            .unwrap_or(Visibility::Anonymous);
        let text = win.text.map(str::trim).filter(|t| !t.is_empty());
        let id = self
            .store
            .insert_win(
                &NewWin {
                    guild_id: win.guild_id,
                    member_id: win.member_id,
                    post_id: win.post_id,
                    act_id: win.act_id,
                    source: win.source.as_str(),
                    visibility: visibility.as_str(),
                    text,
                    message_id: win.message_id,
                },
                now,
            )
            .await?;
        Ok(Recorded::Stored(id))
    }

    /// "I did it": the member's win on a post (kept once per post), with optional words.
    pub async fn did_it(
        &self,
        guild_id: GuildId,
        member_id: MemberId,
        post_id: PostId,
        act_id: Option<ActId>,
        text: Option<&str>,
    ) -> Result<Recorded, StoreError> {
        if let Some(existing) = self.store.button_win(post_id, member_id).await? {
            let text = text.map(str::trim).filter(|t| !t.is_empty());
            if text.is_some() {
                self.store
                    .update_member_win(
                        existing.id,
                        member_id,
                        Some(text),
                        None,
                        self.clock.now_ms(),
                    )
                    .await?;
            }
            return Ok(Recorded::Stored(existing.id));
        }
        self.record(WinInput {
            guild_id,
            member_id,
            post_id: Some(post_id),
            act_id,
            source: Source::Button,
            visibility: Some(Visibility::Count),
            text,
            message_id: None,
        })
        .await
    }

    /// A reply in the day's thread or to the day's post. `None` if the message is not a reply
    /// to a daily post.
    pub async fn from_reply(&self, reply: Reply<'_>) -> Result<Option<Recorded>, StoreError> {
        let Some(post) = self
            .store
            .post_for_reply(reply.guild_id, reply.channel_id, reply.replying_to)
            .await?
        else {
            return Ok(None);
        };
        let recorded = self
            .record(WinInput {
                guild_id: reply.guild_id,
                member_id: reply.member_id,
                post_id: Some(post.id),
                act_id: post.act_id,
                source: Source::Reply,
                visibility: None,
                text: reply.text,
                message_id: Some(reply.message_id),
            })
            .await?;
        Ok(Some(recorded))
    }

    /// Follows an edit of a collected message.
    pub async fn edited(
        &self,
        message_id: MessageId,
        text: Option<&str>,
    ) -> Result<bool, StoreError> {
        let text = text.map(str::trim).filter(|t| !t.is_empty());
        self.store
            .update_win_from_message(message_id, text, self.clock.now_ms())
            .await
    }

    /// Follows a deletion of a collected message.
    pub async fn deleted(&self, message_id: MessageId) -> Result<bool, StoreError> {
        self.store.delete_win_from_message(message_id).await
    }

    pub async fn set_visibility(
        &self,
        win_id: WinId,
        member_id: MemberId,
        visibility: Visibility,
    ) -> Result<bool, StoreError> {
        self.store
            .update_member_win(
                win_id,
                member_id,
                None,
                Some(visibility.as_str()),
                self.clock.now_ms(),
            )
            .await
    }

    pub async fn shared(
        &self,
        guild_id: GuildId,
        limit: i64,
    ) -> Result<Vec<WinRecord>, StoreError> {
        self.store.shared_wins(guild_id, limit).await
    }

    pub async fn mine(
        &self,
        guild_id: GuildId,
        member_id: MemberId,
        limit: i64,
    ) -> Result<Vec<WinRecord>, StoreError> {
        self.store.member_wins(guild_id, member_id, limit).await
    }

    pub async fn delete_mine(
        &self,
        win_id: WinId,
        member_id: MemberId,
    ) -> Result<bool, StoreError> {
        self.store.delete_member_win(win_id, member_id).await
    }

    /// Turns collection of a member's replies off or on.
    pub async fn set_collecting(
        &self,
        member_id: MemberId,
        collect: bool,
    ) -> Result<(), StoreError> {
        let mut prefs = self.store.member_prefs(member_id).await?;
        prefs.collect = collect;
        self.store
            .set_member_prefs(member_id, &prefs, self.clock.now_ms())
            .await
    }

    /// How a member's replies are shared unless they say otherwise.
    pub async fn set_default_visibility(
        &self,
        member_id: MemberId,
        visibility: Visibility,
    ) -> Result<(), StoreError> {
        let mut prefs = self.store.member_prefs(member_id).await?;
        prefs.default_visibility = visibility.as_str().to_owned();
        self.store
            .set_member_prefs(member_id, &prefs, self.clock.now_ms())
            .await
    }

    /// Deletes wins past their retention and the data of servers left long enough ago.
    pub async fn apply_retention(
        &self,
        wins_days: u32,
        left_server_days: u32,
    ) -> Result<(u64, u64), StoreError> {
        let now = self.clock.now_ms();
        let day = 86_400_000_i64;
        let wins = self
            .store
            .delete_wins_before(now - i64::from(wins_days) * day)
            .await?;
        let servers = self
            .store
            .delete_servers_left_before(now - i64::from(left_server_days) * day)
            .await?;
        Ok((wins, servers))
    }
}
