DELETE FROM link_deliveries WHERE channel = 'Webhook';
ALTER TABLE link_deliveries DROP CONSTRAINT link_deliveries_channel_check;
ALTER TABLE link_deliveries ADD CONSTRAINT link_deliveries_channel_check
    CHECK (channel IN ('Email', 'Phone'));
ALTER TABLE merchants DROP COLUMN callback_secret;
DROP TABLE provider_events;
DROP TABLE payments;
DROP TABLE checkouts;
