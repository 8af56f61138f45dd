-- Delivery receipts: what the provider later says about a message it accepted (Twilio's status
-- callbacks). A delivery moves on from Sent to Delivered or Undelivered; the provider's own word
-- for the state, its rank (so that a late or repeated callback never moves a delivery back) and
-- its error code are kept beside it.
ALTER TABLE link_deliveries DROP CONSTRAINT link_deliveries_status_check;
ALTER TABLE link_deliveries ADD CONSTRAINT link_deliveries_status_check
    CHECK (status IN ('Queued', 'Sending', 'Sent', 'Delivered', 'Undelivered', 'Failed'));
ALTER TABLE link_deliveries
    ADD COLUMN provider_status text,
    ADD COLUMN provider_status_rank smallint NOT NULL DEFAULT 0,
    ADD COLUMN provider_error_code text,
    ADD COLUMN receipt_at timestamptz;
