-- Email policy: suppression, provider webhook receipts, message events, category preferences.

-- One row per suppressed address. The key is the lower-cased address (enforced), so lookups from any casing
-- hit the primary key.
CREATE TABLE suppressions (
  email text PRIMARY KEY CHECK (email = lower(email)),
  -- hard_bounce | soft_bounce | complaint | manual
  reason text NOT NULL CHECK (reason IN ('hard_bounce', 'soft_bounce', 'complaint', 'manual')),
  -- resend | postmark | admin | ...: who told us
  source text NOT NULL,
  note text,
  created_at timestamptz NOT NULL DEFAULT now()
);

-- Provider webhook deliveries already processed (Resend: svix-id; Postmark: a key built from its ids). A retried
-- delivery hits the primary key and is acknowledged without a second effect.
CREATE TABLE webhook_receipts (
  provider text NOT NULL,
  delivery_id text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (provider, delivery_id)
);

-- What happened to a message after it left us. message_id is null when a provider reports on mail we cannot
-- match (sent before Hogsend, or by another system on the same account); the address still counts for bounces.
CREATE TABLE message_events (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id uuid REFERENCES messages (id) ON DELETE CASCADE,
  email text NOT NULL CHECK (email = lower(email)),
  type text NOT NULL
    CHECK (type IN ('delivered', 'delivery_delayed', 'bounced', 'complained', 'opened', 'clicked')),
  bounce_kind text CHECK (bounce_kind IN ('hard', 'soft')),
  -- resend | postmark | tracking
  source text NOT NULL,
  details jsonb NOT NULL DEFAULT '{}'::jsonb,
  occurred_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX message_events_message ON message_events (message_id, occurred_at);
CREATE INDEX message_events_soft_bounces ON message_events (email, occurred_at)
  WHERE type = 'bounced' AND bounce_kind = 'soft';

-- Category preferences from the preference center. The global unsubscribe is contacts.unsubscribed_at.
CREATE TABLE email_preferences (
  user_id text NOT NULL,
  category text NOT NULL,
  unsubscribed_at timestamptz,
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, category)
);

