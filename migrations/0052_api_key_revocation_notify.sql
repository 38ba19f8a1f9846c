-- Every api process caches the keys it has checked. A revocation (or a deletion, or a change of scope or hash) by
-- any path — the admin API, `hogsend keys revoke`, plain SQL — notifies `hogsend_api_keys` with the key's id when
-- its transaction commits, and each api process drops that key from its cache. last_used_at, written on every
-- cache miss, notifies nothing: that would empty the caches it fills.
CREATE FUNCTION hogsend_notify_api_key_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('hogsend_api_keys', OLD.id::text);
  RETURN NULL;
END $$;

CREATE TRIGGER api_keys_changed_notify AFTER UPDATE OF revoked_at, scope, key_hash ON api_keys
  FOR EACH ROW
  WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.scope IS DISTINCT FROM NEW.scope
        OR OLD.key_hash IS DISTINCT FROM NEW.key_hash)
  EXECUTE FUNCTION hogsend_notify_api_key_changed();

CREATE TRIGGER api_keys_deleted_notify AFTER DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION hogsend_notify_api_key_changed();
