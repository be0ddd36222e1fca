-- +goose Up
-- Needs posted for a household, a village or a school. Raised and delivered
-- are the money paid in (net of refunds) and released on delivery; the
-- ledger holds the same figures entry by entry.
CREATE TABLE needs (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    region        TEXT NOT NULL REFERENCES regions (code),
    household     TEXT REFERENCES households (ref),
    title         TEXT NOT NULL,
    description   TEXT NOT NULL,
    amount        BIGINT NOT NULL CHECK (amount > 0),
    currency      TEXT NOT NULL,
    state         TEXT NOT NULL,
    raised        BIGINT NOT NULL CHECK (raised >= 0 AND raised <= amount),
    delivered     BIGINT NOT NULL CHECK (delivered >= 0),
    delivery_note TEXT NOT NULL,
    created_by    BIGINT NOT NULL,
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE INDEX needs_state ON needs (state, region);

-- Donations are their own payments, apart from the market's, so a callback
-- about a market payment can never settle a donation nor the reverse.
CREATE TABLE donations (
    id           TEXT PRIMARY KEY,
    need_id      TEXT NOT NULL REFERENCES needs (id),
    donor_id     BIGINT NOT NULL,
    amount       BIGINT NOT NULL CHECK (amount > 0),
    currency     TEXT NOT NULL,
    provider     TEXT NOT NULL,
    state        TEXT NOT NULL,
    checkout_url TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);
CREATE INDEX donations_donor ON donations (donor_id, id);
CREATE INDEX donations_need ON donations (need_id, state);

-- The double-entry ledger: a transaction under a unique key, and its
-- entries, which sum to zero.
CREATE TABLE ledger_transactions (
    key      TEXT PRIMARY KEY,
    currency TEXT NOT NULL,
    at       BIGINT NOT NULL
);

CREATE TABLE ledger_entries (
    tx_key   TEXT NOT NULL REFERENCES ledger_transactions (key),
    position INTEGER NOT NULL,
    account  TEXT NOT NULL,
    amount   BIGINT NOT NULL,
    PRIMARY KEY (tx_key, position)
);
CREATE INDEX ledger_entries_account ON ledger_entries (account);

-- +goose Down
DROP TABLE ledger_entries;
DROP TABLE ledger_transactions;
DROP TABLE donations;
DROP TABLE needs;
