-- +goose Up
-- A public account is opened with a phone number or an e-mail address,
-- proven by a one-time code, and may name the region its owner lives in.
ALTER TABLE users ADD COLUMN contact TEXT;
ALTER TABLE users ADD COLUMN home_region TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX users_contact ON users (contact);

-- +goose Down
DROP INDEX users_contact;
ALTER TABLE users DROP COLUMN home_region;
ALTER TABLE users DROP COLUMN contact;
