-- Version 1: messages and chats.
-- direction: 0 = received, 1 = sent by us. state: 0 pending, 1 sent, 2 failed.
CREATE TABLE messages (
  id         INTEGER PRIMARY KEY,
  account    TEXT    NOT NULL,
  peer       TEXT    NOT NULL,
  direction  INTEGER NOT NULL,
  client_id  TEXT,
  server_id  TEXT,
  text       TEXT    NOT NULL,
  timestamp  INTEGER NOT NULL,
  state      INTEGER NOT NULL DEFAULT 1,
  seq        INTEGER
);

-- Dedupe: a server id is stored once per account and direction, a client id once per account.
CREATE UNIQUE INDEX messages_server_id ON messages (account, direction, server_id)
  WHERE server_id IS NOT NULL;
CREATE UNIQUE INDEX messages_client_id ON messages (account, client_id)
  WHERE client_id IS NOT NULL;

-- Keyset paging: newest first within one chat.
CREATE INDEX messages_chat ON messages (account, peer, timestamp, id);

CREATE TABLE chats (
  account       TEXT    NOT NULL,
  peer          TEXT    NOT NULL,
  unread        INTEGER NOT NULL DEFAULT 0,
  draft         TEXT,
  last_activity INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (account, peer)
);
