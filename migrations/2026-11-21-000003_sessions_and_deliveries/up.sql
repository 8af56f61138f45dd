-- A merchant's customers.
CREATE TABLE contacts (
    id text COLLATE "C" PRIMARY KEY,
    merchant_uid text COLLATE "C" NOT NULL REFERENCES merchants (merchant_uid) ON DELETE CASCADE,
    name text,
    given_name text,
    family_name text,
    email text,
    phone text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX contacts_merchant ON contacts (merchant_uid, created_at DESC);

-- Payment-plan offers to one contact. The stored status never says Expired: a session reads as
-- Expired once its expiration_date has passed, which needs no job to flip it.
CREATE TABLE payment_plan_sessions (
    id text COLLATE "C" PRIMARY KEY,
    merchant_uid text COLLATE "C" NOT NULL REFERENCES merchants (merchant_uid) ON DELETE CASCADE,
    contact_id text COLLATE "C" NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    status text NOT NULL CHECK (status IN ('Active', 'Completed', 'Expired', 'Cancelled')),
    frequency text NOT NULL
        CHECK (frequency IN ('Weekly', 'Biweekly', 'Monthly', 'Quarterly', 'Yearly')),
    start_date date NOT NULL,
    occurrences integer NOT NULL CHECK (occurrences BETWEEN 1 AND 520),
    callback_url text,
    cancel_url text,
    success_url text,
    expiration_date timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX payment_plan_sessions_merchant ON payment_plan_sessions (merchant_uid, created_at DESC);
CREATE INDEX payment_plan_sessions_contact ON payment_plan_sessions (contact_id);

-- The outbox: one row per requested delivery of a link, written in the same transaction as the
-- checks that allowed it, then claimed and sent by a dispatcher. `lease_until` marks how long a
-- claim by one server holds; a row left in Sending past it (a crashed server) is claimed again.
CREATE TABLE link_deliveries (
    id text COLLATE "C" PRIMARY KEY,
    merchant_uid text COLLATE "C" NOT NULL REFERENCES merchants (merchant_uid) ON DELETE CASCADE,
    session_id text COLLATE "C" REFERENCES payment_plan_sessions (id) ON DELETE CASCADE,
    link_id text COLLATE "C" REFERENCES payment_links (link_id) ON DELETE CASCADE,
    channel text NOT NULL CHECK (channel IN ('Email', 'Phone')),
    recipient text NOT NULL,
    subject text NOT NULL,
    body_text text NOT NULL,
    body_html text NOT NULL,
    status text NOT NULL CHECK (status IN ('Queued', 'Sending', 'Sent', 'Failed')),
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    provider_message_id text,
    next_attempt_at timestamptz NOT NULL,
    lease_until timestamptz,
    created_at timestamptz NOT NULL,
    sent_at timestamptz,
    CHECK ((session_id IS NULL) <> (link_id IS NULL))
);
CREATE INDEX link_deliveries_session ON link_deliveries (session_id, created_at DESC) WHERE session_id IS NOT NULL;
CREATE INDEX link_deliveries_link ON link_deliveries (link_id, created_at DESC) WHERE link_id IS NOT NULL;
-- What the dispatchers poll: only unfinished rows, so the index stays small.
CREATE INDEX link_deliveries_due ON link_deliveries (next_attempt_at) WHERE status IN ('Queued', 'Sending');
