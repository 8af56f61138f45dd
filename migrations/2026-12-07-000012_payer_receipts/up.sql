-- Payers' receipts: paylink emails one through the outbox when a payment succeeds and the
-- payer's email is known, always in test mode and otherwise for merchants who ask for it (the
-- others' payers get the processor's own). A receipt is an outbox row of its own channel, so
-- that it is never listed as a delivery of a link.
ALTER TABLE merchants ADD COLUMN payer_receipts boolean NOT NULL DEFAULT false;
ALTER TABLE link_deliveries DROP CONSTRAINT link_deliveries_channel_check;
ALTER TABLE link_deliveries ADD CONSTRAINT link_deliveries_channel_check
    CHECK (channel IN ('Email', 'Phone', 'Webhook', 'Receipt'));
