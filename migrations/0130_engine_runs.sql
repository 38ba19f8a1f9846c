-- A second engine (HOGSEND_ENGINE=hatchet) executes journey runs as Hatchet durable tasks. Journey state stays here;
-- these columns say which engine run holds a journey run and when that engine will wake it by itself.
--   engine_ref       the Hatchet workflow run bound to this journey run (NULL: none, or it has finished)
--   engine_wakes_at  when the bound engine run's own sleep ends (NULL: it must be woken, e.g. by an event)
-- The Postgres engine never sets them, so they cost it nothing but two NULLs.
ALTER TABLE journey_runs ADD COLUMN engine_ref text, ADD COLUMN engine_wakes_at timestamptz;

-- Ended runs whose engine run is still bound: the engine's cancel sweep reads this (empty on the Postgres engine).
CREATE INDEX journey_runs_engine_to_cancel ON journey_runs (id)
  WHERE engine_ref IS NOT NULL AND status NOT IN ('active', 'waiting');

-- The waits a Hatchet run has issued, in order, exactly as issued: a replayed durable task must issue the same
-- conditions in the same order (Hatchet hashes them, sleep duration included) or the engine calls it nondeterministic.
CREATE TABLE journey_engine_waits (
  engine_run_id text NOT NULL,
  seq integer NOT NULL,
  run_id uuid NOT NULL REFERENCES journey_runs (id) ON DELETE CASCADE,
  sleep_for text NOT NULL,
  events_since timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (engine_run_id, seq)
);
CREATE INDEX journey_engine_waits_run ON journey_engine_waits (run_id);
