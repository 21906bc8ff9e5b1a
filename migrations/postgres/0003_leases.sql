-- Claims that cannot be stranded: every claimed post is held under a lease (which process,
-- until when). A process that dies or is stopped mid-send leaves a lease that expires, and
-- any process then takes the post over and sends it once, with the same nonce. Pulse
-- closings become posts too (job 'pulse-results'), so they are claimed the same way.
-- Kept in step with migrations/sqlite/0003_leases.sql: same tables, columns and keys.

-- The process holding the claim ('host:pid:random') and until when (Unix ms).
ALTER TABLE posts ADD COLUMN lease_owner TEXT;
ALTER TABLE posts ADD COLUMN lease_until BIGINT;
-- The name of the thread the post still has to open (NULL: none wanted, or done). Set at the
-- claim; cleared when the delivery has dealt with the thread. A post confirmed only by its
-- own MESSAGE_CREATE (its REST answer was lost) keeps it, and the thread is opened later.
ALTER TABLE posts ADD COLUMN thread_name TEXT;
CREATE INDEX posts_leases ON posts (lease_until) WHERE status = 'claimed';
CREATE INDEX posts_threads ON posts (id) WHERE thread_name IS NOT NULL;

-- Which process holds a queued direct message (its lease is send_after), so a graceful stop
-- can hand back exactly its own.
ALTER TABLE dm_queue ADD COLUMN lease_owner TEXT;
