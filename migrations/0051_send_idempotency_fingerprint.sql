-- POST /v1/send stores a SHA-256 of the canonical request beside its idempotency key, so that the key arriving
-- again with a different request is refused (422 IDEMPOTENCY_KEY_REUSED) instead of being answered with the first
-- message as if it were a retry. NULL for journey sends (they have no key) and for rows queued before this column.
ALTER TABLE messages ADD COLUMN idempotency_fingerprint text;
