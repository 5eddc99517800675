-- State that every process of the store shares (issue 14): leases (POP3 maildrop lock, IMAP
-- session slots) with their holder and expiry, windowed counters in buckets, a keyed cache.
CREATE TABLE shared_leases (
  name TEXT NOT NULL,
  holder TEXT NOT NULL,
  node TEXT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (name, holder)
);
CREATE INDEX shared_leases_node ON shared_leases (node);
CREATE INDEX shared_leases_expiry ON shared_leases (expires_at);

CREATE TABLE shared_counters (
  name TEXT NOT NULL,
  bucket BIGINT NOT NULL,
  count BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  PRIMARY KEY (name, bucket)
);
CREATE INDEX shared_counters_expiry ON shared_counters (expires_at);

CREATE TABLE shared_cache (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX shared_cache_expiry ON shared_cache (expires_at);
