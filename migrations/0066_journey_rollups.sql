-- Journey counters for Studio, kept as runs move, so no page load scans journey_runs or journey_journal.
--
-- Writers never update a shared counter row: concurrent router and committer transactions would queue on the
-- same (journey, status) rows and deadlock across statements. Each writing statement instead appends its net
-- change to journey_counter_deltas (statement-level triggers over transition tables: one aggregate INSERT per
-- statement, however many rows it touched; group commits keep statements few). A worker folds the deltas into
-- journey_counters every few seconds (foldJourneyCounters); readers add the unfolded deltas, so counts are exact
-- at any moment.
--
-- counter / key:
--   status / <status>          runs by current status (all time; day = -infinity)
--   at / <current_node_id>     live (active or waiting) runs by the step they are at ('' = before any step)
--   entered / ''               runs created that day (UTC)
--   ended / <terminal status>  runs that became completed / exited / failed / cancelled that day (UTC)
--   reached / <kind>:<label>   journal entries recorded for a step (sleep, wait, checkpoint, email, step)
CREATE TABLE journey_counters (
  journey_id text NOT NULL,
  counter text NOT NULL,
  key text NOT NULL,
  day date NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (journey_id, counter, key, day)
);

CREATE TABLE journey_counter_deltas (
  journey_id text NOT NULL,
  counter text NOT NULL,
  key text NOT NULL,
  day date NOT NULL,
  delta bigint NOT NULL
);

CREATE FUNCTION hogsend_journey_runs_counted_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO journey_counter_deltas (journey_id, counter, key, day, delta)
  SELECT journey_id, counter, key, day, sum(delta) FROM (
    SELECT journey_id, 'status' AS counter, status AS key, '-infinity'::date AS day, 1 AS delta FROM new_runs
    UNION ALL
    SELECT journey_id, 'entered', '', (created_at AT TIME ZONE 'UTC')::date, 1 FROM new_runs
    UNION ALL
    SELECT journey_id, 'at', coalesce(current_node_id, ''), '-infinity'::date, 1 FROM new_runs
     WHERE status IN ('active', 'waiting')
    UNION ALL
    SELECT journey_id, 'ended', status, (updated_at AT TIME ZONE 'UTC')::date, 1 FROM new_runs
     WHERE status IN ('completed', 'exited', 'failed', 'cancelled')
  ) d GROUP BY journey_id, counter, key, day;
  RETURN NULL;
END $$;

CREATE FUNCTION hogsend_journey_runs_counted_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- One join of the transition tables; most updates (lease renewals, claims of active runs) change neither
  -- status nor step and drop out in its WHERE. Each changed run then yields up to five signed counts.
  INSERT INTO journey_counter_deltas (journey_id, counter, key, day, delta)
  SELECT c.journey_id, v.counter, v.key, v.day, sum(v.delta)
    FROM (SELECT n.journey_id, o.status AS was, n.status AS now_status,
                 coalesce(o.current_node_id, '') AS old_node, coalesce(n.current_node_id, '') AS new_node,
                 o.status IN ('active', 'waiting') AS was_live, n.status IN ('active', 'waiting') AS is_live,
                 (n.updated_at AT TIME ZONE 'UTC')::date AS day
            FROM old_runs o JOIN new_runs n USING (id)
           WHERE o.status <> n.status OR o.current_node_id IS DISTINCT FROM n.current_node_id) c
    CROSS JOIN LATERAL (VALUES
      ('status', c.was, '-infinity'::date, CASE WHEN c.was <> c.now_status THEN -1 ELSE 0 END),
      ('status', c.now_status, '-infinity'::date, CASE WHEN c.was <> c.now_status THEN 1 ELSE 0 END),
      ('ended', c.now_status, c.day,
        CASE WHEN c.was <> c.now_status AND NOT c.is_live THEN 1 ELSE 0 END),
      ('at', c.old_node, '-infinity'::date,
        CASE WHEN c.was_live AND (NOT c.is_live OR c.old_node <> c.new_node) THEN -1 ELSE 0 END),
      ('at', c.new_node, '-infinity'::date,
        CASE WHEN c.is_live AND (NOT c.was_live OR c.old_node <> c.new_node) THEN 1 ELSE 0 END)
    ) AS v(counter, key, day, delta)
   WHERE v.delta <> 0
   GROUP BY c.journey_id, v.counter, v.key, v.day HAVING sum(v.delta) <> 0;
  RETURN NULL;
