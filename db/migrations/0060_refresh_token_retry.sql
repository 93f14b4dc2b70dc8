-- Up Migration
-- A lost answer to a token refresh must not lock the client out (issue 17, finding 5). The client sends with
-- each refresh a random retry key that it keeps, in memory, until it has the answer; the head office stores the
-- key's hash on the token it used up and names the token it issued in exchange. The same used token presented
-- again with the same key, while the token issued for it has never been used, is the owner retrying a refresh
-- whose answer the network lost: that unused token is revoked and a new one issued. Without the key (a copy of
-- the token), or once the token issued for it has been used, reuse revokes the whole family as before.
ALTER TABLE refresh_tokens
  ADD COLUMN replaced_by uuid REFERENCES refresh_tokens(id) ON DELETE SET NULL,
  ADD COLUMN retry_key_hash text;

-- Down Migration
ALTER TABLE refresh_tokens DROP COLUMN IF EXISTS replaced_by, DROP COLUMN IF EXISTS retry_key_hash;
