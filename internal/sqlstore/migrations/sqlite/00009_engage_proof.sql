-- +goose Up
-- A delivery is proven by a note and a photo; the photo's bytes live in the
-- data folder's photos under its ID, as products' photos do.
ALTER TABLE needs ADD COLUMN delivery_photo TEXT NOT NULL DEFAULT '';
ALTER TABLE needs ADD COLUMN delivery_photo_type TEXT NOT NULL DEFAULT '';

-- A member of the public chooses whether their name shows on a need's
-- public list of donors (anonymous until they say so), and whether their
-- home region is left out of the participation counted by region.
ALTER TABLE users ADD COLUMN show_name INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN hide_region INTEGER NOT NULL DEFAULT 0;

-- +goose Down
ALTER TABLE users DROP COLUMN hide_region;
ALTER TABLE users DROP COLUMN show_name;
ALTER TABLE needs DROP COLUMN delivery_photo_type;
ALTER TABLE needs DROP COLUMN delivery_photo;
