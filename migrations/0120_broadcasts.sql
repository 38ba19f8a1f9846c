-- Broadcasts (src/broadcasts/, their one owner): a one-off send of a template to an audience. The broadcast row
-- carries the loop's progress (keyset cursors over contacts and over its recipients, a lease), so a worker that
-- dies mid-way leaves a row another worker resumes where it stopped.
CREATE TABLE broadcasts (
  id uuid PRIMARY KEY,
  name text NOT NULL,
  template text NOT NULL,
  -- overrides the template's subject; required when the template has none
  subject text,
  props jsonb NOT NULL DEFAULT '{}'::jsonb,
  category text NOT NULL,
  -- the audience filter as validated (broadcasts/audience-schema.ts), compiled to SQL when it runs
  audience jsonb NOT NULL,
  send_window jsonb,
  -- enqueues per second; null: HOGSEND_BROADCAST_RATE_PER_SECOND
  rate_per_second integer CHECK (rate_per_second > 0),
  status text NOT NULL DEFAULT 'draft'
    CHECK (status IN ('draft', 'scheduled', 'materializing', 'sending', 'sent', 'cancelled')),
  -- when it was asked to start (schedule or send now)
  scheduled_at timestamptz,
  -- when the worker loop should look at it next (scheduled_at, then the next waiting recipient's window)
  due_at timestamptz,
  -- the last contact whose page was materialised, and the last recipient enqueued (keyset positions)
  materialize_cursor text,
  send_cursor text,
  lease_owner text,
  lease_expires_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  started_at timestamptz,
  completed_at timestamptz,
  cancelled_at timestamptz
);
CREATE INDEX broadcasts_due ON broadcasts (due_at) WHERE status IN ('scheduled', 'materializing', 'sending');
CREATE INDEX broadcasts_created ON broadcasts (created_at DESC, id DESC);

-- One row per recipient: the primary key is what makes "at most once per broadcast" hold for materialisation
-- (INSERT … ON CONFLICT DO NOTHING), and the message's idempotency key (hogsend:broadcast:<id>:<user>) for the
-- send. No foreign key to broadcasts and no second index: a million-row materialisation pays for one btree only.
CREATE TABLE broadcast_recipients (
  broadcast_id uuid NOT NULL,
  user_id text NOT NULL,
  -- pending: materialised, not yet enqueued; waiting: outside the send window until not_before;
  -- queued: its message is in the outbox (message_id); skipped: decided against (reason)
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'waiting', 'queued', 'skipped')),
  reason text,
  message_id uuid,
  not_before timestamptz,
  -- set once when the contact unsubscribed after this email went out (the "unsubscribed" stat)
  unsubscribed_at timestamptz,
  PRIMARY KEY (broadcast_id, user_id)
);
CREATE INDEX broadcast_recipients_waiting ON broadcast_recipients (broadcast_id, not_before)
  WHERE status = 'waiting';

-- Per-broadcast counters (recipients, queued, skipped, sent, delivered, opened, clicked, bounced, complained,
-- unsubscribed…), the journey_counters / email_counters shape: writers append deltas, the broadcast loop folds
-- them into broadcast_stats, readers add the unfolded deltas. A stats read is a handful of rows at any size.
CREATE TABLE broadcast_stats (
  broadcast_id uuid NOT NULL,
  metric text NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (broadcast_id, metric)
);
CREATE TABLE broadcast_stat_deltas (
  broadcast_id uuid NOT NULL,
  metric text NOT NULL,
  delta bigint NOT NULL
);
CREATE INDEX broadcast_stat_deltas_broadcast ON broadcast_stat_deltas (broadcast_id);

-- A broadcast's messages carry the idempotency key 'hogsend:broadcast:<uuid>:<user id>'. The triggers below find
-- the recipient row from it (and check that row's message_id, so a transactional send cannot forge a key into
-- the stats) and append the outcome to the broadcast's counters in the statement that made it. What is decided
-- when a recipient is enqueued (queued, skipped at the door) the broadcast loop counts itself.
CREATE FUNCTION hogsend_broadcast_key_id(key text) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN key ~ '^hogsend:broadcast:[0-9a-f-]{36}:' THEN substring(key FROM 19 FOR 36)::uuid END
$$;
CREATE FUNCTION hogsend_broadcast_key_user(key text) RETURNS text LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT substring(key FROM 56)
$$;

