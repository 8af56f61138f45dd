-- Merchant-wide listings of payments, payment-plan sessions and contacts, filtered, sorted and
-- keyset-paged like payment links (see docs/listings.md).
--
-- Text that clients filter and sort on compares by bytes ("C" collation), as payment_links'
-- does: the same order on every server whatever its default locale, which keyset paging needs
-- to be exact. A change of collation alone rewrites no rows; the indexes on these columns are
-- built below, after it.
ALTER TABLE payments
    ALTER COLUMN currency TYPE text COLLATE "C",
    ALTER COLUMN payment_method TYPE text COLLATE "C",
    ALTER COLUMN payer_phone TYPE text COLLATE "C",
    ALTER COLUMN provider_reference TYPE text COLLATE "C",
    ALTER COLUMN status TYPE text COLLATE "C",
    ALTER COLUMN account_code TYPE text COLLATE "C",
    ALTER COLUMN reference TYPE text COLLATE "C",
    ALTER COLUMN payer_email TYPE text COLLATE "C";
ALTER TABLE payment_plan_sessions
    ALTER COLUMN currency TYPE text COLLATE "C",
    ALTER COLUMN status TYPE text COLLATE "C",
    ALTER COLUMN frequency TYPE text COLLATE "C";
ALTER TABLE contacts
    ALTER COLUMN name TYPE text COLLATE "C",
    ALTER COLUMN email TYPE text COLLATE "C",
    ALTER COLUMN phone TYPE text COLLATE "C";

-- One index per sort key, (merchant_uid, key, id), as payment_links has: a page in any order is
-- a range of one merchant's index entries, scanned forwards or backwards, however deep; a NULL
-- key sorts last and is read by its own `key IS NULL` range, which the same index serves. None
-- of these columns holds text longer than a B-tree entry takes (names, emails, codes and
-- references of at most a few hundred characters; processor ids).
CREATE INDEX payments_by_id ON payments (merchant_uid, id);
CREATE INDEX payments_by_created_at ON payments (merchant_uid, created_at, id);
CREATE INDEX payments_by_status ON payments (merchant_uid, status, id);
CREATE INDEX payments_by_amount ON payments (merchant_uid, amount_minor, id);
CREATE INDEX payments_by_currency ON payments (merchant_uid, currency, id);
CREATE INDEX payments_by_link_id ON payments (merchant_uid, link_id, id);
CREATE INDEX payments_by_session_id ON payments (merchant_uid, session_id, id);
CREATE INDEX payments_by_account_code ON payments (merchant_uid, account_code, id);
CREATE INDEX payments_by_payer_email ON payments (merchant_uid, payer_email, id);
CREATE INDEX payments_by_payer_phone ON payments (merchant_uid, payer_phone, id);
CREATE INDEX payments_by_payment_method ON payments (merchant_uid, payment_method, id);
CREATE INDEX payments_by_provider_reference ON payments (merchant_uid, provider_reference, id);
CREATE INDEX payments_by_reference ON payments (merchant_uid, reference, id);
CREATE INDEX payments_by_amount_refunded ON payments (merchant_uid, amount_refunded, id);

-- A session's status is read with the clock (an Active session past its expiration_date is
-- Expired), so no index can hold it in order; its sort sorts the merchant's matching sessions.
-- The created_at index replaces the one without the id, which paging needs as the tie-breaker.
DROP INDEX payment_plan_sessions_merchant;
CREATE INDEX payment_plan_sessions_by_id ON payment_plan_sessions (merchant_uid, id);
CREATE INDEX payment_plan_sessions_by_created_at ON payment_plan_sessions (merchant_uid, created_at, id);
CREATE INDEX payment_plan_sessions_by_amount ON payment_plan_sessions (merchant_uid, amount_minor, id);
CREATE INDEX payment_plan_sessions_by_currency ON payment_plan_sessions (merchant_uid, currency, id);
CREATE INDEX payment_plan_sessions_by_frequency ON payment_plan_sessions (merchant_uid, frequency, id);
CREATE INDEX payment_plan_sessions_by_start_date ON payment_plan_sessions (merchant_uid, start_date, id);
CREATE INDEX payment_plan_sessions_by_contact_id ON payment_plan_sessions (merchant_uid, contact_id, id);
CREATE INDEX payment_plan_sessions_by_expiration_date ON payment_plan_sessions (merchant_uid, expiration_date, id);

DROP INDEX contacts_merchant;
CREATE INDEX contacts_by_id ON contacts (merchant_uid, id);
CREATE INDEX contacts_by_created_at ON contacts (merchant_uid, created_at, id);
CREATE INDEX contacts_by_name ON contacts (merchant_uid, name, id);
CREATE INDEX contacts_by_email ON contacts (merchant_uid, email, id);
CREATE INDEX contacts_by_phone ON contacts (merchant_uid, phone, id);

-- Searches by the start of a name or an email address ("did Jo pay?"): LIKE 'jo%' compares the
-- text lower-cased by ICU's root locale, by bytes, as payment_links_name_search does for links.
CREATE INDEX payments_payer_email_search
    ON payments (merchant_uid, (lower(payer_email COLLATE "und-x-icu") COLLATE "C"));
CREATE INDEX contacts_name_search
    ON contacts (merchant_uid, (lower(name COLLATE "und-x-icu") COLLATE "C"));
CREATE INDEX contacts_email_search
    ON contacts (merchant_uid, (lower(email COLLATE "und-x-icu") COLLATE "C"));
