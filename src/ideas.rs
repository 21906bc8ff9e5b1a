//! `/idea` without Discord: offering a member an act that fits what they asked for, never the
//! same one twice running, and stepping down a size when they want something smaller.
//!
//! Ideas are served from memory, so `/idea` and its buttons answer at once even while the
//! database is slow or unreachable: the built-in catalogue is read once at start (it changes
//! only when the bot starts with a new catalogue), and what each member was offered lately is
//! kept in memory only. A server's own acts are read each time, but only for a moment: if the
//! database can't answer by then, they are left out of that one answer, with no fuss.
//!
//! A member can ask for acts with barriers (money, a car, ...) to be left out; that choice is
//! kept per server and read with the server's acts. If the database can't say in time what a
//! member leaves out, every act with a barrier is left out of that answer: an act they
//! excluded is never offered.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::acts::{ActFilter, Avoid, choose_fresh};
use crate::ids::{ActId, GuildId, MemberId};
use crate::store::{Store, StoreError, StoredAct};

/// How many of a member's recent ideas are avoided while others are available.
const RECENT_PER_MEMBER: usize = 20;
/// Members remembered at once; past this the memory starts afresh (it is only for variety,
/// and keeping it small keeps it out of anyone's personal data).
const MEMBERS_REMEMBERED: usize = 50_000;
/// How long an idea waits for a server's own acts before answering without them.
const OWN_ACTS_WAIT: Duration = Duration::from_millis(400);

/// The answer to "give me something smaller".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Smaller {
    /// One size down, same Way.
    Offer(StoredAct),
    /// Already the smallest size: nothing smaller to give.
    AlreadySmallest(StoredAct),
    /// The act is gone from the catalogue.
    Gone,
    /// Nothing one size down is left once what the member avoids is left out, and the act
    /// itself has a barrier they avoid.
    NoneFits,
}

/// Offers ideas. Remembers, in memory only, the last few acts each member was offered.
pub struct Ideas {
    store: Store,
    /// The built-in catalogue as stored (with the ids buttons and history refer to).
    built_in: Vec<StoredAct>,
    recent: Mutex<HashMap<MemberId, VecDeque<ActId>>>,
    rng: Mutex<StdRng>,
}

impl Ideas {
    /// Reads the built-in catalogue once; call it after the catalogue is synced at start.
    pub async fn load(store: Store) -> Result<Ideas, StoreError> {
        let built_in = store.active_acts(None).await?;
        Ok(Ideas {
            store,
            built_in,
            recent: Mutex::new(HashMap::new()),
            rng: Mutex::new(StdRng::from_os_rng()),
        })
    }

    /// A server's own acts when the database answers promptly; none otherwise.
    async fn own_acts(&self, guild_id: Option<GuildId>) -> Vec<StoredAct> {
        let Some(guild_id) = guild_id else {
            return Vec::new();
        };
        self.store
            .within(OWN_ACTS_WAIT, self.store.server_acts(guild_id))
            .await
            .unwrap_or_else(|error| {
                tracing::warn!(%error, "offering an idea without the server's own acts");
                Vec::new()
            })
    }

    /// What a member leaves out where they ask: what they set in that server or, in direct
    /// messages, in any of their servers. Everything with a barrier when the database can't
    /// say in time.
    pub async fn avoid_of(&self, guild_id: Option<GuildId>, member_id: MemberId) -> Avoid {
        match self
            .store
            .within(OWN_ACTS_WAIT, self.store.member_avoids(member_id))
            .await
        {
            Ok(rows) => rows
                .iter()
                .filter(|row| guild_id.is_none_or(|g| row.guild_id == g))
                .fold(Avoid::NOTHING, |avoid, row| {
                    avoid.union(Avoid::from_storage(&row.needs))
                }),
            Err(error) => {
                tracing::warn!(%error, "offering an idea without acts that have barriers");
                Avoid::everything()
            }
        }
    }

    /// Remembers what a member leaves out in a server (nothing: forgets it).
    pub async fn set_avoid(
        &self,
        guild_id: GuildId,
        member_id: MemberId,
        avoid: Avoid,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.store
            .set_member_avoid(guild_id, member_id, &avoid.to_storage(), now_ms)
            .await
    }

