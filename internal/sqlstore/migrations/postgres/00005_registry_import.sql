-- +goose Up
-- A member's ID hash is kept as its 32 bytes rather than 64 hex digits,
-- which halves what the column and its unique index hold; and the phone
-- index leaves out the members without a phone, most of them.
ALTER TABLE members ALTER COLUMN id_hash TYPE BYTEA USING decode(id_hash, 'hex');
DROP INDEX members_phone;
CREATE INDEX members_phone ON members (phone_norm) WHERE phone_norm IS NOT NULL;

-- +goose Down
ALTER TABLE members ALTER COLUMN id_hash TYPE TEXT USING encode(id_hash, 'hex');
DROP INDEX members_phone;
CREATE INDEX members_phone ON members (phone_norm);
