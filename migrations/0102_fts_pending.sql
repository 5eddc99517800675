-- The full-text index is written in batches after delivery instead of in the delivering
-- transaction: a single-message transaction that added its text to search_fts wrote a new FTS5
-- segment at its COMMIT (about half of an APPEND's CPU, bench/profiles.md, APPEND). insertContent
-- (src/store/sqlite/contents.ts) now records the content id here; the store's indexer
-- (indexPending) moves up to FTS_INDEX_BATCH of them into search_fts in one transaction shortly
-- after; SEARCH adds the messages whose content is still listed here to the index's candidates,
-- so a message is found the moment its delivery commits.
-- Always true: a content id is either here or in search_fts (or below fts_floor), never both, so
-- the delete and update triggers touch search_fts only for rows that are in it (an FTS5 'delete'
-- of a row it does not hold corrupts the index).
-- PostgreSQL has no search_fts, so there is no counterpart there.
CREATE TABLE search_fts_pending (content_id INTEGER PRIMARY KEY);

DROP TRIGGER contents_fts_delete;
DROP TRIGGER contents_fts_update;
CREATE TRIGGER contents_fts_delete AFTER DELETE ON contents
  WHEN old.id >= (SELECT value FROM counters WHERE name = 'fts_floor') BEGIN
  INSERT INTO search_fts (search_fts, rowid, header_text, search_text)
    SELECT 'delete', old.id, old.header_text, old.search_text
    WHERE NOT EXISTS (SELECT 1 FROM search_fts_pending WHERE content_id = old.id);
  DELETE FROM search_fts_pending WHERE content_id = old.id;
END;
CREATE TRIGGER contents_fts_update AFTER UPDATE OF header_text, search_text ON contents
  WHEN old.id >= (SELECT value FROM counters WHERE name = 'fts_floor')
    AND NOT EXISTS (SELECT 1 FROM search_fts_pending WHERE content_id = old.id) BEGIN
  INSERT INTO search_fts (search_fts, rowid, header_text, search_text) VALUES ('delete', old.id, old.header_text, old.search_text);
  INSERT INTO search_fts (rowid, header_text, search_text) VALUES (new.id, new.header_text, new.search_text);
END;
