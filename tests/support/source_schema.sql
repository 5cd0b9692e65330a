-- The process database's tables as the report reads them (the original system's
-- schema). Used by `make demo` and the tests to build a real database; production
-- points the `process_db` connection at the existing one. Timestamps are naive here
-- (read in `db_timezone`); the tests also convert them to timestamptz.
CREATE TABLE IF NOT EXISTS process_status (
    id   integer PRIMARY KEY,
    name text
);
CREATE TABLE IF NOT EXISTS "USER" (
    id      serial PRIMARY KEY,
    name    text,
    role_id integer NOT NULL,
    api_key text
);
CREATE TABLE IF NOT EXISTS source (
    id      serial PRIMARY KEY,
    user_id integer NOT NULL REFERENCES "USER"(id),
    uri     text,
    alias   text,
    uuid    uuid NOT NULL DEFAULT gen_random_uuid()
);
-- No unique constraint on process.uuid: the report must cope with duplicates.
CREATE TABLE IF NOT EXISTS process (
    id                 serial PRIMARY KEY,
    uuid               uuid NOT NULL,
    source_id          integer NOT NULL REFERENCES source(id),
    status_id          integer,
    start_time         timestamp,
    ping_time          timestamp,
    stop_time          timestamp,
    user_configuration jsonb
);
CREATE INDEX IF NOT EXISTS process_start_time_idx ON process (start_time);
