-- IMAP SEARCH text keys (RFC 9051 §6.4.4: case-insensitive substring matches on decoded header
-- fields and text parts). The gateway stores, per message, the text those keys look at, case-folded
-- and marked so that LIKE and a regular expression answer the keys exactly (see ImapSearchText in
-- src/Gateways/Imap). A message's content never changes, so a row never goes stale; it is written on
-- the first SEARCH that needs it and goes with the message. Trigram indexes let a search read only
-- the rows that can match instead of the whole folder.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE imap_search_text (
    message_id bigint PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
    headers    text NOT NULL,
    body       text NOT NULL
);
CREATE INDEX imap_search_text_headers ON imap_search_text USING gin (headers gin_trgm_ops);
CREATE INDEX imap_search_text_body ON imap_search_text USING gin (body gin_trgm_ops);
