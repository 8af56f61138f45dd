DROP TABLE processor_tasks;
DROP TABLE refunds;
ALTER TABLE payments DROP COLUMN amount_refunded;
ALTER TABLE payments DROP COLUMN payer_email;
ALTER TABLE payments DROP COLUMN reference;
ALTER TABLE payments DROP COLUMN account_code;
ALTER TABLE checkouts DROP COLUMN payer_email;
ALTER TABLE checkouts DROP COLUMN reference;
ALTER TABLE checkouts DROP COLUMN account_code;
UPDATE payments SET status = 'Succeeded' WHERE status = 'Refunded';
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check
    CHECK (status IN ('Pending', 'Succeeded', 'Failed'));
DROP INDEX checkouts_open_link;
DROP INDEX checkouts_one_open_per_session;
ALTER TABLE checkouts DROP COLUMN provider_subscription_id;
ALTER TABLE checkouts DROP COLUMN expires_at;
UPDATE checkouts SET status = 'Expired' WHERE status = 'Cancelled';
ALTER TABLE checkouts DROP CONSTRAINT checkouts_status_check;
ALTER TABLE checkouts ADD CONSTRAINT checkouts_status_check
    CHECK (status IN ('Open', 'Completed', 'Failed', 'Expired'));
DROP INDEX payment_links_by_max_payments;
DROP INDEX payment_links_by_expires_at;
ALTER TABLE payment_links DROP COLUMN payment_count;
ALTER TABLE payment_links DROP COLUMN max_payments;
ALTER TABLE payment_links DROP COLUMN expires_at;
