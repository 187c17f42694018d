-- Version 4: private chats (end-to-end encryption).
-- What end-to-end encryption did for a message (MimpMessageProtection): 0 a chat that is not
-- private, 1 encrypted, 2 arrived unencrypted in a private chat, 3 could not be decrypted (its
-- text is empty).
ALTER TABLE messages ADD COLUMN protection INTEGER NOT NULL DEFAULT 0;

-- In a private chat, how many messages from the peer never arrived just before this one.
ALTER TABLE messages ADD COLUMN missing_before INTEGER NOT NULL DEFAULT 0;

-- The chat's privacy as last known (MimpChatPrivacy), shown before the keys are at hand; NULL
-- until known.
ALTER TABLE chats ADD COLUMN privacy INTEGER;

-- 1 when the user chose to send to this peer, who has no keys, without end-to-end encryption.
ALTER TABLE chats ADD COLUMN unencrypted INTEGER NOT NULL DEFAULT 0;
