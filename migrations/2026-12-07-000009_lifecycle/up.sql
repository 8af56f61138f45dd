-- One lifecycle for checkouts and payments (the tables of allowed changes live in the
-- paylink-lifecycle crate; these constraints hold what the database can hold by itself).
--
-- A checkout can now be Cancelled: paylink closed it because its session or link can no longer
-- be paid. Each expires (Stripe's `expires_at`), and a session has at most one Open checkout at
-- a time; a plan's checkout keeps the processor's subscription once it is set up.
ALTER TABLE checkouts DROP CONSTRAINT checkouts_status_check;
ALTER TABLE checkouts ADD CONSTRAINT checkouts_status_check
    CHECK (status IN ('Open', 'Completed', 'Failed', 'Expired', 'Cancelled'));
ALTER TABLE checkouts ADD COLUMN expires_at timestamptz;
UPDATE checkouts SET expires_at = created_at + interval '24 hours';
ALTER TABLE checkouts ALTER COLUMN expires_at SET NOT NULL;
ALTER TABLE checkouts ADD COLUMN provider_subscription_id text COLLATE "C";
-- Older open checkouts of one session are closed before the rule holds.
UPDATE checkouts SET status = 'Expired'
    WHERE status = 'Open' AND session_id IS NOT NULL
      AND id NOT IN (SELECT DISTINCT ON (session_id) id FROM checkouts
                     WHERE status = 'Open' AND session_id IS NOT NULL
                     ORDER BY session_id, created_at DESC);
CREATE UNIQUE INDEX checkouts_one_open_per_session ON checkouts (session_id)
    WHERE status = 'Open' AND session_id IS NOT NULL;
CREATE INDEX checkouts_open_link ON checkouts (link_id) WHERE status = 'Open' AND link_id IS NOT NULL;
-- A payer's attempt at a link (a cookie of the link's pages): a second tab, or the payer coming
-- back, goes on with the attempt's open checkout.
ALTER TABLE checkouts ADD COLUMN attempt_key text COLLATE "C";
CREATE INDEX checkouts_open_attempt ON checkouts (link_id, attempt_key)
    WHERE status = 'Open' AND attempt_key IS NOT NULL;

-- A link can stop taking payments at a time (`expires_at`) or after a number of them
-- (`max_payments`, counted in `payment_count` as payments are kept), as Stripe's payment links'
-- `restrictions.completed_sessions` and Razorpay's `expire_by` do. Both can be filtered and
-- sorted on, so each has its sort index.
ALTER TABLE payment_links ADD COLUMN expires_at timestamptz;
ALTER TABLE payment_links ADD COLUMN max_payments integer CHECK (max_payments > 0);
ALTER TABLE payment_links ADD COLUMN payment_count integer NOT NULL DEFAULT 0
    CHECK (payment_count >= 0);
CREATE INDEX payment_links_by_expires_at ON payment_links (merchant_uid, expires_at, link_id);
CREATE INDEX payment_links_by_max_payments ON payment_links (merchant_uid, max_payments, link_id);

-- What a payment is for and who paid, carried from the link or session to the checkout, the
-- processor (metadata, the payer's email prefilled) and the payment: the link's account_code
-- ("passed in to every transaction"), the payment's reference (the link's payment_name, or the
-- plan's description), and the payer's email when paylink knows it (a session's contact).
ALTER TABLE checkouts ADD COLUMN account_code text;
ALTER TABLE checkouts ADD COLUMN reference text;
ALTER TABLE checkouts ADD COLUMN payer_email text;
ALTER TABLE payments ADD COLUMN account_code text;
ALTER TABLE payments ADD COLUMN reference text;
ALTER TABLE payments ADD COLUMN payer_email text;

-- A plan's later charges are payments of the checkout that set it up, one per invoice the
-- processor collected (and one per failed attempt), so a checkout has one first payment and any
-- number of invoice payments.
ALTER TABLE payments ADD COLUMN provider_invoice_id text COLLATE "C";
ALTER TABLE payments DROP CONSTRAINT payments_checkout_id_key;
CREATE UNIQUE INDEX payments_first_of_checkout ON payments (checkout_id)
    WHERE provider_invoice_id IS NULL;
CREATE UNIQUE INDEX payments_invoice ON payments (provider, provider_invoice_id)
    WHERE provider_invoice_id IS NOT NULL AND status <> 'Failed';
CREATE INDEX payments_provider_reference ON payments (provider, provider_reference)
    WHERE provider_reference IS NOT NULL;
CREATE INDEX checkouts_subscription ON checkouts (provider, provider_subscription_id)
    WHERE provider_subscription_id IS NOT NULL;

-- A payment can be Refunded (in full). `amount_refunded` counts refunds asked for and not
-- failed, so that two refunds at once can never give back more than was paid.
ALTER TABLE payments DROP CONSTRAINT payments_status_check;
ALTER TABLE payments ADD CONSTRAINT payments_status_check
    CHECK (status IN ('Pending', 'Succeeded', 'Failed', 'Refunded'));
ALTER TABLE payments ADD COLUMN amount_refunded bigint NOT NULL DEFAULT 0
    CHECK (amount_refunded >= 0 AND amount_refunded <= amount_minor);

-- Money given back. `initiated_by` says who asked: the merchant, paylink itself (a payment that
-- arrived for a checkout that could no longer be paid), or the processor (a refund made in its
-- dashboard).
CREATE TABLE refunds (
    id text COLLATE "C" PRIMARY KEY,
    merchant_uid text COLLATE "C" NOT NULL REFERENCES merchants (merchant_uid) ON DELETE CASCADE,
    payment_id text COLLATE "C" NOT NULL REFERENCES payments (id) ON DELETE CASCADE,
    amount_minor bigint NOT NULL CHECK (amount_minor > 0),
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    -- Null when none was given.
    reason text
        CHECK (reason IN ('not_payable', 'duplicate', 'fraudulent', 'requested_by_customer')),
    initiated_by text NOT NULL CHECK (initiated_by IN ('merchant', 'paylink', 'processor')),
    status text NOT NULL CHECK (status IN ('Pending', 'Succeeded', 'Failed')),
    provider_refund_id text COLLATE "C",
    failure_reason text,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX refunds_payment ON refunds (payment_id, created_at DESC, id DESC);
CREATE UNIQUE INDEX refunds_provider ON refunds (provider_refund_id)
    WHERE provider_refund_id IS NOT NULL;

-- What paylink must still tell the processor, written in the transaction that decided it and
-- carried out (with retries, by any replica) after: refund a payment, end a plan's
-- subscription, expire a checkout.
CREATE TABLE processor_tasks (
    id text COLLATE "C" PRIMARY KEY,
    merchant_uid text COLLATE "C" NOT NULL REFERENCES merchants (merchant_uid) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('refund', 'cancel_subscription', 'expire_checkout')),
    -- The refund's id, or the checkout's.
    subject_id text COLLATE "C" NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    due_at timestamptz NOT NULL,
    lease_until timestamptz,
    last_error text,
    done_at timestamptz,
    created_at timestamptz NOT NULL,
    UNIQUE (kind, subject_id)
);
CREATE INDEX processor_tasks_due ON processor_tasks (due_at) WHERE done_at IS NULL;
