DROP INDEX contacts_email_search;
DROP INDEX contacts_name_search;
DROP INDEX payments_payer_email_search;

DROP INDEX contacts_by_phone;
DROP INDEX contacts_by_email;
DROP INDEX contacts_by_name;
DROP INDEX contacts_by_created_at;
DROP INDEX contacts_by_id;
CREATE INDEX contacts_merchant ON contacts (merchant_uid, created_at DESC);

DROP INDEX payment_plan_sessions_by_expiration_date;
DROP INDEX payment_plan_sessions_by_contact_id;
DROP INDEX payment_plan_sessions_by_start_date;
DROP INDEX payment_plan_sessions_by_frequency;
DROP INDEX payment_plan_sessions_by_currency;
DROP INDEX payment_plan_sessions_by_amount;
DROP INDEX payment_plan_sessions_by_created_at;
DROP INDEX payment_plan_sessions_by_id;
CREATE INDEX payment_plan_sessions_merchant ON payment_plan_sessions (merchant_uid, created_at DESC);

DROP INDEX payments_by_amount_refunded;
DROP INDEX payments_by_reference;
DROP INDEX payments_by_provider_reference;
DROP INDEX payments_by_payment_method;
DROP INDEX payments_by_payer_phone;
DROP INDEX payments_by_payer_email;
DROP INDEX payments_by_account_code;
DROP INDEX payments_by_session_id;
DROP INDEX payments_by_link_id;
DROP INDEX payments_by_currency;
DROP INDEX payments_by_amount;
DROP INDEX payments_by_status;
DROP INDEX payments_by_created_at;
DROP INDEX payments_by_id;

ALTER TABLE contacts
    ALTER COLUMN name TYPE text COLLATE "default",
    ALTER COLUMN email TYPE text COLLATE "default",
    ALTER COLUMN phone TYPE text COLLATE "default";
ALTER TABLE payment_plan_sessions
    ALTER COLUMN currency TYPE text COLLATE "default",
    ALTER COLUMN status TYPE text COLLATE "default",
    ALTER COLUMN frequency TYPE text COLLATE "default";
ALTER TABLE payments
    ALTER COLUMN currency TYPE text COLLATE "default",
    ALTER COLUMN payment_method TYPE text COLLATE "default",
    ALTER COLUMN payer_phone TYPE text COLLATE "default",
    ALTER COLUMN provider_reference TYPE text COLLATE "default",
    ALTER COLUMN status TYPE text COLLATE "default",
    ALTER COLUMN account_code TYPE text COLLATE "default",
    ALTER COLUMN reference TYPE text COLLATE "default",
    ALTER COLUMN payer_email TYPE text COLLATE "default";
