-- Outbound delivery: one row per recipient of a queue entry, with its own outcome, and the lease
-- a delivering entry holds so that a crashed node's entries are taken up again.
CREATE TABLE outbound_recipients (
    queue_id         bigint NOT NULL REFERENCES outbound_queue (id) ON DELETE CASCADE,
    address          text NOT NULL,
    state            text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'delivered', 'failed')),
    attempts         integer NOT NULL DEFAULT 0,
    last_error       text NULL,
    last_attempt_at  timestamptz NULL,
    PRIMARY KEY (queue_id, address)
);

INSERT INTO outbound_recipients (queue_id, address)
SELECT q.id, r.address FROM outbound_queue q CROSS JOIN LATERAL unnest(q.recipients) AS r(address)
WHERE q.state IN ('queued', 'delivering')
ON CONFLICT DO NOTHING;

ALTER TABLE outbound_queue ADD COLUMN claimed_at timestamptz NULL;
ALTER TABLE outbound_queue ADD COLUMN finished_at timestamptz NULL;
CREATE INDEX outbound_queue_delivering ON outbound_queue (claimed_at) WHERE state = 'delivering';
