-- The payer's side: checkouts started from a link's or a session's page, the payments they
-- end in, and the provider events already applied.
--
-- A checkout is one attempt by a payer to pay: the amount and method chosen on the page, the
-- provider that takes the card (`test` or `stripe`) and, once the provider has made it, its own
-- id and hosted page. A payment is what a finished checkout produced; there is at most one per
-- checkout, so an event delivered twice, or a test-mode page posted twice, records it once.
CREATE TABLE checkouts (
    id text COLLATE "C" PRIMARY KEY,
    merchant_uid text COLLATE "C" NOT NULL REFERENCES merchants (merchant_uid) ON DELETE CASCADE,
    link_id text COLLATE "C" REFERENCES payment_links (link_id) ON DELETE CASCADE,
    session_id text COLLATE "C" REFERENCES payment_plan_sessions (id) ON DELETE CASCADE,
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    payment_method text NOT NULL CHECK (payment_method IN ('card', 'ach')),
    payer_phone text,
    provider text NOT NULL CHECK (provider IN ('test', 'stripe')),
    provider_checkout_id text COLLATE "C",
    provider_url text,
    status text NOT NULL CHECK (status IN ('Open', 'Completed', 'Failed', 'Expired')),
    -- A plan's checkout: when its first payment is due, and when the provider's subscription
    -- must end so that it charges `occurrences` times and no more.
    plan_first_charge_at timestamptz,
    plan_ends_at timestamptz,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK ((link_id IS NULL) <> (session_id IS NULL)),
    CHECK ((session_id IS NULL) = (plan_ends_at IS NULL))
);
CREATE UNIQUE INDEX checkouts_provider_checkout ON checkouts (provider, provider_checkout_id)
    WHERE provider_checkout_id IS NOT NULL;

CREATE TABLE payments (
    id text COLLATE "C" PRIMARY KEY,
    merchant_uid text COLLATE "C" NOT NULL REFERENCES merchants (merchant_uid) ON DELETE CASCADE,
    checkout_id text COLLATE "C" NOT NULL UNIQUE REFERENCES checkouts (id) ON DELETE CASCADE,
    link_id text COLLATE "C" REFERENCES payment_links (link_id) ON DELETE CASCADE,
    session_id text COLLATE "C" REFERENCES payment_plan_sessions (id) ON DELETE CASCADE,
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    payment_method text NOT NULL CHECK (payment_method IN ('card', 'ach')),
    payer_phone text,
    provider text NOT NULL CHECK (provider IN ('test', 'stripe')),
    provider_reference text,
    -- Pending: the provider took the payment but the money has not settled (bank debits).
    status text NOT NULL CHECK (status IN ('Pending', 'Succeeded', 'Failed')),
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    CHECK ((link_id IS NULL) <> (session_id IS NULL))
);
CREATE INDEX payments_link ON payments (link_id, created_at DESC, id DESC) WHERE link_id IS NOT NULL;
CREATE INDEX payments_session ON payments (session_id, created_at DESC, id DESC) WHERE session_id IS NOT NULL;

-- Provider events already applied: each is applied once however often it is delivered.
CREATE TABLE provider_events (
    provider text NOT NULL,
    event_id text COLLATE "C" NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (provider, event_id)
);

-- The secret a merchant's server checks paylink's callbacks with (HMAC-SHA256). Drawn by the
-- database for every merchant, existing ones included; `paylink merchant` prints it.
ALTER TABLE merchants ADD COLUMN callback_secret text NOT NULL
    DEFAULT ('whsec_' || replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''));

-- A session's `callbackUrl` is told of its completion through the same outbox as its link's
-- deliveries: a Webhook delivery holds the signed JSON's body; the signature is made at each
-- attempt, with its time.
ALTER TABLE link_deliveries DROP CONSTRAINT link_deliveries_channel_check;
ALTER TABLE link_deliveries ADD CONSTRAINT link_deliveries_channel_check
    CHECK (channel IN ('Email', 'Phone', 'Webhook'));
