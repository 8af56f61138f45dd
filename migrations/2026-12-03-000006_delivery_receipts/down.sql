UPDATE link_deliveries SET status = 'Sent' WHERE status IN ('Delivered', 'Undelivered');
ALTER TABLE link_deliveries
    DROP COLUMN provider_status,
    DROP COLUMN provider_status_rank,
    DROP COLUMN provider_error_code,
    DROP COLUMN receipt_at;
ALTER TABLE link_deliveries DROP CONSTRAINT link_deliveries_status_check;
ALTER TABLE link_deliveries ADD CONSTRAINT link_deliveries_status_check
    CHECK (status IN ('Queued', 'Sending', 'Sent', 'Failed'));
