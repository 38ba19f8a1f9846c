-- The reputation guard's switch (owned by src/email/outbox/sending-pause-store.ts). One row. While `paused_at` is
-- set, the delivery claim skips every message whose category is not `transactional`: held in the queue, never
-- dropped or failed. Every worker reads it in its claim statement, so a pause holds within one claim.
CREATE TABLE sending_pause (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  paused_at timestamptz,
  reason text,
  -- the rule (or admin) that paused, and who resumed last
  paused_by text,
  resumed_at timestamptz,
  resumed_by text
);
INSERT INTO sending_pause (id) VALUES (true);
-- Claims under a pause look for due transactional mail only.
CREATE INDEX messages_due_transactional ON messages (next_attempt_at) WHERE status = 'queued' AND category = 'transactional';
