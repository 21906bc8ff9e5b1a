-- UK bank holidays: which nation's a server keeps, and what its daily post and each check-in
-- do on one (the days themselves are worked out by rule: src/calendar/bank_holidays.rs).
-- No member ids here.
-- Kept in step with migrations/postgres/0009_bank_holidays.sql: same tables and columns.

-- 'england-and-wales', 'scotland' or 'northern-ireland'; NULL = not in the UK (the default).
ALTER TABLE server_settings ADD COLUMN bank_holiday_region TEXT;
-- The daily post on a bank holiday: 'post' (as usual), 'skip', or 'greeting' (a smallest act
-- with a holiday greeting).
ALTER TABLE server_settings ADD COLUMN bank_holidays TEXT NOT NULL DEFAULT 'post';
-- A check-in on a bank holiday: 'post' or 'skip'.
ALTER TABLE checkins ADD COLUMN bank_holidays TEXT NOT NULL DEFAULT 'post';
