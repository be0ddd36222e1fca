-- +goose Up
CREATE TABLE sellers (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    kind       TEXT NOT NULL,
    region     TEXT NOT NULL REFERENCES regions (code),
    household  TEXT REFERENCES households (ref),
    user_id    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX sellers_region ON sellers (region);
CREATE INDEX sellers_user ON sellers (user_id);

CREATE TABLE products (
    id          TEXT PRIMARY KEY,
    seller_id   TEXT NOT NULL REFERENCES sellers (id),
    region      TEXT NOT NULL REFERENCES regions (code),
    name        TEXT NOT NULL,
    unit        TEXT NOT NULL,
    price       BIGINT NOT NULL,
    currency    TEXT NOT NULL,
    stock       BIGINT NOT NULL,
    buyer_limit BIGINT NOT NULL,
    on_sale     INTEGER NOT NULL,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX products_seller ON products (seller_id, id);
CREATE INDEX products_region ON products (region);

CREATE TABLE rooms (
    id         TEXT PRIMARY KEY,
    seller_id  TEXT NOT NULL REFERENCES sellers (id),
    region     TEXT NOT NULL,
    title      TEXT NOT NULL,
    stream_url TEXT NOT NULL,
    status     TEXT NOT NULL,
    starts_at  BIGINT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX rooms_seller ON rooms (seller_id, starts_at);
CREATE INDEX rooms_status ON rooms (status, starts_at);

CREATE TABLE room_products (
    room_id    TEXT NOT NULL REFERENCES rooms (id) ON DELETE CASCADE,
    product_id TEXT NOT NULL REFERENCES products (id),
    position   INTEGER NOT NULL,
    PRIMARY KEY (room_id, product_id)
);
CREATE INDEX room_products_product ON room_products (product_id);

-- Orders are the hot table, written many thousands of rows a second, so it
-- has only the indexes reads need, and each grows at one end so that a batch
-- dirties a few pages rather than one per order: IDs are time-ordered,
-- orders_product ends in the row's position, and the idempotency key comes
-- first in its unique index because Tide's pages send time-ordered keys
-- (ULIDs). Random keys from other clients work, at a page write each. The
-- engine checks the room and product before it admits an order, and an order
-- must outlive its buyer's account, so the table has no foreign keys.
CREATE TABLE orders (
    id         TEXT PRIMARY KEY,
    room_id    TEXT NOT NULL,
    product_id TEXT NOT NULL,
    region     TEXT NOT NULL,
    buyer_id   BIGINT NOT NULL,
    quantity   BIGINT NOT NULL,
    unit_price BIGINT NOT NULL,
    total      BIGINT NOT NULL,
    currency   TEXT NOT NULL,
    state      TEXT NOT NULL,
    idem_key   TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (idem_key, buyer_id)
) WITHOUT ROWID;
CREATE INDEX orders_product ON orders (product_id);

-- +goose Down
DROP TABLE orders;
DROP TABLE room_products;
DROP TABLE rooms;
DROP TABLE products;
DROP TABLE sellers;
