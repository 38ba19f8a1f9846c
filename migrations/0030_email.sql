-- The outbox: one row per email. A journey send inserts its row in the same transaction as the run's journal
-- entry, keyed by (run_id, run_position), so a crash can neither lose nor duplicate it.
CREATE TABLE messages (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  run_id uuid,
  run_position integer,
  journey_id text,
  user_id text,
  to_email text NOT NULL,
  template text NOT NULL,
  subject text NOT NULL,
  category text,
  props jsonb NOT NULL DEFAULT '{}'::jsonb,
  status text NOT NULL DEFAULT 'queued'
    CHECK (status IN ('queued', 'sending', 'sent', 'failed', 'suppressed', 'skipped')),
  status_reason text,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  UNIQUE (run_id, run_position)
);
CREATE INDEX messages_to_template ON messages (lower(to_email), template, created_at DESC);
CREATE INDEX messages_user ON messages (user_id, created_at DESC);
