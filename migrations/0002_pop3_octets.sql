-- POP3 sizes: the octets RETR sends for a content once CRLF line endings are guaranteed (LIST and
-- STAT report it, RFC 1939 §5). Computed once per content, the first time a POP3 session needs it;
-- stored contents are never rewritten, so a row never goes stale, and it goes when its content goes.
CREATE TABLE pop3_octets (
  content_id INTEGER PRIMARY KEY REFERENCES contents(id) ON DELETE CASCADE,
  octets     INTEGER NOT NULL
);
