-- Merchants are the tenants; every other row belongs to exactly one.
CREATE TABLE merchants (
    merchant_uid text COLLATE "C" PRIMARY KEY,
    name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 255),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- API keys are stored as a SHA-256 digest only: the keys are long random strings, so a fast hash
-- is safe, and the clear key is shown once at creation. `prefix` is the visible start of the key,
-- for telling keys apart in listings.
CREATE TABLE api_keys (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    merchant_uid text COLLATE "C" NOT NULL REFERENCES merchants (merchant_uid) ON DELETE CASCADE,
    prefix text COLLATE "C" NOT NULL,
    key_hash bytea NOT NULL UNIQUE CHECK (length(key_hash) = 32),
    label text,
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
);

CREATE INDEX api_keys_merchant_uid ON api_keys (merchant_uid);
