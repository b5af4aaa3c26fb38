-- chipgate-ledger schema, version 1 (PostgreSQL).
-- NEVER edit this file once released: the ledger stores its SHA-256 in
-- schema_migrations and refuses to open a database whose applied migrations
-- differ. Add 0002_*.sql (in both sqlite/ and postgres/) instead.
--
-- Kept column-for-column identical to sqlite/0001_init.sql. The only
-- differences are physical: SQLite's app-assigned sequence keys are declared
-- INTEGER PRIMARY KEY (a rowid alias: no second index) where PostgreSQL uses
-- BIGINT PRIMARY KEY, and SQLite's text-keyed tables are WITHOUT ROWID.
-- Dates are TEXT 'YYYY-MM-DD', instants TEXT
-- 'YYYY-MM-DDTHH:MM:SSZ', lists and structured values TEXT JSON.

CREATE TABLE licenses (
    number                TEXT PRIMARY KEY,
    holder                TEXT NOT NULL,
    status                TEXT NOT NULL,
    items                 TEXT NOT NULL,
    destinations          TEXT NOT NULL,
    consignee             TEXT,
    end_user              TEXT,
    quantity_cap          BIGINT NOT NULL,
    quantity_remaining    BIGINT NOT NULL,
    value_cap_cents       BIGINT,
    value_remaining_cents BIGINT,
    valid_from            TEXT NOT NULL,
    valid_to              TEXT NOT NULL,
    conditions            TEXT NOT NULL,
    status_reason         TEXT,
    created_at            TEXT NOT NULL,
    created_by            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    CONSTRAINT licenses_status_known
        CHECK (status IN ('applied', 'granted', 'rejected', 'suspended', 'revoked')),
    CONSTRAINT licenses_quantity_range
        CHECK (quantity_cap > 0 AND quantity_remaining >= 0 AND quantity_remaining <= quantity_cap),
    CONSTRAINT licenses_value_range
        CHECK ((value_cap_cents IS NULL AND value_remaining_cents IS NULL)
            OR (value_remaining_cents >= 0 AND value_remaining_cents <= value_cap_cents)),
    CONSTRAINT licenses_validity CHECK (valid_from <= valid_to)
);

-- One row per (license, destination): the order check's index into licenses.
CREATE TABLE license_destinations (
    license_number TEXT NOT NULL REFERENCES licenses (number),
    destination    TEXT NOT NULL,
    CONSTRAINT license_destinations_pkey PRIMARY KEY (destination, license_number)
);

CREATE TABLE nac_notifications (
    id             TEXT PRIMARY KEY,
    items          TEXT NOT NULL,
    destination    TEXT NOT NULL,
    consignee      TEXT,
    end_user       TEXT,
    submitted_on   TEXT NOT NULL,
    clock_ends_on  TEXT NOT NULL,
    status         TEXT NOT NULL,
    nac_number     TEXT,
    status_reason  TEXT,
    created_at     TEXT NOT NULL,
    created_by     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    CONSTRAINT nac_status_known CHECK (status IN ('pending', 'cleared', 'rejected')),
    CONSTRAINT nac_cleared_has_number CHECK (status <> 'cleared' OR nac_number IS NOT NULL)
);
CREATE INDEX nac_notifications_destination ON nac_notifications (destination);

CREATE TABLE orders (
    order_ref     TEXT PRIMARY KEY,
    request_hash  TEXT NOT NULL,
    request       TEXT NOT NULL,
    item_id       TEXT NOT NULL,
    destination   TEXT NOT NULL,
    quantity      BIGINT NOT NULL,
    ship_date     TEXT NOT NULL,
    status        TEXT NOT NULL,
    result        TEXT NOT NULL,
    checked_at    TEXT NOT NULL,
    checked_by    TEXT NOT NULL,
    audit_seq     BIGINT NOT NULL,
    CONSTRAINT orders_status_known CHECK (status IN ('shipped', 'held', 'released')),
    CONSTRAINT orders_quantity_positive CHECK (quantity > 0)
);

