-- Engagement out: the outbound event catalog (v1) written to an outbox per enabled destination, in the same
-- transaction as each fact, by triggers on the tables that hold the facts. Triggers because a fact has many
-- writers (journey sends, transactional sends, delivery, provider webhooks, tracking, unsubscribes, the router and
-- the run committer's group commits): one set-based statement per fact statement, no extra round trip, and no
-- writer can forget it. Owned by src/sync/ (sync-outbox-store.ts reads and updates these tables).

-- Where facts go. 'posthog' is kept in step with POSTHOG_API_KEY by the worker; webhook endpoints are registered
-- through the admin API. event_types NULL means every type of the catalog.
CREATE TABLE sync_destinations (
  id text PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('posthog', 'webhook')),
  url text,
  secret text,
  description text,
  event_types text[],
  enabled boolean NOT NULL DEFAULT true,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (kind <> 'webhook' OR (url IS NOT NULL AND secret IS NOT NULL))
);

-- One row per (destination, fact). event_id is deterministic (md5 of the fact's type and key as a UUID), so a
-- receiver dedupes redeliveries. A row is deleted once its destination accepted it; 'dead' rows stay for the
-- admin API (list, requeue).
CREATE TABLE sync_outbox (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  destination_id text NOT NULL REFERENCES sync_destinations (id) ON DELETE CASCADE,
  event_id uuid NOT NULL,
  type text NOT NULL,
  user_id text,
  payload jsonb NOT NULL,
  occurred_at timestamptz NOT NULL,
  status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'dead')),
  attempts integer NOT NULL DEFAULT 0,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  last_error text,
  created_at timestamptz NOT NULL DEFAULT now(),
  UNIQUE (destination_id, event_id)
);
CREATE INDEX sync_outbox_due ON sync_outbox (destination_id, next_attempt_at) WHERE status = 'pending';
CREATE INDEX sync_outbox_dead ON sync_outbox (destination_id, id DESC) WHERE status = 'dead';

CREATE FUNCTION hogsend_fact_id(kind text, key text) RETURNS uuid
  LANGUAGE sql IMMUTABLE AS $$ SELECT md5(kind || ':' || key)::uuid $$;

-- Fans facts out to the enabled destinations that take their type; the caller passes them as jsonb rows.
CREATE FUNCTION hogsend_enqueue_facts(facts jsonb) RETURNS void LANGUAGE sql AS $$
  INSERT INTO sync_outbox (destination_id, event_id, type, user_id, payload, occurred_at)
  SELECT d.id, (f->>'event_id')::uuid, f->>'type', f->>'user_id', f->'payload', (f->>'occurred_at')::timestamptz
    FROM jsonb_array_elements(facts) AS f
    JOIN sync_destinations d ON d.enabled AND (d.event_types IS NULL OR f->>'type' = ANY (d.event_types))
  ON CONFLICT (destination_id, event_id) DO NOTHING
$$;

-- messages: queued (insert), sent (status change).
CREATE FUNCTION hogsend_sync_messages_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM sync_destinations WHERE enabled) THEN RETURN NULL; END IF;
  PERFORM hogsend_enqueue_facts(coalesce(jsonb_agg(jsonb_build_object(
    'event_id', hogsend_fact_id('email.queued', n.id::text), 'type', 'email.queued', 'user_id', n.user_id,
    'occurred_at', n.created_at,
    'payload', jsonb_build_object('messageId', n.id, 'email', n.to_email, 'template', n.template,
      'subject', n.subject, 'category', n.category, 'journeyId', n.journey_id, 'runId', n.run_id))), '[]'))
    FROM new_rows n WHERE n.status = 'queued';
  RETURN NULL;
END $$;
CREATE TRIGGER sync_messages_inserted AFTER INSERT ON messages
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hogsend_sync_messages_inserted();

CREATE FUNCTION hogsend_sync_message_sent() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM sync_destinations WHERE enabled) THEN RETURN NULL; END IF;
  PERFORM hogsend_enqueue_facts(jsonb_build_array(jsonb_build_object(
    'event_id', hogsend_fact_id('email.sent', NEW.id::text), 'type', 'email.sent', 'user_id', NEW.user_id,
    'occurred_at', coalesce(NEW.sent_at, NEW.updated_at),
    'payload', jsonb_build_object('messageId', NEW.id, 'email', NEW.to_email, 'template', NEW.template,
      'subject', NEW.subject, 'category', NEW.category, 'journeyId', NEW.journey_id, 'runId', NEW.run_id,
      'provider', NEW.provider, 'providerMessageId', NEW.provider_message_id))));
  RETURN NULL;
END $$;
CREATE TRIGGER sync_message_sent AFTER UPDATE OF status ON messages
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status = 'sent')
  EXECUTE FUNCTION hogsend_sync_message_sent();

-- message_events: delivered, opened, clicked, bounced, complained.
CREATE FUNCTION hogsend_sync_message_events() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM sync_destinations WHERE enabled) THEN RETURN NULL; END IF;
  PERFORM hogsend_enqueue_facts(coalesce(jsonb_agg(jsonb_build_object(
    'event_id', hogsend_fact_id('email.' || n.type, n.id::text), 'type', 'email.' || n.type,
    'user_id', m.user_id, 'occurred_at', n.occurred_at,
    'payload', jsonb_build_object('messageId', n.message_id, 'email', n.email, 'template', m.template,
      'journeyId', m.journey_id, 'bounceKind', n.bounce_kind, 'source', n.source,
      'url', n.details->>'url'))), '[]'))
    FROM new_rows n LEFT JOIN messages m ON m.id = n.message_id
   WHERE n.type IN ('delivered', 'opened', 'clicked', 'bounced', 'complained');
  RETURN NULL;
