-- Alerts (src/alerts/): the current state of each rule, its history, the notifications it owes each channel, and
-- the lease that makes one worker at a time the evaluator.

-- One row per rule that has ever been evaluated. `status` is what the state machine (alert-state-machine.ts) last
-- decided; a transition and its history row and notifications are written in one transaction under this row's lock.
CREATE TABLE alert_state (
  rule text PRIMARY KEY,
  status text NOT NULL CHECK (status IN ('ok', 'firing')),
  severity text CHECK (severity IN ('warning', 'critical')),
  value double precision,
  threshold double precision,
  summary text,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  opened_at timestamptz,
  last_notified_at timestamptz,
  resolved_at timestamptz,
  evaluated_at timestamptz NOT NULL
);

CREATE TABLE alert_history (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  rule text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('opened', 'escalated', 'repeated', 'resolved')),
  severity text CHECK (severity IN ('warning', 'critical')),
  value double precision,
  threshold double precision,
  summary text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  at timestamptz NOT NULL
);
CREATE INDEX alert_history_at ON alert_history (at DESC, id DESC);

-- The channels' outbox: one row per (history entry, channel), written with the transition; a delivery loop sends
-- them with retries, so a Slack outage delays a notification and never loses it.
CREATE TABLE alert_notifications (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  history_id bigint NOT NULL REFERENCES alert_history (id) ON DELETE CASCADE,
  channel text NOT NULL CHECK (channel IN ('slack', 'webhook', 'email')),
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL,
  last_error text,
  sent_at timestamptz,
  UNIQUE (history_id, channel)
);
CREATE INDEX alert_notifications_due ON alert_notifications (next_attempt_at) WHERE status = 'pending';

-- Who evaluates: one row per lease name, taken by UPDATE when free or expired (like routing_partitions).
CREATE TABLE alert_leases (
  name text PRIMARY KEY,
  owner text,
  expires_at timestamptz
);
INSERT INTO alert_leases (name) VALUES ('evaluator');

-- The rates the rules read, over a window: sends by sent_at, hard bounces and complaints by when they happened,
-- failures by when they were recorded, webhook receipts by arrival.
CREATE INDEX messages_sent_at ON messages (sent_at) WHERE sent_at IS NOT NULL;
CREATE INDEX messages_failed_at ON messages (updated_at) WHERE status = 'failed';
CREATE INDEX message_events_reputation ON message_events (type, occurred_at) WHERE type IN ('bounced', 'complained');
CREATE INDEX webhook_receipts_received ON webhook_receipts (received_at);
CREATE INDEX journey_runs_failed ON journey_runs (updated_at) WHERE status = 'failed';
CREATE INDEX journey_runs_ended ON journey_runs (completed_at) WHERE completed_at IS NOT NULL;
