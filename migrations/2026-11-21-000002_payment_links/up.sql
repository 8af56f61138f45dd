-- Text columns use the "C" collation: filters and sorts compare bytes, the same on every server
-- whatever its default locale, which keyset paging needs to be exact.
CREATE TABLE payment_links (
    link_id text COLLATE "C" PRIMARY KEY,
    merchant_uid text COLLATE "C" NOT NULL REFERENCES merchants (merchant_uid) ON DELETE CASCADE,
    link_name text COLLATE "C" NOT NULL,
    payment_name text COLLATE "C" NOT NULL,
    payment_description text COLLATE "C",
    amount integer CHECK (amount > 0),
    currency text COLLATE "C" NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    fee_mode text COLLATE "C" NOT NULL CHECK (fee_mode IN ('INTERCHANGE', 'SERVICE_FEE')),
    amount_is_variable boolean NOT NULL,
    min_amount integer CHECK (min_amount > 0),
    max_amount integer CHECK (max_amount > 0),
    require_phone boolean NOT NULL,
    call_to_action text COLLATE "C" NOT NULL CHECK (call_to_action IN ('PAY', 'DONATE', 'BOOK')),
    accepted_payment_methods text COLLATE "C" NOT NULL CHECK (accepted_payment_methods IN
        ('ALL', 'NOT_CASH', 'NOT_CARD', 'NOT_ACH', 'ONLY_CASH', 'ONLY_CARD', 'ONLY_ACH')),
    account_code text COLLATE "C",
    custom_success_message text COLLATE "C",
    redirect_url text COLLATE "C",
    is_active boolean NOT NULL DEFAULT true,
    created_date timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    -- The service validates these too; the database keeps them true whatever writes the row.
    CHECK (amount_is_variable OR amount IS NOT NULL),
    CHECK (min_amount IS NULL OR max_amount IS NULL OR min_amount <= max_amount),
    CHECK (custom_success_message IS NULL OR redirect_url IS NULL)
);

-- Every index leads with merchant_uid: all reads are one merchant's. Each serves one listing
-- order (scanned forwards or backwards) or one common filter, with link_id as the tie-breaker
-- that keyset paging needs.
-- The default listing: newest first.
CREATE INDEX payment_links_listing ON payment_links (merchant_uid, created_date DESC, link_id DESC);
-- Active (or inactive) links, newest first.
CREATE INDEX payment_links_active ON payment_links (merchant_uid, is_active, created_date DESC, link_id DESC);
-- Name searches: LIKE 'prefix%' compares lower(link_name); "C" collation makes prefixes indexable.
CREATE INDEX payment_links_name_search ON payment_links (merchant_uid, lower(link_name));
-- Sorting and ranges.
CREATE INDEX payment_links_by_link_name ON payment_links (merchant_uid, link_name, link_id);
CREATE INDEX payment_links_by_payment_name ON payment_links (merchant_uid, payment_name, link_id);
CREATE INDEX payment_links_by_amount ON payment_links (merchant_uid, amount, link_id);
