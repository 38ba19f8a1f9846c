-- The capture provider's mailbox (development): what would have been sent, readable through the admin API.
CREATE TABLE captured_emails (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id uuid NOT NULL,
  to_email text NOT NULL,
  from_email text NOT NULL,
  subject text NOT NULL,
  html text NOT NULL,
  text_body text NOT NULL,
  headers jsonb NOT NULL DEFAULT '{}'::jsonb,
  captured_at timestamptz NOT NULL DEFAULT now(),
  -- the capture provider honours the idempotency key like Resend does: one capture per message
  UNIQUE (message_id)
);
CREATE INDEX captured_emails_to ON captured_emails (lower(to_email), id DESC);
