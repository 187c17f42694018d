-- Version 3: every account has a type (its protocol), kept once per account. Histories from
-- before account types hold MIMP accounts only.
CREATE TABLE accounts (
  id       TEXT PRIMARY KEY,
  protocol TEXT NOT NULL
);

INSERT INTO accounts (id, protocol)
  SELECT account, 'mimp' FROM messages UNION SELECT account, 'mimp' FROM chats;

-- In a room, who wrote a received message (the chat's peer is the room); NULL in a chat with one
-- person.
ALTER TABLE messages ADD COLUMN sender TEXT;

-- What a row is: 0 a message someone wrote; in a room, 1 its sender came in, 2 went away.
ALTER TABLE messages ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;

-- The account type's reference to an image sent with a message (its account fetches it), or NULL.
ALTER TABLE messages ADD COLUMN attachment TEXT;
