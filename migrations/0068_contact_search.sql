-- Studio's contact search: by email prefix (text_pattern_ops makes LIKE 'prefix%' an index range), by
-- property:value (jsonb containment through GIN), and the 30-day unsubscribe count of the overview.
CREATE INDEX contacts_email_prefix ON contacts (lower(email) text_pattern_ops);
CREATE INDEX contacts_properties ON contacts USING gin (properties jsonb_path_ops);
CREATE INDEX contacts_unsubscribed_at ON contacts (unsubscribed_at) WHERE unsubscribed_at IS NOT NULL;
CREATE INDEX email_preferences_unsubscribed_at ON email_preferences (unsubscribed_at)
  WHERE unsubscribed_at IS NOT NULL;
