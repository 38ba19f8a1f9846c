-- When the TimescaleDB extension is installed on the server, the events table becomes a hypertable chunked by
-- occurred_at (retention can then drop whole chunks). Without it this migration does nothing and events stays a
-- plain table that behaves the same. A hypertable needs every unique constraint to include the time column, so
-- the primary key becomes (id, occurred_at); id stays unique by its identity sequence, and messageId dedupe
-- already lives in event_message_ids (0002).
-- Not exercised by the test suite: the embedded Postgres used here ships without TimescaleDB.
DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') THEN
    CREATE EXTENSION IF NOT EXISTS timescaledb;
    ALTER TABLE events DROP CONSTRAINT events_pkey;
    ALTER TABLE events ADD PRIMARY KEY (id, occurred_at);
    PERFORM create_hypertable('events', 'occurred_at', migrate_data => true,
                              chunk_time_interval => interval '7 days');
  END IF;
END
$$;
