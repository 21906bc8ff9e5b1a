-- Connection events: the scheduled events `/event create` made in Discord, so that the bot
-- reminds the channel an hour before and thanks it afterwards, and the impact page counts them.
-- Who is interested is never stored, only how many (Discord's user_count). No member ids here.
-- Kept in step with migrations/postgres/0011_events.sql: same tables, columns and keys.
CREATE TABLE events (
    -- Discord's id of the scheduled event.
    event_id     INTEGER PRIMARY KEY,
    guild_id     INTEGER NOT NULL REFERENCES servers (guild_id) ON DELETE CASCADE,
    -- The daily channel it was announced in, where the reminder and thank-you go.
    channel_id   INTEGER NOT NULL,
    title        TEXT NOT NULL,
    starts_at    INTEGER NOT NULL,
    ends_at      INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    -- How many members are interested, as Discord last said.
    interested   INTEGER NOT NULL DEFAULT 0,
    -- Set once the reminder / thank-you was claimed (or found too late), so scans skip it.
    reminded_at  INTEGER,
    thanked_at   INTEGER,
    -- Set when the event was cancelled or deleted in Discord: no reminder, no thanks.
    cancelled_at INTEGER
);
CREATE INDEX events_guild ON events (guild_id, ends_at);
CREATE INDEX events_due ON events (thanked_at, ends_at);

-- Who may host events besides the admins: one role per server, set by `/event role`.
CREATE TABLE event_hosts (
    guild_id  INTEGER PRIMARY KEY REFERENCES servers (guild_id) ON DELETE CASCADE,
    role_id   INTEGER
);