    /// An act matching `filter` for `member`, avoiding the acts they were offered lately and
    /// never the one they were offered last (unless it is the only match), and never one
    /// with a barrier they leave out ([`Ideas::avoid_of`]). `None` if nothing matches.
    pub async fn offer(
        &self,
        guild_id: Option<GuildId>,
        member_id: MemberId,
        filter: &ActFilter,
    ) -> Option<StoredAct> {
        let (own, avoid) =
            tokio::join!(self.own_acts(guild_id), self.avoid_of(guild_id, member_id));
        let (recent_ids, last) = {
            let recent = self.recent.lock().expect("recent ideas");
            let mine = recent.get(&member_id);
            (
                mine.map(|q| q.iter().copied().collect::<HashSet<ActId>>())
                    .unwrap_or_default(),
                mine.and_then(|q| q.back().copied()),
            )
        };
        let matching: Vec<&StoredAct> = self
            .built_in
            .iter()
            .chain(&own)
            .filter(|s| filter.matches(&s.act) && avoid.allows(&s.act))
            .collect();
        let candidates: Vec<&StoredAct> = if matching.len() > 1 {
            matching
                .iter()
                .copied()
                .filter(|s| Some(s.id) != last)
                .collect()
        } else {
            matching
        };
        let acts: Vec<crate::acts::Act> = candidates.iter().map(|s| s.act.clone()).collect();
        let used: HashSet<&str> = candidates
            .iter()
            .filter(|s| recent_ids.contains(&s.id))
            .map(|s| s.act.slug.as_str())
            .collect();
        let chosen = {
            let mut rng = self.rng.lock().expect("rng");
            choose_fresh(&acts, &ActFilter::default(), &used, &mut *rng)
                .map(|pick| pick.act.slug.clone())
        };
        let slug = chosen?;
        let act = candidates
            .into_iter()
            .find(|s| s.act.slug == slug)
            .cloned()
            .expect("chosen from candidates");
        self.remember(member_id, act.id);
        Some(act)
    }

    /// One size down from `act_id`, keeping its Way.
    pub async fn smaller(
        &self,
        guild_id: Option<GuildId>,
        member_id: MemberId,
        act_id: ActId,
    ) -> Result<Smaller, StoreError> {
        let Some(current) = self.act(act_id).await? else {
            return Ok(Smaller::Gone);
        };
        let Some(size) = current.act.size.smaller() else {
            if !self
                .avoid_of(guild_id, member_id)
                .await
                .allows(&current.act)
            {
                return Ok(Smaller::NoneFits);
            }
            return Ok(Smaller::AlreadySmallest(current));
        };
        let filter = ActFilter {
            size: Some(size),
            way: Some(current.act.way),
            setting: None,
        };
        Ok(match self.offer(guild_id, member_id, &filter).await {
            Some(act) => Smaller::Offer(act),
            // No act of that Way one size down: any act one size down will do.
            None => match self
                .offer(
                    guild_id,
                    member_id,
                    &ActFilter {
                        way: None,
                        ..filter
                    },
                )
                .await
            {
                Some(act) => Smaller::Offer(act),
                None if self
                    .avoid_of(guild_id, member_id)
                    .await
                    .allows(&current.act) =>
                {
                    Smaller::AlreadySmallest(current)
                }
                None => Smaller::NoneFits,
            },
        })
    }

    /// An act by id, if it still exists: from memory for the built-in catalogue, else (a
    /// server's own act, or a retired one) from the database, briefly.
    pub async fn act(&self, act_id: ActId) -> Result<Option<StoredAct>, StoreError> {
        if let Some(act) = self.built_in.iter().find(|a| a.id == act_id) {
            return Ok(Some(act.clone()));
        }
        self.store
            .within(OWN_ACTS_WAIT, self.store.act_by_id(act_id))
            .await
    }

    fn remember(&self, member_id: MemberId, act_id: ActId) {
        let mut recent = self.recent.lock().expect("recent ideas");
        if recent.len() >= MEMBERS_REMEMBERED && !recent.contains_key(&member_id) {
            recent.clear();
        }
        let mine = recent.entry(member_id).or_default();
        mine.push_back(act_id);
        while mine.len() > RECENT_PER_MEMBER {
            mine.pop_front();
        }
    }

    /// Forgets what a member was offered (for `/privacy forget`).
    pub fn forget_member(&self, member_id: MemberId) {
        self.recent.lock().expect("recent ideas").remove(&member_id);
    }
}
