-- +goose Up
-- Sellers are approved by their county before they sell; those that already
-- existed were trading, so they start approved.
ALTER TABLE sellers ADD COLUMN status TEXT NOT NULL DEFAULT 'approved';

-- The households of a cooperative and their shares of its income, in basis
-- points summing to 10,000.
CREATE TABLE seller_members (
    seller_id TEXT NOT NULL REFERENCES sellers (id) ON DELETE CASCADE,
    household TEXT NOT NULL REFERENCES households (ref),
    share     BIGINT NOT NULL,
    position  INTEGER NOT NULL,
    PRIMARY KEY (seller_id, household)
);

ALTER TABLE products ADD COLUMN description TEXT NOT NULL DEFAULT '';
-- The product's photo IDs in display order, separated by spaces.
ALTER TABLE products ADD COLUMN photos TEXT NOT NULL DEFAULT '';

-- A photo's bytes live in the data folder under its ID; the row says whose it
-- is and how to serve it.
CREATE TABLE photos (
    id           TEXT PRIMARY KEY,
    product_id   TEXT NOT NULL REFERENCES products (id),
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX photos_product ON photos (product_id);

ALTER TABLE rooms ADD COLUMN likes BIGINT NOT NULL DEFAULT 0;

ALTER TABLE orders ADD COLUMN tracking TEXT;
-- Unpaid orders, for their expiry: only placed orders are in the index, and
-- it grows at one end as they are placed.
CREATE INDEX orders_placed ON orders (created_at) WHERE state = 'placed';

CREATE TABLE payments (
    id           TEXT PRIMARY KEY,
    order_id     TEXT NOT NULL,
    provider     TEXT NOT NULL,
    state        TEXT NOT NULL,
    amount       BIGINT NOT NULL,
    currency     TEXT NOT NULL,
    checkout_url TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX payments_order ON payments (order_id);

CREATE TABLE comments (
    id         TEXT PRIMARY KEY,
    room_id    TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL,
    author     TEXT NOT NULL,
    text       TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX comments_room ON comments (room_id, id);

-- The market's own ledger of sellers' income: one credit per delivered order
-- and household (one with household '' when a cooperative has no members),
-- one debit per refund after delivery. synced marks the rows the registry
-- has been told of.
CREATE TABLE market_income (
    order_id   TEXT NOT NULL,
    kind       TEXT NOT NULL,
    household  TEXT NOT NULL,
    seller_id  TEXT NOT NULL REFERENCES sellers (id),
    year       INTEGER NOT NULL,
    amount     BIGINT NOT NULL,
    currency   TEXT NOT NULL,
    synced     BOOLEAN NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (order_id, kind, household)
);
CREATE INDEX market_income_seller ON market_income (seller_id, year);
CREATE INDEX market_income_unsynced ON market_income (created_at) WHERE synced = FALSE;

-- A household's income from market sales, one row per source (a sale or its
-- refund), so a credit told twice counts once.
CREATE TABLE household_market_income (
    household_id BIGINT NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    year         INTEGER NOT NULL,
    source       TEXT NOT NULL,
    amount       BIGINT NOT NULL,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (household_id, source)
);
CREATE INDEX household_market_income_year ON household_market_income (household_id, year);

-- +goose Down
DROP TABLE household_market_income;
DROP TABLE market_income;
DROP TABLE comments;
DROP TABLE payments;
DROP INDEX orders_placed;
ALTER TABLE orders DROP COLUMN tracking;
ALTER TABLE rooms DROP COLUMN likes;
DROP TABLE photos;
ALTER TABLE products DROP COLUMN photos;
ALTER TABLE products DROP COLUMN description;
DROP TABLE seller_members;
ALTER TABLE sellers DROP COLUMN status;
