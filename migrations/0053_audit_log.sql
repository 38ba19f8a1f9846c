-- The audit log: one row per mutation made through the admin API, Studio or the CLI, written in the same
-- transaction as the change. before/after hold the changed record (redacted when the contact it is about is erased).
CREATE TABLE audit_log (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  occurred_at timestamptz NOT NULL DEFAULT now(),
  actor_type text NOT NULL CHECK (actor_type IN ('api_key', 'user', 'system')),
  actor_id text NOT NULL,
  actor_label text NOT NULL,
  action text NOT NULL,
  target_type text NOT NULL,
  target_id text,
  before jsonb,
  after jsonb,
  redacted_at timestamptz,
  request_id text,
  ip text
);

CREATE INDEX audit_log_newest ON audit_log (id DESC);
CREATE INDEX audit_log_occurred_at ON audit_log (occurred_at);
CREATE INDEX audit_log_target ON audit_log (target_type, target_id, id DESC);
CREATE INDEX audit_log_actor ON audit_log (actor_id, id DESC);
CREATE INDEX audit_log_action ON audit_log (action, id DESC);
