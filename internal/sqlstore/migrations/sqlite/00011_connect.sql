-- +goose Up
-- What was true of a village's connection from a date on, until its next
-- report; coverage on a date reads each village's latest report by then.
CREATE TABLE connection_reports (
    village     TEXT NOT NULL REFERENCES regions (code),
    on_date     TEXT NOT NULL,
    fibre       BOOLEAN NOT NULL,
    fibre_since TEXT NOT NULL,
    provider    TEXT NOT NULL,
    bandwidth   INTEGER NOT NULL CHECK (bandwidth >= 0),
    four_g      BOOLEAN NOT NULL,
    five_g      BOOLEAN NOT NULL,
    wifi        BOOLEAN NOT NULL,
    PRIMARY KEY (village, on_date)
);

-- Schools and their connection as last reported; account is the school's
-- own user (0 when it has none).
CREATE TABLE schools (
    code       TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    region     TEXT NOT NULL REFERENCES regions (code),
    level      TEXT NOT NULL,
    students   INTEGER NOT NULL,
    teachers   INTEGER NOT NULL,
    connection TEXT NOT NULL,
    bandwidth  INTEGER NOT NULL CHECK (bandwidth >= 0),
    devices    INTEGER NOT NULL,
    since      TEXT NOT NULL,
    account    BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX schools_region ON schools (region, code);
CREATE INDEX schools_account ON schools (account);

-- Remote classes given by a school, and the classrooms that joined them;
-- attended is -1 until the classroom's attendance is reported.
CREATE TABLE classes (
    id         TEXT PRIMARY KEY,
    host       TEXT NOT NULL REFERENCES schools (code),
    region     TEXT NOT NULL,
    subject    TEXT NOT NULL,
    teacher    TEXT NOT NULL,
    starts     BIGINT NOT NULL,
    minutes    INTEGER NOT NULL,
    stream     TEXT NOT NULL
);
CREATE INDEX classes_host ON classes (host, starts);
CREATE INDEX classes_region ON classes (region, starts);

CREATE TABLE class_rooms (
    class_id TEXT NOT NULL REFERENCES classes (id),
    school   TEXT NOT NULL REFERENCES schools (code),
    attended INTEGER NOT NULL,
    PRIMARY KEY (class_id, school)
);
CREATE INDEX class_rooms_school ON class_rooms (school);

-- Each region's boundary as polygons of [longitude, latitude] rings, JSON.
CREATE TABLE region_boundaries (
    region     TEXT PRIMARY KEY REFERENCES regions (code),
    polygons   TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- +goose Down
DROP TABLE region_boundaries;
DROP TABLE class_rooms;
DROP TABLE classes;
DROP TABLE schools;
DROP TABLE connection_reports;
