-- +goose Up
-- Likes: one per person per product or need.
CREATE TABLE likes (
    kind       TEXT NOT NULL,
    item_id    TEXT NOT NULL,
    user_id    BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (kind, item_id, user_id)
);
CREATE INDEX likes_user ON likes (user_id, created_at);

-- Shares: a person's link to a live room, a product or a need, with the
-- visits it brought.
CREATE TABLE shares (
    code       TEXT PRIMARY KEY,
    kind       TEXT NOT NULL,
    item_id    TEXT NOT NULL,
    user_id    BIGINT NOT NULL,
    visits     BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX shares_user ON shares (user_id, created_at);

-- An order placed by someone who came through a share; an order is
-- attributed to one share at most.
CREATE TABLE share_orders (
    order_id   TEXT PRIMARY KEY,
    code       TEXT NOT NULL REFERENCES shares (code),
    created_at BIGINT NOT NULL
);
CREATE INDEX share_orders_code ON share_orders (code);

-- +goose Down
DROP TABLE share_orders;
DROP TABLE shares;
DROP TABLE likes;
