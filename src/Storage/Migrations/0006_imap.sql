-- IMAP subscriptions (RFC 9051 §6.3.7): names, not folder ids, because a client may subscribe to a
-- name that does not exist (yet) and a subscription outlives a DELETE of its folder.
CREATE TABLE imap_subscriptions (
    account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name        text NOT NULL,
    PRIMARY KEY (account_id, name)
);
