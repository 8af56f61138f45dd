DROP INDEX link_deliveries_provider_message_id;
DROP INDEX link_deliveries_due;
CREATE INDEX link_deliveries_due ON link_deliveries (next_attempt_at) WHERE status IN ('Queued', 'Sending');
UPDATE link_deliveries SET status = 'Sent' WHERE status IN ('Delivered', 'Undelivered');
UPDATE link_deliveries SET status = 'Queued' WHERE status = 'Unknown';
ALTER TABLE link_deliveries
    DROP COLUMN provider_status,
    DROP COLUMN provider_status_rank,
    DROP COLUMN provider_error_code,
    DROP COLUMN receipt_at,
    DROP COLUMN attempt_started_at,
    DROP COLUMN unknown_since;
ALTER TABLE link_deliveries DROP CONSTRAINT link_deliveries_status_check;
ALTER TABLE link_deliveries ADD CONSTRAINT link_deliveries_status_check
    CHECK (status IN ('Queued', 'Sending', 'Sent', 'Failed'));
