-- The thread pass after a rush looks for posts sent whose thread is still to open, oldest
-- first, 500 at a time: without an index each look reads the whole day's posts (1.3 s at
-- 20,000 posts on PostgreSQL).
CREATE INDEX posts_threads_to_open ON posts (id) WHERE status = 'sent' AND thread_name IS NOT NULL;
