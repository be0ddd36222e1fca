-- +goose Up
-- A sealed ID number is kept as its bytes rather than as base64 text (without
-- padding, which decode wants back): a third shorter, and nothing to encode.
ALTER TABLE members ALTER COLUMN id_sealed TYPE bytea
    USING decode(rpad(id_sealed, (length(id_sealed) + 3) / 4 * 4, '='), 'base64');

-- +goose Down
ALTER TABLE members ALTER COLUMN id_sealed TYPE text
    USING rtrim(translate(encode(id_sealed, 'base64'), E'\n', ''), '=');
