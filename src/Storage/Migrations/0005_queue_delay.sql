-- When the sender was told that delivery is delayed (RFC 3464 Action: delayed); set once per entry.
ALTER TABLE outbound_queue ADD COLUMN delay_notified_at timestamptz NULL;
