-- Delivery status notification requests (RFC 3461) kept with each outbound entry: RET and ENVID
-- for the message, NOTIFY and ORCPT for each recipient. NULL means the sender asked nothing.
ALTER TABLE outbound_queue ADD COLUMN dsn_return_full boolean NOT NULL DEFAULT false;
ALTER TABLE outbound_queue ADD COLUMN dsn_envelope_id text NULL;
-- NOTIFY as the NotifyOn flags (0 = NEVER, 1 = SUCCESS, 2 = FAILURE, 4 = DELAY).
ALTER TABLE outbound_recipients ADD COLUMN dsn_notify smallint NULL CHECK (dsn_notify BETWEEN 0 AND 7);
ALTER TABLE outbound_recipients ADD COLUMN dsn_original_recipient text NULL;
