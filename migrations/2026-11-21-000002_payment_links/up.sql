CREATE TABLE payment_links (
    link_id text PRIMARY KEY,
    merchant_uid text NOT NULL REFERENCES merchants (merchant_uid) ON DELETE CASCADE,
    link_name text NOT NULL,
    payment_name text NOT NULL,
    payment_description text,
    amount integer CHECK (amount > 0),
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    fee_mode text NOT NULL CHECK (fee_mode IN ('INTERCHANGE', 'SERVICE_FEE')),
    amount_is_variable boolean NOT NULL,
    min_amount integer CHECK (min_amount > 0),
    max_amount integer CHECK (max_amount > 0),
    require_phone boolean NOT NULL,
    call_to_action text NOT NULL CHECK (call_to_action IN ('PAY', 'DONATE', 'BOOK')),
    accepted_payment_methods text NOT NULL CHECK (accepted_payment_methods IN
        ('ALL', 'NOT_CASH', 'NOT_CARD', 'NOT_ACH', 'ONLY_CASH', 'ONLY_CARD', 'ONLY_ACH')),
    account_code text,
    custom_success_message text,
    redirect_url text,
    is_active boolean NOT NULL DEFAULT true,
    created_date timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    -- The service validates these too; the database keeps them true whatever writes the row.
    CHECK (amount_is_variable OR amount IS NOT NULL),
    CHECK (min_amount IS NULL OR max_amount IS NULL OR min_amount <= max_amount),
    CHECK (custom_success_message IS NULL OR redirect_url IS NULL)
);

-- The default listing: one merchant's links, newest first, keyset-paged on (created_date, link_id).
CREATE INDEX payment_links_listing ON payment_links (merchant_uid, created_date DESC, link_id DESC);
