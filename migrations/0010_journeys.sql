-- The durable journey runtime. A run is a row; its progress is an append-only journal of recorded operations.
-- Sleeping and waiting runs cost these rows only: no worker holds anything for them.
CREATE TABLE journey_runs (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  journey_id text NOT NULL,
  user_id text NOT NULL,
  user_email text,
  -- properties of the trigger event
  properties jsonb NOT NULL DEFAULT '{}'::jsonb,
  trigger_event_id bigint,
  status text NOT NULL CHECK (status IN ('active', 'waiting', 'completed', 'failed', 'exited', 'cancelled')),
  current_node_id text,
  -- When the run should next execute: now for new or ready runs, the wake time of a sleep, the timeout of a
  -- wait, the retry time after a failure. NULL once terminal.
  due_at timestamptz,
  wait_event text,
  wait_where jsonb,
  wait_position integer,
  attempts integer NOT NULL DEFAULT 0,
  lease_owner text,
  lease_expires_at timestamptz,
  error text,
  exit_event_id bigint,
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  completed_at timestamptz
-- Room on each page so lease renewals and checkpoints (no indexed column changes) are HOT updates.
) WITH (fillfactor = 80);
-- The already_active guard under concurrency: at most one live run per user and journey.
CREATE UNIQUE INDEX journey_runs_one_live ON journey_runs (journey_id, user_id)
  WHERE status IN ('active', 'waiting');
-- Claimable work: scanned in due order; terminal runs are not in it, so a million finished runs cost nothing.
CREATE INDEX journey_runs_due ON journey_runs (due_at) WHERE status IN ('active', 'waiting');
CREATE INDEX journey_runs_user ON journey_runs (user_id, journey_id, created_at DESC);
CREATE INDEX journey_runs_journey ON journey_runs (journey_id, created_at DESC, id DESC);

CREATE TABLE journey_journal (
  run_id uuid NOT NULL REFERENCES journey_runs (id) ON DELETE CASCADE,
  position integer NOT NULL,
  kind text NOT NULL,
  label text NOT NULL,
  result jsonb,
  created_at timestamptz NOT NULL,
  PRIMARY KEY (run_id, position)
);

-- entryLimit "once", enforced by the primary key rather than by a read, so parallel routers cannot both enroll.
CREATE TABLE journey_once_entries (
  journey_id text NOT NULL,
  user_id text NOT NULL,
  entered_at timestamptz NOT NULL,
  PRIMARY KEY (journey_id, user_id)
);

CREATE TABLE journey_skip_counts (
  journey_id text NOT NULL,
  reason text NOT NULL,
  count bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (journey_id, reason)
);

-- Routing partitions 0..15 (see hogsend_partition), each leased to one router at a time so that a user's
-- events are applied in order.
CREATE TABLE routing_partitions (
  partition smallint PRIMARY KEY,
  lease_owner text,
  lease_expires_at timestamptz
);
INSERT INTO routing_partitions (partition) SELECT generate_series(0, 15);

-- Live workers, so that routing partitions are shared fairly: each worker takes ceil(16 / live workers).
CREATE TABLE journey_workers (
  id text PRIMARY KEY,
  seen_at timestamptz NOT NULL
);
