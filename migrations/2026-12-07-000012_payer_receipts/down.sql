DELETE FROM link_deliveries WHERE channel = 'Receipt';
ALTER TABLE link_deliveries DROP CONSTRAINT link_deliveries_channel_check;
ALTER TABLE link_deliveries ADD CONSTRAINT link_deliveries_channel_check
    CHECK (channel IN ('Email', 'Phone', 'Webhook'));
ALTER TABLE merchants DROP COLUMN payer_receipts;
