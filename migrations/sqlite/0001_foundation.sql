-- Servers, their settings, the acts catalogue and the posts made.
-- Kept in step with migrations/postgres/0001_foundation.sql: same tables, columns and keys.
-- Times are Unix milliseconds (INTEGER), Discord ids are 64-bit integers.

CREATE TABLE servers (
    guild_id   INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL DEFAULT '',
    joined_at  INTEGER NOT NULL,
    -- Set when the bot leaves; the server's data is deleted a retention period later.
    left_at    INTEGER
);

CREATE TABLE server_settings (
    guild_id          INTEGER PRIMARY KEY REFERENCES servers (guild_id) ON DELETE CASCADE,
    timezone          TEXT    NOT NULL DEFAULT 'Europe/London',
    daily_channel_id  INTEGER,
    -- Either a local HH:MM with a day rule, or a cron expression.
    daily_time        TEXT,
    daily_days        TEXT    NOT NULL DEFAULT 'every',
    daily_cron        TEXT,
    paused_until      INTEGER,
    size_plan         TEXT    NOT NULL DEFAULT 'gentle-week',
    -- Comma-separated settings acts must fit ('' = any).
    setting_filter    TEXT    NOT NULL DEFAULT '',
    admin_channel_id  INTEGER,
    awareness_week    INTEGER NOT NULL DEFAULT 1,
    updated_at        INTEGER NOT NULL
);

CREATE TABLE acts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Stable id from the catalogue, or generated for a server's own act.
    slug        TEXT    NOT NULL,
    -- NULL for the built-in catalogue; the server's id for acts a server added.
    guild_id    INTEGER REFERENCES servers (guild_id) ON DELETE CASCADE,
    text        TEXT    NOT NULL,
    size        TEXT    NOT NULL,
    way         TEXT    NOT NULL,
    settings    TEXT    NOT NULL,
    needs       TEXT    NOT NULL DEFAULT '',
    -- 'catalogue', 'admin' or 'suggestion'.
    origin      TEXT    NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    -- Set when an act leaves the catalogue: kept so past posts still point at it.
    retired_at  INTEGER
);
CREATE UNIQUE INDEX acts_catalogue_slug ON acts (slug) WHERE guild_id IS NULL;
CREATE UNIQUE INDEX acts_server_slug ON acts (guild_id, slug) WHERE guild_id IS NOT NULL;

CREATE TABLE posts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id    INTEGER NOT NULL REFERENCES servers (guild_id) ON DELETE CASCADE,
    -- Which job posted: 'daily', 'recap', 'checkin:<id>', ...
    job         TEXT    NOT NULL,
    -- The local date or slot the post is for, e.g. '2026-06-08' or '2026-06-08T07:30'.
    slot        TEXT    NOT NULL,
    act_id      INTEGER REFERENCES acts (id),
    channel_id  INTEGER,
    message_id  INTEGER,
    thread_id   INTEGER,
    -- 'claimed', 'sent', 'failed' or 'skipped'.
    status      TEXT    NOT NULL,
    failure     TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    claimed_at  INTEGER NOT NULL,
    sent_at     INTEGER,
    -- The claim that makes a post happen exactly once.
    UNIQUE (guild_id, job, slot)
);
CREATE INDEX posts_guild_act ON posts (guild_id, act_id);
