-- Acts without barriers: what a server's daily post leaves out, and what each member asked
-- `/idea` to leave out in each server (acts needing money, alcohol, a car, getting about or
-- an outgoing manner; acts::Avoid's stored form, e.g. 'money,car').
-- Kept in step with migrations/sqlite/0010_barriers.sql: same tables, columns and keys.
ALTER TABLE server_settings ADD COLUMN avoid_needs TEXT NOT NULL DEFAULT '';

-- A row only while a member leaves something out; `/privacy forget` deletes theirs.
CREATE TABLE member_avoids (
    guild_id    BIGINT NOT NULL REFERENCES servers (guild_id) ON DELETE CASCADE,
    member_id   BIGINT NOT NULL,
    needs       TEXT    NOT NULL,
    updated_at  BIGINT NOT NULL,
    PRIMARY KEY (guild_id, member_id)
);
CREATE INDEX member_avoids_member ON member_avoids (member_id);
