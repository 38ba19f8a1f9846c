-- One row per running worker process, written every few seconds by the process itself (journeys/worker-heartbeats.ts):
-- `GET /v1/health` and Studio's overview read it to say which workers are alive and when each was last seen. A
-- worker that stops cleanly deletes its row; one that was killed stops writing, and any worker prunes rows not seen
-- for a while, so the table holds the live processes plus the recently dead.
CREATE TABLE worker_heartbeats (
  worker_id text PRIMARY KEY,
  host text NOT NULL,
  pid integer NOT NULL,
  engine text NOT NULL,
  started_at timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL
);
