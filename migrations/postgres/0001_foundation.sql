-- Servers, their settings, the acts catalogue and the posts made.
-- Kept in step with migrations/sqlite/0001_foundation.sql: same tables, columns and keys.
-- Times are Unix milliseconds (BIGINT), Discord ids are 64-bit integers.

CREATE TABLE servers (
    guild_id   BIGINT PRIMARY KEY,
    name       TEXT    NOT NULL DEFAULT '',
    -- Where failures are reported when no admin channel is set.
    owner_id   BIGINT,
    joined_at  BIGINT NOT NULL,
    -- Set when the bot leaves; the server's data is deleted a retention period later.
    left_at    BIGINT
);

CREATE TABLE server_settings (
    guild_id          BIGINT PRIMARY KEY REFERENCES servers (guild_id) ON DELETE CASCADE,
    timezone          TEXT    NOT NULL DEFAULT 'Europe/London',
    daily_channel_id  BIGINT,
    -- A local time with its days, or a cron expression (schedule::Schedule's storage form).
    daily_schedule    TEXT,
    -- When the daily post is next due; firings before it have been handled.
    daily_next_at     BIGINT,
    paused_until      BIGINT,
    size_plan         TEXT    NOT NULL DEFAULT 'gentle-week',
    -- Comma-separated settings acts must fit ('' = any).
    setting_filter    TEXT    NOT NULL DEFAULT '',
    admin_channel_id  BIGINT,
    -- Loneliness Awareness Week: 1 = take part (default), 0 = not.
    awareness_week    BIGINT NOT NULL DEFAULT 1,
    -- 'YYYY-MM-DD' of a Monday to use instead of the second Monday of June.
    awareness_start   TEXT,
    -- The weekly recap: on by default, Fridays at 16:00 local, in the daily channel unless set.
    recap_enabled     BIGINT NOT NULL DEFAULT 1,
    recap_schedule    TEXT    NOT NULL DEFAULT 'daily 16:00 fri',
    recap_channel_id  BIGINT,
    recap_next_at     BIGINT,
    updated_at        BIGINT NOT NULL
);

CREATE TABLE acts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Stable id from the catalogue, or generated for a server's own act.
    slug        TEXT    NOT NULL,
    -- NULL for the built-in catalogue; the server's id for acts a server added.
    guild_id    BIGINT REFERENCES servers (guild_id) ON DELETE CASCADE,
    text        TEXT    NOT NULL,
    size        TEXT    NOT NULL,
    way         TEXT    NOT NULL,
    settings    TEXT    NOT NULL,
    needs       TEXT    NOT NULL DEFAULT '',
    -- 'catalogue', 'admin' or 'suggestion'.
    origin      TEXT    NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    -- Set when an act leaves the catalogue: kept so past posts still point at it.
    retired_at  BIGINT
);
CREATE UNIQUE INDEX acts_catalogue_slug ON acts (slug) WHERE guild_id IS NULL;
CREATE UNIQUE INDEX acts_server_slug ON acts (guild_id, slug) WHERE guild_id IS NOT NULL;

CREATE TABLE posts (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id    BIGINT NOT NULL REFERENCES servers (guild_id) ON DELETE CASCADE,
    -- Which job posted: 'daily', 'recap', 'checkin:<id>', ...
    job         TEXT    NOT NULL,
    -- The local date or slot the post is for, e.g. '2026-06-08' or '2026-06-08T07:30'.
    slot        TEXT    NOT NULL,
    act_id      BIGINT REFERENCES acts (id),
    channel_id  BIGINT,
    message_id  BIGINT,
    thread_id   BIGINT,
    -- 'claimed', 'sent', 'failed' or 'skipped'.
    status      TEXT    NOT NULL,
    failure     TEXT,
    attempts    BIGINT NOT NULL DEFAULT 0,
    -- When a failed post may be tried again (NULL: not retried).
    retry_at    BIGINT,
    -- The instant the post was scheduled for.
    scheduled_for BIGINT NOT NULL,
    claimed_at  BIGINT NOT NULL,
    sent_at     BIGINT,
    -- The claim that makes a post happen exactly once.
    UNIQUE (guild_id, job, slot)
);
CREATE INDEX posts_guild_act ON posts (guild_id, act_id);
CREATE INDEX posts_retry ON posts (retry_at) WHERE retry_at IS NOT NULL;
CREATE INDEX server_settings_next ON server_settings (daily_next_at) WHERE daily_next_at IS NOT NULL;

-- Acts members suggest for their server's catalogue, waiting for an admin's decision.
CREATE TABLE suggestions (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id    BIGINT NOT NULL REFERENCES servers (guild_id) ON DELETE CASCADE,
    member_id   BIGINT NOT NULL,
    text        TEXT    NOT NULL,
    size        TEXT    NOT NULL,
    way         TEXT    NOT NULL,
    settings    TEXT    NOT NULL,
    -- 'pending', 'approved' or 'declined'.
    status      TEXT    NOT NULL DEFAULT 'pending',
    -- The act an approved suggestion became.
    act_id      BIGINT REFERENCES acts (id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    decided_at  BIGINT,
    decided_by  BIGINT
);
CREATE INDEX suggestions_pending ON suggestions (guild_id, status);

-- Acts members did: from the daily post's "I did it" button (and later replies and /win).
CREATE TABLE wins (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id    BIGINT NOT NULL REFERENCES servers (guild_id) ON DELETE CASCADE,
    member_id   BIGINT NOT NULL,
    post_id     BIGINT REFERENCES posts (id) ON DELETE SET NULL,
    act_id      BIGINT REFERENCES acts (id) ON DELETE SET NULL,
    -- 'button', 'reply' or 'command'.
    source      TEXT    NOT NULL,
    -- 'named', 'anonymous' or 'count' (counted, never shown).
    visibility  TEXT    NOT NULL DEFAULT 'count',
    text        TEXT,
    -- The message a collected reply came from, so edits and deletions follow it.
    message_id  BIGINT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT
);
CREATE INDEX wins_guild_time ON wins (guild_id, created_at);
CREATE INDEX wins_member ON wins (member_id);
CREATE UNIQUE INDEX wins_message ON wins (message_id) WHERE message_id IS NOT NULL;
-- One "I did it" per member per post.
CREATE UNIQUE INDEX wins_one_button_per_post ON wins (post_id, member_id) WHERE source = 'button';

-- A member's own choices, across servers.
CREATE TABLE member_prefs (
    member_id          BIGINT PRIMARY KEY,
    -- 0 = "don't collect my replies": nothing of theirs is stored while off.
    collect            BIGINT NOT NULL DEFAULT 1,
    -- How their collected replies are shared: 'named', 'anonymous' or 'count'.
    default_visibility TEXT    NOT NULL DEFAULT 'anonymous',
    updated_at         BIGINT NOT NULL
);