CREATE FUNCTION hogsend_broadcast_messages_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO broadcast_stat_deltas (broadcast_id, metric, delta)
  SELECT r.broadcast_id, n.status, count(*)
    FROM old_messages o JOIN new_messages n USING (id)
    JOIN broadcast_recipients r
      ON r.broadcast_id = hogsend_broadcast_key_id(n.idempotency_key)
     AND r.user_id = hogsend_broadcast_key_user(n.idempotency_key) AND r.message_id = n.id
   WHERE n.idempotency_key LIKE 'hogsend:broadcast:%' AND o.status <> n.status
     AND n.status IN ('sent', 'failed', 'suppressed', 'skipped')
   GROUP BY 1, 2;
  RETURN NULL;
END $$;

CREATE FUNCTION hogsend_broadcast_message_events_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO broadcast_stat_deltas (broadcast_id, metric, delta)
  SELECT r.broadcast_id, e.type, count(*)
    FROM new_events e JOIN messages m ON m.id = e.message_id
    JOIN broadcast_recipients r
      ON r.broadcast_id = hogsend_broadcast_key_id(m.idempotency_key)
     AND r.user_id = hogsend_broadcast_key_user(m.idempotency_key) AND r.message_id = m.id
   WHERE m.idempotency_key LIKE 'hogsend:broadcast:%'
     AND e.type IN ('delivered', 'bounced', 'complained', 'opened', 'clicked')
   GROUP BY 1, 2;
  RETURN NULL;
END $$;

-- An unsubscribe (global, or from the broadcast's category) within 30 days after a broadcast email went out
-- counts once for that broadcast: the recipient row is marked, and only an unmarked row adds to the counter.
CREATE FUNCTION hogsend_broadcast_attribute_unsubscribe(p_user text, p_category text, p_at timestamptz)
  RETURNS void LANGUAGE sql AS $$
  WITH marked AS (
    UPDATE broadcast_recipients r SET unsubscribed_at = p_at
      FROM messages m
     WHERE m.user_id = p_user AND m.idempotency_key LIKE 'hogsend:broadcast:%' AND m.status = 'sent'
       AND (p_category IS NULL OR m.category = p_category)
       AND m.sent_at <= p_at AND m.sent_at > p_at - interval '30 days'
       AND r.broadcast_id = hogsend_broadcast_key_id(m.idempotency_key) AND r.user_id = p_user
       AND r.message_id = m.id AND r.unsubscribed_at IS NULL
    RETURNING r.broadcast_id)
  INSERT INTO broadcast_stat_deltas (broadcast_id, metric, delta)
  SELECT broadcast_id, 'unsubscribed', count(*) FROM marked GROUP BY 1
$$;

CREATE FUNCTION hogsend_broadcast_contact_unsubscribed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM hogsend_broadcast_attribute_unsubscribe(NEW.user_id, NULL, NEW.unsubscribed_at);
  RETURN NULL;
END $$;

CREATE FUNCTION hogsend_broadcast_category_unsubscribed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM hogsend_broadcast_attribute_unsubscribe(NEW.user_id, NEW.category, NEW.unsubscribed_at);
  RETURN NULL;
END $$;

CREATE TRIGGER messages_broadcast_stats AFTER UPDATE ON messages
  REFERENCING OLD TABLE AS old_messages NEW TABLE AS new_messages
  FOR EACH STATEMENT EXECUTE FUNCTION hogsend_broadcast_messages_update();
CREATE TRIGGER message_events_broadcast_stats AFTER INSERT ON message_events
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION hogsend_broadcast_message_events_insert();
-- Row triggers with WHEN: evaluated per changed row for free, they fire only on an actual unsubscribe, so the
-- routers' contact upserts pay nothing.
CREATE TRIGGER contacts_broadcast_unsubscribed AFTER UPDATE OF unsubscribed_at ON contacts
  FOR EACH ROW WHEN (OLD.unsubscribed_at IS NULL AND NEW.unsubscribed_at IS NOT NULL)
  EXECUTE FUNCTION hogsend_broadcast_contact_unsubscribed();
CREATE TRIGGER email_preferences_broadcast_unsubscribed_insert AFTER INSERT ON email_preferences
  FOR EACH ROW WHEN (NEW.unsubscribed_at IS NOT NULL)
  EXECUTE FUNCTION hogsend_broadcast_category_unsubscribed();
CREATE TRIGGER email_preferences_broadcast_unsubscribed_update AFTER UPDATE ON email_preferences
  FOR EACH ROW WHEN (OLD.unsubscribed_at IS NULL AND NEW.unsubscribed_at IS NOT NULL)
  EXECUTE FUNCTION hogsend_broadcast_category_unsubscribed();
