-- Goals, holdouts and variants on the run (journeys/): what the lift report (journeys/lift-report-store.ts) reads.
--
-- converted_at / goal_event_id / goal_event: the first event matching the journey's meta.goal within
-- goal.within of entry (journeys/goal-store.ts, one statement per routed batch). Set on runs of any status: a run
-- that completed, exited or was held out still converts, since conversion measures the outcome, not the activity.
-- variants: the arms ctx.variant drew, { experiment: arm }, merged in by the run's fenced commit.
-- held_out: a terminal status for a run assigned to the journey's control group (meta.holdout): it runs no code
-- and sends nothing, but converts like any other run.
ALTER TABLE journey_runs
  ADD COLUMN converted_at timestamptz,
  ADD COLUMN goal_event_id bigint,
  ADD COLUMN goal_event text,
  ADD COLUMN variants jsonb NOT NULL DEFAULT '{}'::jsonb;

-- NOT VALID then VALIDATE: the new check is checked against existing rows without blocking writers meanwhile.
ALTER TABLE journey_runs DROP CONSTRAINT journey_runs_status_check;
ALTER TABLE journey_runs ADD CONSTRAINT journey_runs_status_check
  CHECK (status IN ('active', 'waiting', 'completed', 'failed', 'exited', 'cancelled', 'held_out')) NOT VALID;
ALTER TABLE journey_runs VALIDATE CONSTRAINT journey_runs_status_check;

-- Sync (migration 0076): a held-out run reports journey.held_out instead of journey.entered (the user did not
-- enter the journey's messages); a conversion reports journey.converted.
CREATE OR REPLACE FUNCTION hogsend_sync_runs_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM sync_destinations WHERE enabled) THEN RETURN NULL; END IF;
  PERFORM hogsend_enqueue_facts(coalesce(jsonb_agg(f), '[]'))
    FROM (
      SELECT jsonb_build_object('event_id', hogsend_fact_id(t.type, n.id::text), 'type', t.type,
               'user_id', n.user_id, 'occurred_at', n.created_at,
               'payload', jsonb_build_object('runId', n.id, 'journeyId', n.journey_id)) AS f
        FROM new_rows n
        CROSS JOIN LATERAL (SELECT CASE WHEN n.status = 'held_out' THEN 'journey.held_out'
                                        ELSE 'journey.entered' END AS type) t
      UNION ALL
      SELECT jsonb_build_object('event_id', hogsend_fact_id('journey.' || n.status, n.id::text),
               'type', 'journey.' || n.status, 'user_id', n.user_id, 'occurred_at', n.updated_at,
               'payload', jsonb_build_object('runId', n.id, 'journeyId', n.journey_id, 'error', n.error))
        FROM new_rows n WHERE n.status IN ('completed', 'exited', 'failed')
    ) facts;
  RETURN NULL;
END $$;

-- Row-level, limited by its WHEN clause to the one update that records a conversion (a run converts once).
CREATE FUNCTION hogsend_sync_run_converted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sync_outbox (destination_id, event_id, type, user_id, payload, occurred_at)
  SELECT d.id, hogsend_fact_id('journey.converted', NEW.id::text), 'journey.converted', NEW.user_id,
         jsonb_build_object('runId', NEW.id, 'journeyId', NEW.journey_id, 'goalEvent', NEW.goal_event,
                            'goalEventId', NEW.goal_event_id, 'heldOut', NEW.status = 'held_out',
                            'variants', NEW.variants),
         NEW.converted_at
    FROM sync_destinations d
   WHERE d.enabled AND (d.event_types IS NULL OR 'journey.converted' = ANY (d.event_types))
  ON CONFLICT (destination_id, event_id) DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER sync_run_converted AFTER UPDATE OF converted_at ON journey_runs
  FOR EACH ROW WHEN (OLD.converted_at IS NULL AND NEW.converted_at IS NOT NULL)
  EXECUTE FUNCTION hogsend_sync_run_converted();
