-- The mail store. Counters that must never drift (UIDNEXT, MODSEQ, quota usage, blob reference
-- counts) live in these rows and change in the same transaction as the rows they count.

CREATE TABLE domains (
    id          bigserial PRIMARY KEY,
    name        text NOT NULL UNIQUE,            -- lower-case, IDNA (punycode) form
    quota_bytes bigint NULL CHECK (quota_bytes IS NULL OR quota_bytes >= 0),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE accounts (
    id              bigserial PRIMARY KEY,
    domain_id       bigint NOT NULL REFERENCES domains (id),
    address         text NOT NULL UNIQUE,        -- lower-case local@domain
    display_name    text NULL,
    password_hash   text NOT NULL,
    is_admin        boolean NOT NULL DEFAULT false,
    quota_bytes     bigint NULL CHECK (quota_bytes IS NULL OR quota_bytes >= 0),
    used_bytes      bigint NOT NULL DEFAULT 0 CHECK (used_bytes >= 0),
    message_count   bigint NOT NULL DEFAULT 0 CHECK (message_count >= 0),
    highest_modseq  bigint NOT NULL DEFAULT 0,
    -- The change log holds every change with modseq > changes_floor; older ones were pruned.
    changes_floor   bigint NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX accounts_domain ON accounts (domain_id);

CREATE TABLE aliases (
    id          bigserial PRIMARY KEY,
    domain_id   bigint NOT NULL REFERENCES domains (id),
    address     text NOT NULL UNIQUE,
    account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX aliases_account ON aliases (account_id);

CREATE TABLE folders (
    id            bigserial PRIMARY KEY,
    account_id    bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    name          text NOT NULL,
    role          text NULL CHECK (role IN ('inbox', 'sent', 'drafts', 'trash', 'junk', 'archive')),
    uid_validity  bigint NOT NULL,
    uid_next      bigint NOT NULL DEFAULT 1,
    total         bigint NOT NULL DEFAULT 0,
    unread        bigint NOT NULL DEFAULT 0,
    size_bytes    bigint NOT NULL DEFAULT 0,
    modseq        bigint NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (account_id, name),
    UNIQUE (account_id, role)
);

-- Content-addressed blobs. refcount counts references from messages and queue entries; a blob at
-- zero is collected once it has been unreferenced for a grace period (it may be about to be used).
CREATE TABLE blobs (
    hash        bytea PRIMARY KEY CHECK (length(hash) = 32),
    size        bigint NOT NULL,
    refcount    bigint NOT NULL DEFAULT 0 CHECK (refcount >= 0),
    touched_at  timestamptz NOT NULL DEFAULT now(),
    data        bytea COMPRESSION lz4 NOT NULL
);
CREATE INDEX blobs_unreferenced ON blobs (touched_at) WHERE refcount = 0;

CREATE TABLE messages (
    id                bigserial PRIMARY KEY,
    account_id        bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    folder_id         bigint NOT NULL REFERENCES folders (id) ON DELETE CASCADE,
    uid               bigint NOT NULL,
    modseq            bigint NOT NULL,
    flags             integer NOT NULL DEFAULT 0,
    keywords          text[] NOT NULL DEFAULT '{}',
    internal_date     timestamptz NOT NULL,
    size              bigint NOT NULL,
    segments          bytea[] NOT NULL,           -- blob hashes; concatenated they are the raw message
    from_address      text NULL,
    from_name         text NULL,
    to_addresses      text[] NOT NULL DEFAULT '{}',
    cc_addresses      text[] NOT NULL DEFAULT '{}',
    subject           text NULL,
    sent_date         timestamptz NULL,
    message_id_header text NULL,
    in_reply_to       text NULL,
    references_header text[] NOT NULL DEFAULT '{}',
    has_attachments   boolean NOT NULL DEFAULT false,
    preview           text NOT NULL DEFAULT '',
    thread_id         bigint NOT NULL,
    -- Everything searchable (subject, addresses, body), unweighted: bare words match here, and an
    -- unweighted GIN match needs no recheck of the (large) vector.
    search            tsvector NOT NULL,
    -- Subject (weight A), from (B), to/cc (C) only: field searches (subject:, from:, to:) match
    -- here, against a small vector whose statistics the planner can trust.
    headers           tsvector NOT NULL,
    UNIQUE (folder_id, uid)
);
CREATE INDEX messages_folder_date ON messages (folder_id, internal_date DESC, id DESC);
CREATE INDEX messages_account_date ON messages (account_id, internal_date DESC, id DESC);
CREATE INDEX messages_account_msgid ON messages (account_id, message_id_header) WHERE message_id_header IS NOT NULL;
CREATE INDEX messages_search ON messages USING gin (search);
-- A long list of most-common lexemes lets the planner tell common words (walk the date index)
-- from rare ones (use the GIN index).
ALTER TABLE messages ALTER COLUMN search SET STATISTICS 1000;
CREATE INDEX messages_headers ON messages USING gin (headers);

-- The change log: one row per change, keyed by the account-wide MODSEQ.
-- kind: 1 added, 2 flags changed, 3 moved, 4 expunged, 5 folder created/renamed, 6 folder deleted.
CREATE TABLE changes (
    account_id      bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    modseq          bigint NOT NULL,
    kind            smallint NOT NULL,
    message_id      bigint NULL,
    folder_id       bigint NULL,
    uid             bigint NULL,
    prev_folder_id  bigint NULL,
    prev_uid        bigint NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (account_id, modseq)
);

-- Outbound mail accepted for remote recipients, drained by the SMTP/federation delivery issue.
CREATE TABLE outbound_queue (
    id               bigserial PRIMARY KEY,
    account_id       bigint NULL REFERENCES accounts (id) ON DELETE SET NULL,
    mail_from        text NOT NULL,
    recipients       text[] NOT NULL,
    segments         bytea[] NOT NULL,
    size             bigint NOT NULL,
    state            text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'delivering', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_error       text NULL,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbound_queue_due ON outbound_queue (next_attempt_at) WHERE state = 'queued';

-- Server-wide secrets and settings shared by every node (the token signing key, for one).
CREATE TABLE server_settings (
    key    text PRIMARY KEY,
    value  text NOT NULL
);

CREATE TABLE refresh_tokens (
    token_hash  bytea PRIMARY KEY,
    account_id  bigint NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    expires_at  timestamptz NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_account ON refresh_tokens (account_id);

-- Turns search terms into one tsquery: every lexeme of every term (parsed exactly as the indexed
-- text was) must match exactly, with one of that term's weights ('' for any). NULL when no term
-- has a lexeme.
CREATE FUNCTION restmail_search_query(terms text[], weights text[]) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT string_agg(
               '''' || replace(replace(v.lexeme, '\', '\\'), '''', '''''') || ''''
                   || CASE WHEN t.w = '' THEN '' ELSE ':' || t.w END,
               ' & ')::tsquery
    FROM unnest(terms, weights) AS t(term, w),
         unnest(to_tsvector('simple', t.term)) AS v
$$;
