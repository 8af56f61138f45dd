-- Service fees: what a merchant's SERVICE_FEE payment links add on top of the amount, so that
-- the payer rather than the merchant pays for taking the payment. One fee per merchant and
-- currency: the fixed part is money in that currency's minor unit, and paylink converts no
-- currency into another, so a link in a currency without a fee of its own adds nothing.
--
-- The percentage is held exactly, in basis points (hundredths of a percent: 2.9% is 290), and
-- the fee of an amount is round(amount * basis_points / 10000), half up, plus fixed_minor.
-- A fee of nothing is no row.
CREATE TABLE service_fees (
    merchant_uid text COLLATE "C" NOT NULL REFERENCES merchants (merchant_uid) ON DELETE CASCADE,
    currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
    basis_points integer NOT NULL CHECK (basis_points BETWEEN 0 AND 10000),
    fixed_minor bigint NOT NULL CHECK (fixed_minor BETWEEN 0 AND 2147483647),
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (merchant_uid, currency),
    CHECK (basis_points > 0 OR fixed_minor > 0)
);

-- The service fee a checkout charges and its payment took, in minor units. `amount_minor` stays
-- the whole charge (what the processor's amount_total says, what refunds count against); the
-- fee is the part of it that is not the link's own amount. 0 for everything else: INTERCHANGE
-- links, links in a currency without a fee, payment plans, and rows made before fees existed.
ALTER TABLE checkouts ADD COLUMN fee_amount bigint NOT NULL DEFAULT 0
    CHECK (fee_amount >= 0 AND fee_amount < amount_minor);
ALTER TABLE payments ADD COLUMN fee_amount bigint NOT NULL DEFAULT 0
    CHECK (fee_amount >= 0 AND fee_amount < amount_minor);
