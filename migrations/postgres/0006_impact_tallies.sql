-- Tallies of wins kept as wins come and go, so the impact figures for a server with a million
-- wins are read from a few thousand rows instead of counted from the wins themselves.
-- Kept in step with migrations/sqlite/0006_impact_tallies.sql: same tables, columns and keys.
--
-- The store keeps them exact: every statement that adds or removes wins changes the tallies
-- in the same transaction (src/store/tallies.rs), and a server's tallies go with it (cascade).
-- A win is counted once its local_date is set. Wins stored before this migration have none:
-- the store fills them in at start-up (Store::migrate) with the server's time zone of that
-- moment, and tallies them as it goes, the same way as on SQLite (which cannot do it in SQL).

-- The day of the win in the server's time zone at the time of the win, 'YYYY-MM-DD'.
ALTER TABLE wins ADD COLUMN local_date TEXT;
-- Wins not yet tallied (none, once the start-up backfill has run).
CREATE INDEX wins_untallied ON wins (guild_id, created_at) WHERE local_date IS NULL;

-- Wins per server, local day and the act's size and Way ('' and '' for a win without act).
CREATE TABLE win_days (
    guild_id    BIGINT  NOT NULL REFERENCES servers (guild_id) ON DELETE CASCADE,
    local_date  TEXT    NOT NULL,
    size        TEXT    NOT NULL,
    way         TEXT    NOT NULL,
    wins        BIGINT  NOT NULL,
    PRIMARY KEY (guild_id, local_date, size, way)
);
-- Rows brought down to no wins, deleted right after (the index stays all but empty).
CREATE INDEX win_days_spent ON win_days (guild_id) WHERE wins <= 0;

-- The same per week (the Monday of local_date): a range of whole weeks reads these.
CREATE TABLE win_weeks (
    guild_id    BIGINT  NOT NULL REFERENCES servers (guild_id) ON DELETE CASCADE,
    week_start  TEXT    NOT NULL,
    size        TEXT    NOT NULL,
    way         TEXT    NOT NULL,
    wins        BIGINT  NOT NULL,
    PRIMARY KEY (guild_id, week_start, size, way)
);
CREATE INDEX win_weeks_spent ON win_weeks (guild_id) WHERE wins <= 0;

-- Who took part in a server's week (the Monday of local_date), with how many wins, so the
-- members taking part can be counted per week and over a range without reading wins.
-- Holds member ids: store::MEMBER_COLUMNS lists it, and /privacy forget erases it.
CREATE TABLE member_weeks (
    guild_id    BIGINT  NOT NULL REFERENCES servers (guild_id) ON DELETE CASCADE,
    week_start  TEXT    NOT NULL,
    member_id   BIGINT  NOT NULL,
    wins        BIGINT  NOT NULL,
    PRIMARY KEY (guild_id, week_start, member_id)
);
-- For /privacy forget.
CREATE INDEX member_weeks_member ON member_weeks (member_id);
-- For counting the members over many weeks: member by member, one probe each.
CREATE INDEX member_weeks_guild_member ON member_weeks (guild_id, member_id, week_start);
CREATE INDEX member_weeks_spent ON member_weeks (guild_id) WHERE wins <= 0;
