-- Private, read-only links to a server's impact page, for the people who are not on Discord
-- (a manager, trustees, a funder). The token itself is never stored: only its SHA-256, so a
-- copy of the database gives no working link. No member ids here.
-- Kept in step with migrations/postgres/0007_impact_links.sql: same tables, columns and keys.
CREATE TABLE impact_links (
    -- Hex SHA-256 of the token in the link.
    token_hash  TEXT PRIMARY KEY,
    guild_id    INTEGER NOT NULL REFERENCES servers (guild_id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    -- Set by `/export revoke`; a revoked link stays invalid.
    revoked_at  INTEGER
);
CREATE INDEX impact_links_guild ON impact_links (guild_id);
