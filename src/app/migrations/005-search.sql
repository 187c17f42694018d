-- Version 5: full-text search over every chat (issue 13).
-- The index holds the words of each message someone wrote (kind 0), as the history holds its
-- text; its content is the messages table itself (external content), so no text is stored twice.
-- unicode61 with remove_diacritics 2: "cafe" finds "café", whatever the script. The last word
-- typed is searched as a prefix; FTS5 gathers every word a prefix stands for before it can give
-- the newest matches, which takes 50-170 ms for a prefix of most of a million messages: the
-- prefixes of 2 to 4 letters, the ones that stand for the most, have an index of their own
-- (docs/benchmarks-notes.md, "Search").
CREATE VIRTUAL TABLE messages_search USING fts5 (
  text,
  content = 'messages',
  content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2',
  prefix = '2 3 4'
);

-- The messages that were there before this version are indexed by the history worker in the
-- background, newest first, chunk by chunk (each chunk one transaction with its move of
-- `below`), so a history of a million messages opens at once and an interrupted build goes on
-- where it stopped. A message is in the index exactly when its id is >= below; top is where
-- the build began (for its progress).
CREATE TABLE search_index_state (
  below INTEGER NOT NULL,
  top   INTEGER NOT NULL
);
INSERT INTO search_index_state (below, top)
  SELECT IFNULL(MAX(id), 0) + 1, IFNULL(MAX(id), 0) + 1 FROM messages;

-- New, changed and deleted messages keep the index up to date in their own transaction.
CREATE TRIGGER messages_search_insert AFTER INSERT ON messages
  WHEN new.kind = 0 AND new.id >= (SELECT below FROM search_index_state)
BEGIN
  INSERT INTO messages_search (rowid, text) VALUES (new.id, new.text);
END;

CREATE TRIGGER messages_search_delete AFTER DELETE ON messages
  WHEN old.kind = 0 AND old.id >= (SELECT below FROM search_index_state)
BEGIN
  INSERT INTO messages_search (messages_search, rowid, text) VALUES ('delete', old.id, old.text);
END;

CREATE TRIGGER messages_search_update AFTER UPDATE OF text, kind ON messages
  WHEN old.id >= (SELECT below FROM search_index_state)
BEGIN
  INSERT INTO messages_search (messages_search, rowid, text)
    SELECT 'delete', old.id, old.text WHERE old.kind = 0;
  INSERT INTO messages_search (rowid, text) SELECT new.id, new.text WHERE new.kind = 0;
END;
