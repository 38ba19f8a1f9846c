-- The outbox: one row per email. A journey send inserts its row in the same transaction as the run's journal
-- entry, keyed by (run_id, run_position), so a crash can neither lose nor duplicate it. Delivery workers claim
-- rows with FOR UPDATE SKIP LOCKED and a lease; the row's id is the provider idempotency key and the stable
-- Message-ID, so a retry after a crash is recognisable as the same email.
CREATE TABLE messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  run_id uuid,
  run_position integer,
  journey_id text,
  journey_name text,
  user_id text,
  to_email text NOT NULL,
  from_email text,
  template text NOT NULL,
  subject text NOT NULL,
  category text,
  props jsonb NOT NULL DEFAULT '{}'::jsonb,
  -- client-supplied key for transactional sends (POST /v1/send), so an API retry does not queue twice
  idempotency_key text UNIQUE,
  status text NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'suppressed', 'skipped')),
  status_reason text,
  provider text,
  provider_message_id text,
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_owner text,
  lease_expires_at timestamptz,
  last_error text,
  -- render snapshot written when the message is handed to the provider: what was actually sent
  headers jsonb,
  html text,
  text_body text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  UNIQUE (run_id, run_position)
);
CREATE INDEX messages_to_template ON messages (lower(to_email), template, created_at DESC);
CREATE INDEX messages_user ON messages (user_id, created_at DESC);
CREATE INDEX messages_provider_message_id ON messages (provider_message_id) WHERE provider_message_id IS NOT NULL;
-- What the delivery loop claims: queued rows that are due, and rows whose sender died (lease expired).
CREATE INDEX messages_due ON messages (next_attempt_at) WHERE status = 'queued';
CREATE INDEX messages_leased ON messages (lease_expires_at) WHERE status = 'sending';
-- The journey suppress window asks "when did this journey last email this user?"
CREATE INDEX messages_journey_user ON messages (journey_id, user_id, created_at DESC) WHERE journey_id IS NOT NULL;
CREATE INDEX messages_created ON messages (created_at DESC, id DESC);

-- A queued message goes out promptly: one notification per inserting statement wakes the delivery loops.
CREATE FUNCTION hogsend_notify_messages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('hogsend_messages', '');
  RETURN NULL;
END $$;
CREATE TRIGGER messages_notify AFTER INSERT ON messages
  FOR EACH STATEMENT EXECUTE FUNCTION hogsend_notify_messages();
