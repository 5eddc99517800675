-- Full-text index for IMAP SEARCH BODY/TEXT (DESIGN "Search"): SQLite FTS5 with the trigram
-- tokenizer over the text delivery indexed (contents.header_text and contents.search_text), so any
-- substring of three or more characters narrows to candidates; SEARCH confirms each candidate with
-- the exact substring check, so IMAP's semantics stay exact. External content: the text is stored
-- once, in contents; triggers keep the index in step with every insert, update and delete.
CREATE VIRTUAL TABLE search_fts USING fts5(
  header_text, search_text, content = 'contents', content_rowid = 'id', tokenize = 'trigram', detail = 'column'
);

-- Content rows below this id were stored before the index existed and are not in it until
-- `postern reindex` adds them (it then sets 0); SEARCH checks those rows without the index.
INSERT INTO counters (name, value) VALUES ('fts_floor', (SELECT coalesce(max(id), 0) + 1 FROM contents));

CREATE TRIGGER contents_fts_insert AFTER INSERT ON contents BEGIN
  INSERT INTO search_fts (rowid, header_text, search_text) VALUES (new.id, new.header_text, new.search_text);
END;
CREATE TRIGGER contents_fts_delete AFTER DELETE ON contents
  WHEN old.id >= (SELECT value FROM counters WHERE name = 'fts_floor') BEGIN
  INSERT INTO search_fts (search_fts, rowid, header_text, search_text) VALUES ('delete', old.id, old.header_text, old.search_text);
END;
CREATE TRIGGER contents_fts_update AFTER UPDATE OF header_text, search_text ON contents
  WHEN old.id >= (SELECT value FROM counters WHERE name = 'fts_floor') BEGIN
  INSERT INTO search_fts (search_fts, rowid, header_text, search_text) VALUES ('delete', old.id, old.header_text, old.search_text);
  INSERT INTO search_fts (rowid, header_text, search_text) VALUES (new.id, new.header_text, new.search_text);
END;
