-- Frequency caps count a contact's recent messages of one category (email/frequency-cap.ts): what was queued or
-- went out counts; skipped, suppressed and failed mail does not. One index per key the count uses.
CREATE INDEX messages_frequency_cap_user ON messages (user_id, category, created_at DESC)
  WHERE user_id IS NOT NULL AND status IN ('queued', 'sending', 'sent');
CREATE INDEX messages_frequency_cap_address ON messages (to_email, category, created_at DESC)
  WHERE user_id IS NULL AND status IN ('queued', 'sending', 'sent');
