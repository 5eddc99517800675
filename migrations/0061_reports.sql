-- Received DMARC aggregate (RFC 7489 §7.2) and TLS-RPT (RFC 8460) reports about our domains, for
-- `postern reports`. A report is identified by its reporter and report id: a resent report
-- replaces nothing and is not counted twice (UNIQUE, INSERT OR IGNORE).
CREATE TABLE dmarc_reports (
  id          INTEGER PRIMARY KEY,
  org_name    TEXT NOT NULL,                -- the reporter (report_metadata/org_name)
  email       TEXT NOT NULL,
  report_id   TEXT NOT NULL,
  domain      TEXT NOT NULL,                -- policy_published/domain, lowercase
  policy      TEXT NOT NULL,                -- p= as the reporter saw it
  begin_at    INTEGER NOT NULL,             -- ms since epoch, date_range begin
  end_at      INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  UNIQUE (org_name, report_id)
);
CREATE INDEX dmarc_reports_domain ON dmarc_reports (domain, end_at);
CREATE TABLE dmarc_report_rows (
  report_id    INTEGER NOT NULL REFERENCES dmarc_reports(id) ON DELETE CASCADE,
  source_ip    TEXT NOT NULL,
  count        INTEGER NOT NULL,            -- messages from source_ip with these results
  disposition  TEXT NOT NULL,               -- none | quarantine | reject | unknown
  dkim_aligned TEXT NOT NULL,               -- policy_evaluated: pass | fail | unknown
  spf_aligned  TEXT NOT NULL,
  header_from  TEXT NOT NULL,
  dkim_pass    INTEGER NOT NULL,            -- 1 when any auth_results/dkim passed (aligned or not)
  spf_pass     INTEGER NOT NULL,            -- 1 when any auth_results/spf passed
  auth_results TEXT NOT NULL                -- JSON of auth_results as reported
);
CREATE INDEX dmarc_report_rows_report ON dmarc_report_rows (report_id);
CREATE TABLE tls_reports (
  id          INTEGER PRIMARY KEY,
  org_name    TEXT NOT NULL,
  contact     TEXT NOT NULL,
  report_id   TEXT NOT NULL,
  begin_at    INTEGER NOT NULL,
  end_at      INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  UNIQUE (org_name, report_id)
);
CREATE TABLE tls_report_policies (
  report_id     INTEGER NOT NULL REFERENCES tls_reports(id) ON DELETE CASCADE,
  policy_type   TEXT NOT NULL,              -- sts | tlsa | no-policy-found | unknown
  policy_domain TEXT NOT NULL,
  success       INTEGER NOT NULL,
  failure       INTEGER NOT NULL,
  failures      TEXT NOT NULL               -- JSON list of failure details
);
CREATE INDEX tls_report_policies_report ON tls_report_policies (report_id);
CREATE INDEX tls_report_policies_domain ON tls_report_policies (policy_domain);
