-- Claiming a destination's due recipients (src/store/postgres/queue.ts claimDue) runs on every node
-- at once, FOR UPDATE SKIP LOCKED, in next_attempt_at order. This index holds only the waiting
-- recipients, ordered as a claim reads them, so a claim walks just its own domain's due rows
-- instead of every domain's through queue_due; finished recipients drop out of it.
CREATE INDEX queue_claim ON queue_recipients (domain, next_attempt_at, id) WHERE status IN ('pending', 'deferred');