CREATE TABLE shipments (
    order_ref      TEXT PRIMARY KEY REFERENCES orders (order_ref),
    authority      TEXT NOT NULL,
    authority_kind TEXT NOT NULL,
    license_number TEXT REFERENCES licenses (number),
    quantity       BIGINT NOT NULL,
    value_cents    BIGINT,
    ship_date      TEXT NOT NULL,
    recorded_at    TEXT NOT NULL,
    audit_seq      BIGINT NOT NULL,
    CONSTRAINT shipments_quantity_positive CHECK (quantity > 0),
    CONSTRAINT shipments_kind_known CHECK (authority_kind IN ('nlr', 'license_exception', 'nac', 'license'))
);
CREATE INDEX shipments_license ON shipments (license_number);

CREATE TABLE holds (
    hold_id        BIGINT PRIMARY KEY,
    order_ref      TEXT NOT NULL REFERENCES orders (order_ref),
    reasons        TEXT NOT NULL,
    held_at        TEXT NOT NULL,
    held_by        TEXT NOT NULL,
    released_at    TEXT,
    released_by    TEXT,
    release_reason TEXT,
    release_seq    BIGINT,
    CONSTRAINT holds_release_complete
        CHECK ((released_at IS NULL AND released_by IS NULL AND release_reason IS NULL AND release_seq IS NULL)
            OR (released_at IS NOT NULL AND released_by IS NOT NULL AND release_seq IS NOT NULL
                AND release_reason IS NOT NULL AND release_reason <> ''))
);
CREATE UNIQUE INDEX holds_one_open_per_order ON holds (order_ref) WHERE released_at IS NULL;
CREATE INDEX holds_order ON holds (order_ref);

CREATE TABLE route_suspensions (
    id            BIGINT PRIMARY KEY,
    item          TEXT NOT NULL,
    destination   TEXT NOT NULL,
    reason        TEXT NOT NULL,
    suspended_at  TEXT NOT NULL,
    suspended_by  TEXT NOT NULL,
    resumed_at    TEXT,
    resumed_by    TEXT,
    resume_reason TEXT,
    CONSTRAINT route_suspensions_reason CHECK (reason <> '')
);
CREATE UNIQUE INDEX route_suspensions_one_active
    ON route_suspensions (item, destination) WHERE resumed_at IS NULL;

-- The hash-chained audit trail. seq is assigned by the ledger (head + 1)
-- under the write lock, so it has no gaps unless a record is deleted.
CREATE TABLE audit_log (
    seq              BIGINT PRIMARY KEY,
    ts               TEXT NOT NULL,
    user_name        TEXT NOT NULL,
    kind             TEXT NOT NULL,
    subject          TEXT NOT NULL,
    event_date       TEXT NOT NULL,
    payload          TEXT NOT NULL,
    engine_version   TEXT,
    ruleset_id       TEXT,
    list_snapshot_id TEXT,
    prev_hash        TEXT NOT NULL,
    hash             TEXT NOT NULL
);

-- The chain's head (last seq and hash) and purge anchor, updated in the same
-- transaction as every append: a deleted tail record shows as a head that
-- points past the last record.
CREATE TABLE audit_head (
    id          BIGINT PRIMARY KEY,
    seq         BIGINT NOT NULL,
    hash        TEXT NOT NULL,
    anchor_seq  BIGINT NOT NULL,
    anchor_hash TEXT NOT NULL,
    CONSTRAINT audit_head_single CHECK (id = 1)
);
INSERT INTO audit_head (id, seq, hash, anchor_seq, anchor_hash) VALUES
    (1, 0, '0000000000000000000000000000000000000000000000000000000000000000',
        0, '0000000000000000000000000000000000000000000000000000000000000000');

-- Latest qualifying event date per subject (15 CFR 762.6): the record
-- retention date is latest_event + 5 years.
CREATE TABLE retention (
    subject      TEXT PRIMARY KEY,
    latest_event TEXT NOT NULL
);
