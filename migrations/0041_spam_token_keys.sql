-- Classifier tokens are stored by a 53-bit hash (src/spam/tokens.ts tokenKey) instead of their text:
-- a third of the size and integer comparisons, which is what bounds the per-message cost of the
-- classifier (SPAM_MAX_TOKENS lookups and updates). The counts start again: every message is marked
-- untrained and the trainer re-learns it from the text stored at delivery (tokens, totals and
-- reputation are rebuilt together, so they stay consistent).
DROP TABLE spam_tokens;
CREATE TABLE spam_tokens (
  account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
  token      INTEGER NOT NULL,          -- tokenKey(text): 53-bit FNV-1a pair
  ham        INTEGER NOT NULL DEFAULT 0,
  spam       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (account_id, token)
) WITHOUT ROWID;
DELETE FROM spam_totals;
DELETE FROM spam_reputation;
UPDATE spam_messages SET trained = NULL;
