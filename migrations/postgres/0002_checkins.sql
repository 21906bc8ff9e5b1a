-- Check-ins for care teams: scheduled check-ins and each firing of one, the anonymous pulse,
-- support resources a server adds, buddy pairing, members' shift patterns and the queue of
-- direct messages that wait for quiet hours to end.
-- Kept in step with migrations/sqlite/0002_checkins.sql: same tables, columns and keys.
-- Times are Unix milliseconds (BIGINT), Discord ids are 64-bit integers.

CREATE TABLE checkins (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id      BIGINT NOT NULL REFERENCES servers (guild_id) ON DELETE CASCADE,
    channel_id    BIGINT NOT NULL,
    -- schedule::Schedule's storage form, in the server's time zone.
    schedule      TEXT    NOT NULL,
    -- 'thread', 'pulse' or 'both'.
    style         TEXT    NOT NULL,
    -- When it is next due; firings before it have been handled.
    next_at       BIGINT,
    paused_until  BIGINT,
    created_at    BIGINT NOT NULL
);
CREATE INDEX checkins_next ON checkins (next_at) WHERE next_at IS NOT NULL;

-- One posted check-in. Its post (job 'checkin:<id>') holds the message and thread.
CREATE TABLE checkin_runs (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id      BIGINT NOT NULL REFERENCES servers (guild_id) ON DELETE CASCADE,
    checkin_id    BIGINT REFERENCES checkins (id) ON DELETE SET NULL,
    post_id       BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    prompt_id     TEXT    NOT NULL,
    style         TEXT    NOT NULL,
    opened_at     BIGINT NOT NULL,
    closes_at     BIGINT NOT NULL,
    closed_at     BIGINT,
    -- Filled when the pulse closes: how many answered, and how many chose each answer only
    -- when at least k did (otherwise NULL: too few answers are never kept, even as counts).
    answers       BIGINT,
    struggling    BIGINT,
    not_great     BIGINT,
    okay          BIGINT,
    good          BIGINT,
    great         BIGINT
);
CREATE UNIQUE INDEX checkin_runs_post ON checkin_runs (post_id);
CREATE INDEX checkin_runs_open ON checkin_runs (closes_at) WHERE closed_at IS NULL;
CREATE INDEX checkin_runs_guild ON checkin_runs (guild_id, opened_at);

-- Pulse answers while a check-in is open (one per member, changeable). Deleted when it
-- closes, after they are added up: nothing ties an answer to a member after that. No time is
-- stored with an answer, so the order of answers cannot identify anyone either.
CREATE TABLE pulse_answers (
    run_id        BIGINT NOT NULL REFERENCES checkin_runs (id) ON DELETE CASCADE,
    member_id     BIGINT NOT NULL,
    -- 1 (struggling) to 5 (great).
    answer        BIGINT NOT NULL,
    PRIMARY KEY (run_id, member_id)
);

-- A server's own support resources, shown after the built-in list.
CREATE TABLE support_resources (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id      BIGINT NOT NULL REFERENCES servers (guild_id) ON DELETE CASCADE,
    name          TEXT    NOT NULL,
    contact       TEXT,
    details       TEXT    NOT NULL,
    url           TEXT,
    created_at    BIGINT NOT NULL,
    UNIQUE (guild_id, name)
);

-- Buddy pairing for a server: off until an admin turns it on.
CREATE TABLE buddy_settings (
    guild_id        BIGINT PRIMARY KEY REFERENCES servers (guild_id) ON DELETE CASCADE,
    every_weeks     BIGINT NOT NULL,
    -- The local day and time a round starts (schedule::Schedule's storage form).
    round_schedule  TEXT    NOT NULL,
    next_at         BIGINT,
    -- Days without being seen before a member's buddy gets a gentle nudge; NULL = off.
    gone_quiet_days BIGINT,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX buddy_settings_next ON buddy_settings (next_at) WHERE next_at IS NOT NULL;

CREATE TABLE buddies (
    guild_id      BIGINT NOT NULL REFERENCES servers (guild_id) ON DELETE CASCADE,
    member_id     BIGINT NOT NULL,
    joined_at     BIGINT NOT NULL,
    paused_until  BIGINT,
    -- Last time the member was seen in the server (for the gone-quiet nudge), to the hour.
    last_seen_at  BIGINT,
    PRIMARY KEY (guild_id, member_id)
);

-- Who was grouped with whom: one row per member per round. A round is a post with job
-- 'buddy-round', which makes each round happen exactly once.
CREATE TABLE buddy_groups (
    round_id      BIGINT NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    guild_id      BIGINT NOT NULL REFERENCES servers (guild_id) ON DELETE CASCADE,
    group_no      BIGINT NOT NULL,
    member_id     BIGINT NOT NULL,
    -- When this member's buddies were nudged that they had gone quiet (once per round).
    nudged_at     BIGINT,
    PRIMARY KEY (round_id, member_id)
);
CREATE INDEX buddy_groups_guild ON buddy_groups (guild_id, round_id);
CREATE INDEX buddy_groups_member ON buddy_groups (member_id);

-- A member's shift pattern in a server, which moves their quiet hours.
CREATE TABLE member_shifts (
    guild_id      BIGINT NOT NULL REFERENCES servers (guild_id) ON DELETE CASCADE,
    member_id     BIGINT NOT NULL,
    -- 'days', 'lates', 'nights' or 'custom'.
    pattern       TEXT    NOT NULL,
    -- Local 'HH:MM': no direct messages from quiet_start until quiet_end.
    quiet_start   TEXT    NOT NULL,
    quiet_end     TEXT    NOT NULL,
    updated_at    BIGINT NOT NULL,
    PRIMARY KEY (guild_id, member_id)
);

-- Direct messages waiting to be sent (quiet hours, or a retry). Deleted once sent.
CREATE TABLE dm_queue (
    id              BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    guild_id        BIGINT NOT NULL REFERENCES servers (guild_id) ON DELETE CASCADE,
    member_id       BIGINT NOT NULL,
    -- The member a message is about (a buddy who asked for a chat, or went quiet), so
    -- /privacy forget can remove it too.
    about_member_id BIGINT,
    -- 'buddy-round', 'buddy-notice' or 'gone-quiet'.
    kind            TEXT    NOT NULL,
    body            TEXT    NOT NULL,
    send_after      BIGINT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    created_at      BIGINT NOT NULL
);
CREATE INDEX dm_queue_due ON dm_queue (send_after);
