-- Several processes on one database. Each process keeps a row here, refreshed by its
-- heartbeat: the live ones split the bot's global request budget (Discord counts it per bot
-- token, not per process), and an operator can see the fleet and its shards.
-- Kept in step with migrations/postgres/0004_fleet.sql: same tables, columns and keys.
CREATE TABLE processes (
    -- 'host:pid:random', as the process signs its leases.
    owner TEXT PRIMARY KEY,
    started_at INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    -- The gateway shards it runs, '0-1/4' (NULL until its gateway starts).
    shards TEXT
);
CREATE INDEX processes_heartbeat ON processes (heartbeat_at);

-- Short, named locks between processes (who holds it, until when, Unix ms): the gateway's
-- identify turn, so two processes starting together do not identify in the same 5 s window.
CREATE TABLE fleet_locks (
    name TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    until_ms INTEGER NOT NULL
);

-- A server whose daily post is due is taken by one process at a time, under a lease that
-- lapses if that process dies, so two processes never both work out the same server's day.
ALTER TABLE server_settings ADD COLUMN daily_lease_owner TEXT;
ALTER TABLE server_settings ADD COLUMN daily_lease_until INTEGER;
