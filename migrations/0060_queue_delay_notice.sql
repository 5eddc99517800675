-- Delay notices (RFC 3464 Action: delayed): when the sender was told that this recipient is late.
-- NULL until then; set in the transaction that records the attempt after which the notice went out,
-- so each recipient gets at most one notice (a crash between sending and recording may send a second).
ALTER TABLE queue_recipients ADD COLUMN delay_notified_at INTEGER;
