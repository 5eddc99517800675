-- The full-text index (0023) is filled by the store's own INSERT into search_fts, in insertContent
-- (src/store/sqlite/contents.ts), instead of by a trigger on contents. Why: a statement with a
-- trigger runs in a statement savepoint, and FTS5 writes its pending terms to disk as a new segment
-- at every savepoint, so the trigger made one segment per message, then merged them (about half a
-- millisecond per delivered message, bench/profiles.md, inbound). A plain INSERT keeps the terms
-- pending until the batch's COMMIT writes them as one segment. Copies into SQLite (store copy) rebuild
-- the index once at the end. The delete and update triggers stay: they run rarely.
-- PostgreSQL has no search_fts (its full-text search is its own), so there is no counterpart there.
DROP TRIGGER contents_fts_insert;
