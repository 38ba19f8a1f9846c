-- Email counters for Studio's overview (sent 24 h / 7 d / 30 d, rates, sends per day by category), kept as
-- messages reach an outcome and as delivery events arrive, so no page load scans messages or message_events.
-- Same shape as journey_counters (0066): statements append their net change to email_counter_deltas (one
-- aggregate INSERT per statement, from transition tables); a worker folds them into email_counters; readers add
-- the unfolded deltas. Buckets are hours (UTC), so "last 24 hours" is exact to the hour.
--
-- metric: sent | failed | suppressed | skipped (a message's outcome, at sent_at or when it was decided)
--         delivered | delivery_delayed | bounced | complained | opened | clicked (message_events, at occurred_at)
-- category: the message's category ('' for none, or a provider event we could not match to a message)
CREATE TABLE email_counters (
  hour timestamptz NOT NULL,
  category text NOT NULL,
  metric text NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (hour, category, metric)
);

CREATE TABLE email_counter_deltas (
  hour timestamptz NOT NULL,
  category text NOT NULL,
  metric text NOT NULL,
  delta bigint NOT NULL
);

CREATE FUNCTION hogsend_messages_counted_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  -- Sends refused at the door (suppress window, suppressed address) are inserted already decided.
  INSERT INTO email_counter_deltas (hour, category, metric, delta)
  SELECT date_trunc('hour', coalesce(sent_at, updated_at), 'UTC'), coalesce(category, ''), status, count(*)
    FROM new_messages WHERE status IN ('sent', 'failed', 'suppressed', 'skipped')
   GROUP BY 1, 2, 3;
  RETURN NULL;
END $$;

CREATE FUNCTION hogsend_messages_counted_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO email_counter_deltas (hour, category, metric, delta)
  SELECT date_trunc('hour', coalesce(n.sent_at, n.updated_at), 'UTC'), coalesce(n.category, ''), n.status, count(*)
    FROM old_messages o JOIN new_messages n USING (id)
   WHERE o.status <> n.status AND n.status IN ('sent', 'failed', 'suppressed', 'skipped')
   GROUP BY 1, 2, 3;
  RETURN NULL;
END $$;

CREATE FUNCTION hogsend_message_events_counted_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO email_counter_deltas (hour, category, metric, delta)
  SELECT date_trunc('hour', e.occurred_at, 'UTC'), coalesce(m.category, ''), e.type, count(*)
    FROM new_events e LEFT JOIN messages m ON m.id = e.message_id
   GROUP BY 1, 2, 3;
  RETURN NULL;
END $$;

CREATE TRIGGER messages_counted_insert AFTER INSERT ON messages
  REFERENCING NEW TABLE AS new_messages FOR EACH STATEMENT EXECUTE FUNCTION hogsend_messages_counted_insert();
CREATE TRIGGER messages_counted_update AFTER UPDATE ON messages
  REFERENCING OLD TABLE AS old_messages NEW TABLE AS new_messages
  FOR EACH STATEMENT EXECUTE FUNCTION hogsend_messages_counted_update();
CREATE TRIGGER message_events_counted_insert AFTER INSERT ON message_events
  REFERENCING NEW TABLE AS new_events FOR EACH STATEMENT EXECUTE FUNCTION hogsend_message_events_counted_insert();

INSERT INTO email_counters (hour, category, metric, count)
SELECT hour, category, metric, sum(n) FROM (
  SELECT date_trunc('hour', coalesce(sent_at, updated_at), 'UTC') AS hour, coalesce(category, '') AS category,
         status AS metric, 1 AS n
    FROM messages WHERE status IN ('sent', 'failed', 'suppressed', 'skipped')
  UNION ALL
  SELECT date_trunc('hour', e.occurred_at, 'UTC'), coalesce(m.category, ''), e.type, 1
    FROM message_events e LEFT JOIN messages m ON m.id = e.message_id
) d GROUP BY hour, category, metric;

-- Studio's message filter by status, newest first (template and journey filters walk messages_created).
CREATE INDEX messages_status_created ON messages (status, created_at DESC, id DESC);
