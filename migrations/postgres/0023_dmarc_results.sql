-- The SQLite engine's migrations/0101: the DMARC results of mail we received, per UTC day and
-- policy domain, for the daily aggregate reports we send (RFC 7489 §7.2), and which went out.
CREATE TABLE dmarc_results (
  day          BIGINT NOT NULL,
  domain       TEXT NOT NULL,
  source_ip    TEXT NOT NULL,
  header_from  TEXT NOT NULL,
  disposition  TEXT NOT NULL,
  dkim_aligned TEXT NOT NULL,
  spf_aligned  TEXT NOT NULL,
  dkim         TEXT NOT NULL,
  spf_domain   TEXT NOT NULL,
  spf_result   TEXT NOT NULL,
  count        BIGINT NOT NULL,
  PRIMARY KEY (day, domain, source_ip, header_from, disposition, dkim_aligned, spf_aligned, dkim, spf_domain, spf_result)
);

CREATE TABLE dmarc_reports_sent (
  day     BIGINT NOT NULL,
  domain  TEXT NOT NULL,
  sent_at BIGINT NOT NULL,
  PRIMARY KEY (day, domain)
);
