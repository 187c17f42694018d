-- Version 2: why a send failed, and the outbox as a view over pending outgoing rows.
ALTER TABLE messages ADD COLUMN error TEXT;

CREATE INDEX messages_pending ON messages (account, id) WHERE direction = 1 AND state = 0;

CREATE VIEW outbox AS
  SELECT id, account, peer, client_id, text, timestamp
  FROM messages
  WHERE direction = 1 AND state = 0;
