-- Responses remembered by Idempotency-Key, per merchant. A row with no status_code is a request
-- still running; locked_until lets a later request take it over if that server died.
CREATE TABLE idempotency_keys (
    merchant_uid text COLLATE "C" NOT NULL REFERENCES merchants (merchant_uid) ON DELETE CASCADE,
    key text COLLATE "C" NOT NULL,
    request_hash bytea NOT NULL,
    status_code integer,
    content_type text,
    response_body bytea,
    locked_until timestamptz NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (merchant_uid, key)
);
CREATE INDEX idempotency_keys_expiry ON idempotency_keys (expires_at);
