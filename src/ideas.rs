//! `/idea` without Discord: offering a member an act that fits what they asked for, never the
//! same one twice running, and stepping down a size when they want something smaller.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Mutex;

use rand::SeedableRng;
use rand::rngs::StdRng;

use crate::acts::{ActFilter, choose_fresh};
use crate::store::{Store, StoreError, StoredAct};

/// How many of a member's recent ideas are avoided while others are available.
const RECENT_PER_MEMBER: usize = 20;
/// Members remembered at once; past this the memory starts afresh (it is only for variety,
/// and keeping it small keeps it out of anyone's personal data).
const MEMBERS_REMEMBERED: usize = 50_000;

/// The answer to "give me something smaller".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Smaller {
    /// One size down, same Way.
    Offer(StoredAct),
    /// Already the smallest size: nothing smaller to give.
    AlreadySmallest(StoredAct),
    /// The act is gone from the catalogue.
    Gone,
}

/// Offers ideas. Remembers, in memory only, the last few acts each member was offered.
pub struct Ideas {
    store: Store,
    recent: Mutex<HashMap<u64, VecDeque<i64>>>,
    rng: Mutex<StdRng>,
}

impl Ideas {
    pub fn new(store: Store) -> Ideas {
        Ideas {
            store,
            recent: Mutex::new(HashMap::new()),
            rng: Mutex::new(StdRng::from_os_rng()),
        }
    }

    /// An act matching `filter` for `member`, avoiding the acts they were offered lately and
    /// never the one they were offered last (unless it is the only match). `None` if nothing
    /// matches the filter.
    pub async fn offer(
        &self,
        guild_id: Option<i64>,
        member_id: u64,
        filter: &ActFilter,
    ) -> Result<Option<StoredAct>, StoreError> {
        let stored = self.store.active_acts(guild_id).await?;
        let (recent_ids, last) = {
            let recent = self.recent.lock().expect("recent ideas");
            let mine = recent.get(&member_id);
            (
                mine.map(|q| q.iter().copied().collect::<HashSet<i64>>())
                    .unwrap_or_default(),
                mine.and_then(|q| q.back().copied()),
            )
        };
        let matching: Vec<&StoredAct> = stored.iter().filter(|s| filter.matches(&s.act)).collect();
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
        let Some(slug) = chosen else {
            return Ok(None);
        };
        let act = candidates
            .into_iter()
            .find(|s| s.act.slug == slug)
            .cloned()
            .expect("chosen from candidates");
        self.remember(member_id, act.id);
        Ok(Some(act))
    }

    /// One size down from `act_id`, keeping its Way.
    pub async fn smaller(
        &self,
        guild_id: Option<i64>,
        member_id: u64,
        act_id: i64,
    ) -> Result<Smaller, StoreError> {
        let Some(current) = self.store.act_by_id(act_id).await? else {
            return Ok(Smaller::Gone);
        };
        let Some(size) = current.act.size.smaller() else {
            return Ok(Smaller::AlreadySmallest(current));
        };
        let filter = ActFilter {
            size: Some(size),
            way: Some(current.act.way),
            setting: None,
        };
        Ok(match self.offer(guild_id, member_id, &filter).await? {
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
                .await?
            {
                Some(act) => Smaller::Offer(act),
                None => Smaller::AlreadySmallest(current),
            },
        })
    }

    /// An act by id, if it still exists.
    pub async fn act(&self, act_id: i64) -> Result<Option<StoredAct>, StoreError> {
        self.store.act_by_id(act_id).await
    }

    fn remember(&self, member_id: u64, act_id: i64) {
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
    pub fn forget_member(&self, member_id: u64) {
        self.recent.lock().expect("recent ideas").remove(&member_id);
    }
}
