-- The all-text search vector moves out of messages into message_search, written after the delivery
-- commits, in batches, by the search indexer (src/Storage/Mail/SearchIndexer.cs). Tokenising the body
-- and inserting it into a GIN index inside the delivery transaction cost about a third of
-- PostgreSQL's CPU per delivery (perf, docs/benchmarks.md). A delivery now records the message in
-- search_pending; a search first indexes what its account still has pending, so results stay exact.
CREATE TABLE message_search (
    message_id bigint PRIMARY KEY,
    account_id bigint NOT NULL,
    -- Subject, addresses and body, unweighted: bare words match here (see SearchDocument.AllText).
    search     tsvector NOT NULL
);
CREATE INDEX message_search_search ON message_search USING gin (search);
-- As on the old column: many most-common lexemes tell common words from rare ones.
ALTER TABLE message_search ALTER COLUMN search SET STATISTICS 1000;

CREATE TABLE search_pending (
    message_id bigint PRIMARY KEY,
    account_id bigint NOT NULL
);
CREATE INDEX search_pending_account ON search_pending (account_id);

INSERT INTO message_search (message_id, account_id, search) SELECT id, account_id, search FROM messages;
DROP INDEX messages_search;
ALTER TABLE messages DROP COLUMN search;

-- No foreign keys: the indexer would then take a lock on the message row that a concurrent expunge
-- holds while the expunge waits for the indexer's pending row. The trigger removes both rows instead
-- (pending first: a row the indexer holds is waited for, and its new vector is then seen and removed).
CREATE FUNCTION restmail_messages_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM search_pending WHERE message_id IN (SELECT id FROM gone);
    DELETE FROM message_search WHERE message_id IN (SELECT id FROM gone);
    RETURN NULL;
END
$$;
CREATE TRIGGER messages_deleted AFTER DELETE ON messages
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT EXECUTE FUNCTION restmail_messages_deleted();
