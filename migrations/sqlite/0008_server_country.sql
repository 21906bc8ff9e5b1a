-- A server's country, set by an admin with `/settings country:`, chooses which support list
-- its members are shown (config/support/<country>.toml, or the international list). An ISO
-- 3166-1 alpha-2 code ("ZZ" for another country); NULL follows the time zone's suggestion.
-- No member ids here.
-- Kept in step with migrations/postgres/0008_server_country.sql: same tables, columns and keys.
ALTER TABLE server_settings ADD COLUMN country TEXT;
