-- +goose Up
-- A member's ID hash is kept as its 32 bytes rather than 64 hex digits,
-- which halves what the column and its unique index hold; and the phone
-- index leaves out the members without a phone, most of them.
ALTER TABLE members ADD COLUMN id_digest BLOB;
UPDATE members SET id_digest = unhex(id_hash) WHERE id_hash IS NOT NULL;
DROP INDEX members_id_hash;
ALTER TABLE members DROP COLUMN id_hash;
ALTER TABLE members RENAME COLUMN id_digest TO id_hash;
CREATE UNIQUE INDEX members_id_hash ON members (id_hash);
DROP INDEX members_phone;
CREATE INDEX members_phone ON members (phone_norm) WHERE phone_norm IS NOT NULL;

-- +goose Down
ALTER TABLE members ADD COLUMN id_hex TEXT;
UPDATE members SET id_hex = lower(hex(id_hash)) WHERE id_hash IS NOT NULL;
DROP INDEX members_id_hash;
ALTER TABLE members DROP COLUMN id_hash;
ALTER TABLE members RENAME COLUMN id_hex TO id_hash;
CREATE UNIQUE INDEX members_id_hash ON members (id_hash);
DROP INDEX members_phone;
CREATE INDEX members_phone ON members (phone_norm);
