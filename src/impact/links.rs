//! Private, read-only links to a server's impact page. A link carries a random token of 256
//! bits and nothing else (never the server's id); the database keeps only the token's SHA-256,
//! compared in constant time. A link expires (90 days unless the admin chose otherwise) and
//! can be revoked; an expired, revoked, unknown or malformed token is simply "not valid", the
//! same answer for each.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use rand::RngCore as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::clock::Clock;
use crate::ids::GuildId;
use crate::store::{Store, StoreError};

/// Days a link lasts unless the admin chooses.
pub const DEFAULT_DAYS: u32 = 90;
/// The longest a link may last.
pub const MAX_DAYS: u32 = 366;
/// Random bytes in a token (shown as twice as many hex digits).
const TOKEN_BYTES: usize = 32;

/// A link just made: the token goes into the URL and is never shown again.
#[derive(Debug, Clone)]
pub struct NewLink {
    pub token: String,
    pub expires_at: DateTime<Utc>,
}

/// Why a link could not be made.
#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("A link can last from 1 to {MAX_DAYS} days; choose a number in that range, e.g. 90.")]
    BadDays,
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub struct ImpactLinks {
    store: Store,
    clock: Arc<dyn Clock>,
}

impl ImpactLinks {
    pub fn new(store: Store, clock: Arc<dyn Clock>) -> ImpactLinks {
        ImpactLinks { store, clock }
    }

    /// Makes a new link to a server's page, lasting `days`.
    pub async fn create(&self, guild_id: GuildId, days: u32) -> Result<NewLink, LinkError> {
        if !(1..=MAX_DAYS).contains(&days) {
            return Err(LinkError::BadDays);
        }
        let mut bytes = [0u8; TOKEN_BYTES];
        rand::rng().fill_bytes(&mut bytes);
        let token = hex(&bytes);
        let now = self.clock.now();
        let expires_at = now + chrono::Duration::days(i64::from(days));
        self.store
            .insert_impact_link(
                guild_id,
                &token_hash(&token),
                now.timestamp_millis(),
                expires_at.timestamp_millis(),
            )
            .await?;
        Ok(NewLink { token, expires_at })
    }

    /// The server whose page `token` opens, if it is a valid link now.
    pub async fn open(&self, token: &str) -> Result<Option<GuildId>, StoreError> {
        if !well_formed(token) {
            return Ok(None);
        }
        let hash = token_hash(token);
        let Some(link) = self.store.impact_link(&hash).await? else {
            return Ok(None);
        };
        let matches: bool = link.token_hash.as_bytes().ct_eq(hash.as_bytes()).into();
        let live = link.revoked_at.is_none() && link.expires_at > self.clock.now_ms();
        Ok((matches && live).then_some(link.guild_id))
    }

    /// Revokes every live link of a server; returns how many there were.
    pub async fn revoke(&self, guild_id: GuildId) -> Result<u64, StoreError> {
        self.store
            .revoke_impact_links(guild_id, self.clock.now_ms())
            .await
    }

    /// How many live links a server has.
    pub async fn live(&self, guild_id: GuildId) -> Result<usize, StoreError> {
        Ok(self
            .store
            .valid_impact_links(guild_id, self.clock.now_ms())
            .await?
            .len())
    }
}

/// What the database keeps of a token: its SHA-256 in hex.
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// A token as this bot makes them: 64 lowercase hex digits.
fn well_formed(token: &str) -> bool {
    token.len() == TOKEN_BYTES * 2
        && token
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_checked_for_shape_before_anything_else() {
        assert!(well_formed(&"a1".repeat(32)));
        assert!(!well_formed(&"A1".repeat(32)));
        assert!(!well_formed(&"a1".repeat(31)));
        assert!(!well_formed("../../etc/passwd"));
    }

    #[test]
    fn the_hash_is_sha256_in_hex() {
        // SHA-256("abc"), from FIPS 180-2.
        assert_eq!(
            token_hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