END $$;
CREATE TRIGGER sync_message_events AFTER INSERT ON message_events
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hogsend_sync_message_events();

-- suppressions: an address stops receiving mail.
CREATE FUNCTION hogsend_sync_suppressions() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM sync_destinations WHERE enabled) THEN RETURN NULL; END IF;
  PERFORM hogsend_enqueue_facts(coalesce(jsonb_agg(jsonb_build_object(
    'event_id', hogsend_fact_id('email.suppressed', n.email || ':' || n.created_at::text), 'type', 'email.suppressed',
    'user_id', (SELECT c.user_id FROM contacts c WHERE lower(c.email) = n.email ORDER BY c.last_seen_at DESC NULLS LAST LIMIT 1),
    'occurred_at', n.created_at,
    'payload', jsonb_build_object('email', n.email, 'reason', n.reason, 'source', n.source))), '[]'))
    FROM new_rows n;
  RETURN NULL;
END $$;
CREATE TRIGGER sync_suppressions AFTER INSERT ON suppressions
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hogsend_sync_suppressions();

-- contacts: the global unsubscribe.
CREATE FUNCTION hogsend_sync_unsubscribed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM sync_destinations WHERE enabled) THEN RETURN NULL; END IF;
  PERFORM hogsend_enqueue_facts(jsonb_build_array(jsonb_build_object(
    'event_id', hogsend_fact_id('email.unsubscribed', NEW.user_id || ':' || NEW.unsubscribed_at::text),
    'type', 'email.unsubscribed', 'user_id', NEW.user_id, 'occurred_at', NEW.unsubscribed_at,
    'payload', jsonb_build_object('email', NEW.email, 'scope', 'all'))));
  RETURN NULL;
END $$;
CREATE TRIGGER sync_unsubscribed AFTER UPDATE OF unsubscribed_at ON contacts
  FOR EACH ROW WHEN (OLD.unsubscribed_at IS NULL AND NEW.unsubscribed_at IS NOT NULL)
  EXECUTE FUNCTION hogsend_sync_unsubscribed();

-- email_preferences: a category subscribed or unsubscribed.
CREATE FUNCTION hogsend_sync_preferences() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND OLD.unsubscribed_at IS NOT DISTINCT FROM NEW.unsubscribed_at THEN RETURN NULL; END IF;
  IF NOT EXISTS (SELECT 1 FROM sync_destinations WHERE enabled) THEN RETURN NULL; END IF;
  PERFORM hogsend_enqueue_facts(jsonb_build_array(jsonb_build_object(
    'event_id', hogsend_fact_id('preferences.changed', NEW.user_id || ':' || NEW.category || ':' || NEW.updated_at::text),
    'type', 'preferences.changed', 'user_id', NEW.user_id, 'occurred_at', NEW.updated_at,
    'payload', jsonb_build_object('category', NEW.category, 'subscribed', NEW.unsubscribed_at IS NULL))));
  RETURN NULL;
END $$;
CREATE TRIGGER sync_preferences AFTER INSERT OR UPDATE ON email_preferences
  FOR EACH ROW EXECUTE FUNCTION hogsend_sync_preferences();

-- journey_runs: entered (insert; a run inserted already exited also exits), completed / exited / failed.
CREATE FUNCTION hogsend_sync_runs_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM sync_destinations WHERE enabled) THEN RETURN NULL; END IF;
  PERFORM hogsend_enqueue_facts(coalesce(jsonb_agg(f), '[]'))
    FROM (
      SELECT jsonb_build_object('event_id', hogsend_fact_id('journey.entered', n.id::text), 'type', 'journey.entered',
               'user_id', n.user_id, 'occurred_at', n.created_at,
               'payload', jsonb_build_object('runId', n.id, 'journeyId', n.journey_id)) AS f
        FROM new_rows n
      UNION ALL
      SELECT jsonb_build_object('event_id', hogsend_fact_id('journey.' || n.status, n.id::text),
               'type', 'journey.' || n.status, 'user_id', n.user_id, 'occurred_at', n.updated_at,
               'payload', jsonb_build_object('runId', n.id, 'journeyId', n.journey_id, 'error', n.error))
        FROM new_rows n WHERE n.status IN ('completed', 'exited', 'failed')
    ) facts;
  RETURN NULL;
END $$;
CREATE TRIGGER sync_runs_inserted AFTER INSERT ON journey_runs
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION hogsend_sync_runs_inserted();

-- Row-level (transition tables cannot be limited to status changes, and capturing every lease renewal would tax
-- the hot path); the WHEN clause keeps it to terminal transitions, and one INSERT … SELECT writes the rows.
CREATE FUNCTION hogsend_sync_run_ended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO sync_outbox (destination_id, event_id, type, user_id, payload, occurred_at)
  SELECT d.id, hogsend_fact_id('journey.' || NEW.status, NEW.id::text), 'journey.' || NEW.status, NEW.user_id,
         jsonb_build_object('runId', NEW.id, 'journeyId', NEW.journey_id, 'error', NEW.error), NEW.updated_at
    FROM sync_destinations d
   WHERE d.enabled AND (d.event_types IS NULL OR 'journey.' || NEW.status = ANY (d.event_types))
  ON CONFLICT (destination_id, event_id) DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER sync_run_ended AFTER UPDATE OF status ON journey_runs
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status IN ('completed', 'exited', 'failed'))
  EXECUTE FUNCTION hogsend_sync_run_ended();
