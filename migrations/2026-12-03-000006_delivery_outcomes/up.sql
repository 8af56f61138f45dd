-- What happens to a delivery after the provider took it, and when paylink cannot tell whether it
-- did.
--
-- Delivery receipts: what the provider later says about a message it accepted (Twilio's status
-- callbacks). A delivery moves on from Sent to Delivered or Undelivered; the provider's own word
-- for the state, its rank (so that a late or repeated callback never moves a delivery back) and
-- its error code are kept beside it.
--
-- Unknown outcomes: an attempt whose request may have reached the provider without an answer
-- coming back (a timeout after sending, a cut connection, a server that died or stopped
-- mid-send) is Unknown. It is not sent again until paylink has asked the provider whether it has
-- the message. `unknown_since` is when the earliest such attempt began (the window to look for
-- the message in); `attempt_started_at` when the current or last attempt began.
ALTER TABLE link_deliveries DROP CONSTRAINT link_deliveries_status_check;
ALTER TABLE link_deliveries ADD CONSTRAINT link_deliveries_status_check
    CHECK (status IN ('Queued', 'Sending', 'Unknown', 'Sent', 'Delivered', 'Undelivered', 'Failed'));
ALTER TABLE link_deliveries
    ADD COLUMN provider_status text,
    ADD COLUMN provider_status_rank smallint NOT NULL DEFAULT 0,
    ADD COLUMN provider_error_code text,
    ADD COLUMN receipt_at timestamptz,
    ADD COLUMN attempt_started_at timestamptz,
    ADD COLUMN unknown_since timestamptz;
-- A provider's message is one delivery's: settling an attempt in doubt never takes a message
-- another delivery already has (identical texts to one number are told apart this way).
CREATE UNIQUE INDEX link_deliveries_provider_message_id ON link_deliveries (provider_message_id)
    WHERE provider_message_id IS NOT NULL;
-- Unknown deliveries are due when it is time to settle them.
DROP INDEX link_deliveries_due;
CREATE INDEX link_deliveries_due ON link_deliveries (next_attempt_at)
    WHERE status IN ('Queued', 'Sending', 'Unknown');
