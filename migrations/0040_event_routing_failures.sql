-- Dead letters of routing: an event whose routing fails deterministically (a data error, not an outage) is moved
-- here after a few attempts so that it stops blocking the events behind it in its partitions. The event itself
-- stays in `events`; requeueing it (admin API) puts it back in `event_routing_queue`.
CREATE TABLE event_routing_failures (
  event_id bigint PRIMARY KEY,
  partition smallint NOT NULL,
  error text NOT NULL,
  attempts int NOT NULL,
  failed_at timestamptz NOT NULL
);
