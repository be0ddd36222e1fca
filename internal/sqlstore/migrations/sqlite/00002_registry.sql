-- +goose Up
CREATE TABLE households (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    ref               TEXT NOT NULL UNIQUE,
    region            TEXT NOT NULL REFERENCES regions (code),
    status            TEXT NOT NULL,
    income_per_person BIGINT NOT NULL,
    last_year_income  BIGINT NOT NULL,
    shock_costs       BIGINT NOT NULL,
    indicators        TEXT NOT NULL,
    cadre_name        TEXT NOT NULL,
    cadre_phone       TEXT NOT NULL,
    persons           INTEGER NOT NULL,
    created_at        BIGINT NOT NULL,
    updated_at        BIGINT NOT NULL
);
CREATE INDEX households_region ON households (region, id);
CREATE INDEX households_status ON households (status, region);

CREATE TABLE members (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id      BIGINT NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    region            TEXT NOT NULL,
    position          INTEGER NOT NULL,
    name              TEXT NOT NULL,
    sex               TEXT NOT NULL,
    birth_date        TEXT NOT NULL,
    relation          TEXT NOT NULL,
    id_sealed         TEXT NOT NULL,
    id_hash           TEXT,
    phone             TEXT NOT NULL,
    phone_norm        TEXT,
    disability        TEXT NOT NULL,
    health            TEXT NOT NULL,
    schooling         TEXT NOT NULL,
    medical_insurance INTEGER NOT NULL
);
CREATE INDEX members_household ON members (household_id, position);
CREATE UNIQUE INDEX members_id_hash ON members (id_hash);
CREATE INDEX members_phone ON members (phone_norm);

CREATE TABLE status_history (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id BIGINT NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    region       TEXT NOT NULL,
    from_status  TEXT NOT NULL,
    to_status    TEXT NOT NULL,
    reason       TEXT NOT NULL,
    actor        TEXT NOT NULL,
    at           BIGINT NOT NULL
);
CREATE INDEX status_history_household ON status_history (household_id, id);

CREATE TABLE exits (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id BIGINT NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    region       TEXT NOT NULL,
    policy       TEXT NOT NULL,
    stage        TEXT NOT NULL,
    posting_ends BIGINT NOT NULL,
    steps        TEXT NOT NULL,
    assessment   TEXT NOT NULL,
    open         INTEGER NOT NULL
);
CREATE INDEX exits_household ON exits (household_id, open);
CREATE INDEX exits_region ON exits (region, open);

CREATE TABLE assistance (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id BIGINT NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    region       TEXT NOT NULL,
    kind         TEXT NOT NULL,
    description  TEXT NOT NULL,
    cost         BIGINT NOT NULL,
    date         TEXT NOT NULL,
    actor        TEXT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX assistance_household ON assistance (household_id, id);
CREATE INDEX assistance_region ON assistance (region);

CREATE TABLE watches (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    household_id BIGINT NOT NULL REFERENCES households (id) ON DELETE CASCADE,
    region       TEXT NOT NULL,
    reasons      TEXT NOT NULL,
    stage        TEXT NOT NULL,
    steps        TEXT NOT NULL,
    opened_at    BIGINT NOT NULL,
    open         INTEGER NOT NULL
);
CREATE INDEX watches_household ON watches (household_id, open);
CREATE INDEX watches_region ON watches (region, open);

-- +goose Down
DROP TABLE watches;
DROP TABLE assistance;
DROP TABLE exits;
DROP TABLE status_history;
DROP TABLE members;
DROP TABLE households;
