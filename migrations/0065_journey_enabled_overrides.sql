-- A runtime switch on top of a journey's `meta.enabled` (Studio's enable/disable). No row: the code decides.
-- Routers cache the rows; the trigger tells every worker (LISTEN hogsend_journey_overrides) to re-read them, and a
-- periodic re-read is the backstop for a notification missed while a LISTEN connection was down.
CREATE TABLE journey_enabled_overrides (
  journey_id text PRIMARY KEY,
  enabled boolean NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION hogsend_notify_journey_overrides() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('hogsend_journey_overrides', '');
  RETURN NULL;
END $$;
CREATE TRIGGER journey_enabled_overrides_notify AFTER INSERT OR UPDATE OR DELETE ON journey_enabled_overrides
  FOR EACH STATEMENT EXECUTE FUNCTION hogsend_notify_journey_overrides();
