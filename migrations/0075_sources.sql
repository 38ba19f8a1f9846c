-- Inbound sources (PostHog, Stripe, Segment, user-defined webhook sources).

-- Every verified delivery, kept raw with what became of it. (source, delivery_id) is the dedupe key: a retry of a
-- committed delivery finds its row. 'unresolved' holds events whose user could not be found yet (a Stripe customer
-- with no known user); they are routed when a lookup key (an email, an alias) resolves, then the row is 'processed'.
CREATE TABLE source_receipts (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  source text NOT NULL,
  delivery_id text NOT NULL,
  status text NOT NULL CHECK (status IN ('processed', 'ignored', 'rejected', 'unresolved')),
  reason text,
  raw_body text NOT NULL,
  event_count integer NOT NULL DEFAULT 0,
  pending_events jsonb,
  lookup_email text CHECK (lookup_email = lower(lookup_email)),
  lookup_alias text,
  received_at timestamptz NOT NULL DEFAULT now(),
  resolved_at timestamptz,
  UNIQUE (source, delivery_id)
);
CREATE INDEX source_receipts_unresolved ON source_receipts (id) WHERE status = 'unresolved';
CREATE INDEX source_receipts_unresolved_email ON source_receipts (lookup_email) WHERE status = 'unresolved';
CREATE INDEX source_receipts_unresolved_alias ON source_receipts (lookup_alias) WHERE status = 'unresolved';
CREATE INDEX source_receipts_source_id ON source_receipts (source, id DESC);

-- Identity merges: an alias (a PostHog anonymous distinct_id, `stripe:cus_…`) that belongs to a known user. New
-- events under an alias are stored under the user; events stored under it before the merge are read through
-- this table by ctx.history. One level: an alias never points at another alias.
CREATE TABLE user_aliases (
  alias text PRIMARY KEY,
  user_id text NOT NULL CHECK (user_id <> alias),
  source text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_aliases_user_id ON user_aliases (user_id);
