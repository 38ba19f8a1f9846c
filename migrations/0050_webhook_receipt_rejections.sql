-- A verified webhook delivery whose payload cannot be used (not JSON, NUL characters, nesting too deep, a recipient
-- that is no address …) is acknowledged with 2xx so that the provider stops retrying it, and kept here as
-- `rejected` with the reason, for an operator to look at. Receipts of deliveries that were applied are `processed`.
ALTER TABLE webhook_receipts
  ADD COLUMN status text NOT NULL DEFAULT 'processed' CHECK (status IN ('processed', 'rejected')),
  ADD COLUMN error text;
