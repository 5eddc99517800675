-- Our outbound TLS results per UTC day, destination domain and MX, for the daily TLS-RPT reports we
-- send (RFC 8460 §4). result_type is '' for successful sessions, else an RFC 8460 §4.3 result type.
CREATE TABLE tls_results (
  day          INTEGER NOT NULL,            -- days since 1970-01-01, UTC
  domain       TEXT NOT NULL,               -- the recipient (policy) domain
  policy_type  TEXT NOT NULL,               -- sts | no-policy-found
  policy       TEXT NOT NULL,               -- JSON of the MTA-STS policy (mode, mx, max_age) or ''
  mx_host      TEXT NOT NULL,
  receiving_ip TEXT NOT NULL,
  result_type  TEXT NOT NULL,
  count        INTEGER NOT NULL,
  PRIMARY KEY (day, domain, policy_type, mx_host, receiving_ip, result_type)
) WITHOUT ROWID;
-- Days and domains whose report went out (or had no rua to go to): sent once.
CREATE TABLE tls_reports_sent (
  day     INTEGER NOT NULL,
  domain  TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  PRIMARY KEY (day, domain)
) WITHOUT ROWID;