END $$;

CREATE FUNCTION hogsend_journey_runs_counted_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- An erased user's runs leave the status and step counts; what they did (entered, ended, reached) stays.
  INSERT INTO journey_counter_deltas (journey_id, counter, key, day, delta)
  SELECT journey_id, counter, key, '-infinity'::date, sum(delta) FROM (
    SELECT journey_id, 'status' AS counter, status AS key, -1 AS delta FROM old_runs
    UNION ALL
    SELECT journey_id, 'at', coalesce(current_node_id, ''), -1 FROM old_runs
     WHERE status IN ('active', 'waiting')
  ) d GROUP BY journey_id, counter, key;
  RETURN NULL;
END $$;

CREATE FUNCTION hogsend_journey_journal_counted_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO journey_counter_deltas (journey_id, counter, key, day, delta)
  SELECT r.journey_id, 'reached', e.kind || ':' || e.label, '-infinity'::date, count(*)
    FROM new_entries e JOIN journey_runs r ON r.id = e.run_id
   WHERE e.kind IN ('sleep', 'wait', 'checkpoint', 'email', 'step')
   GROUP BY r.journey_id, e.kind, e.label;
  RETURN NULL;
END $$;

CREATE TRIGGER journey_runs_counted_insert AFTER INSERT ON journey_runs
  REFERENCING NEW TABLE AS new_runs FOR EACH STATEMENT EXECUTE FUNCTION hogsend_journey_runs_counted_insert();
CREATE TRIGGER journey_runs_counted_update AFTER UPDATE ON journey_runs
  REFERENCING OLD TABLE AS old_runs NEW TABLE AS new_runs
  FOR EACH STATEMENT EXECUTE FUNCTION hogsend_journey_runs_counted_update();
CREATE TRIGGER journey_runs_counted_delete AFTER DELETE ON journey_runs
  REFERENCING OLD TABLE AS old_runs FOR EACH STATEMENT EXECUTE FUNCTION hogsend_journey_runs_counted_delete();
CREATE TRIGGER journey_journal_counted_insert AFTER INSERT ON journey_journal
  REFERENCING NEW TABLE AS new_entries
  FOR EACH STATEMENT EXECUTE FUNCTION hogsend_journey_journal_counted_insert();

-- Runs that exist before this migration: counted once, here.
INSERT INTO journey_counters (journey_id, counter, key, day, count)
SELECT journey_id, counter, key, day, sum(n) FROM (
  SELECT journey_id, 'status' AS counter, status AS key, '-infinity'::date AS day, 1 AS n FROM journey_runs
  UNION ALL
  SELECT journey_id, 'entered', '', (created_at AT TIME ZONE 'UTC')::date, 1 FROM journey_runs
  UNION ALL
  SELECT journey_id, 'at', coalesce(current_node_id, ''), '-infinity'::date, 1 FROM journey_runs
   WHERE status IN ('active', 'waiting')
  UNION ALL
  SELECT journey_id, 'ended', status, (updated_at AT TIME ZONE 'UTC')::date, 1 FROM journey_runs
   WHERE status IN ('completed', 'exited', 'failed', 'cancelled')
  UNION ALL
  SELECT r.journey_id, 'reached', j.kind || ':' || j.label, '-infinity'::date, 1
    FROM journey_journal j JOIN journey_runs r ON r.id = j.run_id
   WHERE j.kind IN ('sleep', 'wait', 'checkpoint', 'email', 'step')
) d GROUP BY journey_id, counter, key, day;

-- Studio's filters on runs: by status (newest first) and the live runs at a step.
CREATE INDEX journey_runs_journey_status ON journey_runs (journey_id, status, created_at DESC, id DESC);
