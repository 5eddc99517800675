-- The DMARC results of mail we received, per UTC day and policy domain, for the daily aggregate
-- reports we send when [inbound] dmarc_reports is on (RFC 7489 §7.2, Appendix C's <record>).
-- One row per distinct evaluation with a count; dkim is the JSON list of the message's DKIM
-- results ({domain, selector, result}), cut to a few signatures.
CREATE TABLE dmarc_results (
  day          INTEGER NOT NULL,            -- days since 1970-01-01, UTC
  domain       TEXT NOT NULL,               -- the policy domain (where the DMARC record is published)
  source_ip    TEXT NOT NULL,
  header_from  TEXT NOT NULL,
  disposition  TEXT NOT NULL,               -- none | quarantine | reject: what we did
  dkim_aligned TEXT NOT NULL,               -- pass | fail
  spf_aligned  TEXT NOT NULL,               -- pass | fail
  dkim         TEXT NOT NULL,
  spf_domain   TEXT NOT NULL,
  spf_result   TEXT NOT NULL,
  count        INTEGER NOT NULL,
  PRIMARY KEY (day, domain, source_ip, header_from, disposition, dkim_aligned, spf_aligned, dkim, spf_domain, spf_result)
) WITHOUT ROWID;
-- Days and domains whose report went out (or had no destination to go to): sent once.
CREATE TABLE dmarc_reports_sent (
  day     INTEGER NOT NULL,
  domain  TEXT NOT NULL,
  sent_at INTEGER NOT NULL,
  PRIMARY KEY (day, domain)
) WITHOUT ROWID;
