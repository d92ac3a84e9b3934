-- REST Mail federation (docs/federation.md).

-- ES256 (P-256) keys that sign this server's delivery tokens, several per domain so a new key can be
-- published (in the JWKS) before it signs anything. Created on first use.
CREATE TABLE federation_keys (
    kid             text PRIMARY KEY,
    domain_id       bigint NOT NULL REFERENCES domains (id) ON DELETE CASCADE,
    private_key_pem text NOT NULL,               -- PKCS#8 PEM, EC P-256
    created_at      timestamptz NOT NULL DEFAULT now(),
    signs_from      timestamptz NOT NULL,        -- published at created_at, signs from here on
    retired_at      timestamptz                  -- no longer published or used
);
CREATE INDEX federation_keys_domain ON federation_keys (domain_id, signs_from);

-- Token ids (jti) seen by the receiving endpoint, kept until the token expires: a replayed token is
-- refused on every node, since every node checks this table.
CREATE TABLE federation_replay (
    issuer     text NOT NULL,
    jti        text NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (issuer, jti)
);
CREATE INDEX federation_replay_expiry ON federation_replay (expires_at);

-- The outcome of each (sender domain, idempotency key, recipient) delivered through POST /v1/deliver:
-- a retry of a delivery that committed gets the same answer and stores nothing. 'pending' while the
-- delivery runs, so a concurrent retry is told to come back later instead of delivering twice.
CREATE TABLE federation_deliveries (
    issuer          text NOT NULL,
    idempotency_key text NOT NULL,
    recipient       text NOT NULL,
    state           text NOT NULL CHECK (state IN ('pending', 'done')),
    code            integer,
    enhanced_code   text,
    status          text,
    message         text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer, idempotency_key, recipient)
);
CREATE INDEX federation_deliveries_created ON federation_deliveries (created_at);
