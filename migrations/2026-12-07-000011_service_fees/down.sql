ALTER TABLE payments DROP COLUMN fee_amount;
ALTER TABLE checkouts DROP COLUMN fee_amount;
DROP TABLE service_fees;
