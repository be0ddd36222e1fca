-- +goose Up
-- Clinics ask for consultations; their staff are the accounts acting for them.
CREATE TABLE clinics (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    level      TEXT NOT NULL,
    region     TEXT NOT NULL REFERENCES regions (code),
    created_at BIGINT NOT NULL
);
CREATE INDEX clinics_region ON clinics (region);

CREATE TABLE clinic_staff (
    clinic_id TEXT NOT NULL REFERENCES clinics (id),
    user_id   BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (clinic_id, user_id)
);
CREATE INDEX clinic_staff_user ON clinic_staff (user_id);

-- Specialists offer weekly hours; specialties, languages and hours are JSON.
CREATE TABLE specialists (
    id          TEXT PRIMARY KEY,
    user_id     BIGINT NOT NULL UNIQUE REFERENCES users (id),
    name        TEXT NOT NULL,
    hospital    TEXT NOT NULL,
    region      TEXT NOT NULL REFERENCES regions (code),
    specialties TEXT NOT NULL,
    languages   TEXT NOT NULL,
    hours       TEXT NOT NULL,
    created_at  BIGINT NOT NULL
);

-- A request's patient and complaint are sealed together; the household is
-- the registry household the patient belongs to, when they do.
CREATE TABLE consult_requests (
    id         TEXT PRIMARY KEY,
    clinic_id  TEXT NOT NULL REFERENCES clinics (id),
    region     TEXT NOT NULL,
    prefecture TEXT NOT NULL,
    sealed     TEXT NOT NULL,
    household  TEXT REFERENCES households (ref),
    specialty  TEXT NOT NULL,
    urgency    TEXT NOT NULL,
    language   TEXT NOT NULL,
    windows    TEXT NOT NULL,
    consent_at BIGINT NOT NULL CHECK (consent_at > 0),
    state      TEXT NOT NULL,
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX consult_requests_state ON consult_requests (state, region);
CREATE INDEX consult_requests_clinic ON consult_requests (clinic_id, created_at);

CREATE TABLE consult_attachments (
    id           TEXT PRIMARY KEY,
    request_id   TEXT NOT NULL REFERENCES consult_requests (id),
    name         TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size         BIGINT NOT NULL,
    created_at   BIGINT NOT NULL
);
CREATE INDEX consult_attachments_request ON consult_attachments (request_id);

-- The places taken in each slot; a slot never holds more than its capacity.
CREATE TABLE consult_slots (
    specialist_id TEXT NOT NULL REFERENCES specialists (id),
    starts_at     BIGINT NOT NULL,
    capacity      INTEGER NOT NULL,
    booked        INTEGER NOT NULL CHECK (booked >= 0 AND booked <= capacity),
    PRIMARY KEY (specialist_id, starts_at)
);
CREATE INDEX consult_slots_starts ON consult_slots (starts_at);

CREATE TABLE consultations (
    request_id    TEXT PRIMARY KEY REFERENCES consult_requests (id),
    specialist_id TEXT NOT NULL REFERENCES specialists (id),
    starts_at     BIGINT NOT NULL,
    minutes       INTEGER NOT NULL,
    token         TEXT NOT NULL UNIQUE,
    external_url  TEXT NOT NULL,
    explanation   TEXT NOT NULL,
    assigned_by   TEXT NOT NULL,
    created_at    BIGINT NOT NULL
);
CREATE INDEX consultations_specialist ON consultations (specialist_id, starts_at);
CREATE INDEX consultations_starts ON consultations (starts_at);

CREATE TABLE consult_records (
    request_id   TEXT PRIMARY KEY REFERENCES consult_requests (id),
    advice       TEXT NOT NULL,
    prescription TEXT NOT NULL,
    referral     TEXT NOT NULL,
    written_by   TEXT NOT NULL,
    written_at   BIGINT NOT NULL
);

CREATE TABLE consult_followups (
    id         TEXT PRIMARY KEY,
    request_id TEXT NOT NULL REFERENCES consult_requests (id),
    clinic_id  TEXT NOT NULL REFERENCES clinics (id),
    task       TEXT NOT NULL,
    due        TEXT NOT NULL,
    done       INTEGER NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX consult_followups_clinic ON consult_followups (clinic_id, done, due);

-- +goose Down
DROP TABLE consult_followups;
DROP TABLE consult_records;
DROP TABLE consultations;
DROP TABLE consult_slots;
DROP TABLE consult_attachments;
DROP TABLE consult_requests;
DROP TABLE specialists;
DROP TABLE clinic_staff;
DROP TABLE clinics;
