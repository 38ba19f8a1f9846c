-- The event store is append-only. Routing state lives in a separate small queue table so that routing never
-- updates event rows (no dead tuples on the big table) and a stored event is routed even if the process that
-- accepted it dies: the queue row commits in the same transaction as the event.

-- Events are routed in 16 partitions by user, so that one router at a time handles a given user's events in
-- order while partitions spread across workers. `& 15` keeps hashtext's negative values in range.
CREATE FUNCTION hogsend_partition(user_id text) RETURNS smallint
  LANGUAGE sql IMMUTABLE PARALLEL SAFE
  AS $$ SELECT (hashtext(user_id) & 15)::smallint $$;

-- messageId idempotency lives in its own table rather than a UNIQUE on events: a TimescaleDB hypertable only
-- allows unique constraints that include its time column (see 0020), and one dedupe path for both layouts keeps
-- `insertEvents` a single statement. Rows are pruned with the events they belong to.
CREATE TABLE event_message_ids (
  message_id text PRIMARY KEY,
  received_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_message_ids_received ON event_message_ids (received_at);

CREATE TABLE events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id text NOT NULL,
  event text NOT NULL,
  user_id text NOT NULL,
  user_email text,
  properties jsonb NOT NULL DEFAULT '{}'::jsonb,
  occurred_at timestamptz NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  -- api | journey | system | webhook | import
  source text NOT NULL DEFAULT 'api',
  -- top-level fields of an ingested event that Hogsend does not know, kept verbatim (NULL when none)
  extra jsonb
);
CREATE INDEX events_user_event_time ON events (user_id, event, occurred_at DESC);
CREATE INDEX events_user_timeline ON events (user_id, id DESC);
-- Retention pruning by age. BRIN, not a btree: occurred_at mostly follows insertion order, a BRIN index costs
-- almost nothing per insert (a btree here cost ingest throughput) and still finds the old block ranges.
CREATE INDEX events_occurred_at ON events USING brin (occurred_at);

CREATE TABLE event_routing_queue (
  event_id bigint PRIMARY KEY,
  partition smallint NOT NULL
);
CREATE INDEX event_routing_queue_partition ON event_routing_queue (partition, event_id);

CREATE TABLE contacts (
  user_id text PRIMARY KEY,
  email text,
  properties jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- global unsubscribe; category preferences live with email delivery
  unsubscribed_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz
);
CREATE INDEX contacts_email ON contacts (lower(email));

-- GDPR erase leaves only one-way hashes behind (sha256 hex of user_id and of lower(email)), so that a later event
-- for the same person recreates the contact as unsubscribed instead of silently resurrecting the address.
CREATE TABLE contact_tombstones (
  user_id_hash text PRIMARY KEY,
  email_hash text,
  erased_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX contact_tombstones_email ON contact_tombstones (email_hash) WHERE email_hash IS NOT NULL;
