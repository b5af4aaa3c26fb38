-- chipgate-ledger schema, version 5: the party master, its screening status and the review
-- queue. NEVER edit this file once released (see 0001_init.sql).
--
-- A party is screened against a list snapshot; its hits are kept per list entry (by the
-- entry's identity key) with the content hash of the entry version that was hit. A hit is
-- cleared against that content hash: when the entry's content changes, the hit re-alerts.
-- Every change appends an audit record (`party.add`, `party.screen`, `review.clear`,
-- `review.escalate`) in the transaction that writes the rows.
CREATE TABLE parties (
    id                BIGINT PRIMARY KEY,   -- assigned in order, from 1
    external_id       TEXT UNIQUE,          -- the caller's own id (ERP customer number), optional
    name              TEXT NOT NULL,
    country           TEXT,                 -- ISO 3166-1 alpha-2
    identifiers       TEXT NOT NULL,        -- JSON array of strings
    owners            TEXT NOT NULL,        -- JSON array of owner names
    created_at        TEXT NOT NULL,
    created_by        TEXT NOT NULL,
    audit_seq         BIGINT NOT NULL,      -- the `party.add` audit record
    screened_snapshot TEXT,                 -- the list snapshot last screened against
    screened_at       TEXT,
    status            TEXT NOT NULL         -- unscreened | clear | hit | cleared
);

-- One row per party and list entry it hits (the queue's items).
CREATE TABLE party_hits (
    party_id    BIGINT NOT NULL REFERENCES parties (id),
    entry_key   TEXT NOT NULL,              -- the entry's identity across snapshots
    entry_hash  TEXT NOT NULL,              -- content hash of the entry version hit
    source      TEXT NOT NULL,              -- source list code
    entry_name  TEXT NOT NULL,
    matched     TEXT NOT NULL,              -- the party name (or owner) and alias that matched
    score       TEXT NOT NULL,              -- decimal, as computed
    snapshot_id TEXT NOT NULL,              -- the snapshot it was found in
    found_at    TEXT NOT NULL,
    state       TEXT NOT NULL,              -- open | escalated | cleared
    PRIMARY KEY (party_id, entry_key)
);

-- The latest clearance per party and entry (history is the audit log).
CREATE TABLE party_clearances (
    party_id   BIGINT NOT NULL REFERENCES parties (id),
    entry_key  TEXT NOT NULL,
    entry_hash TEXT NOT NULL,               -- the entry version cleared
    reason     TEXT NOT NULL,
    reviewer   TEXT NOT NULL,
    expires    TEXT,                        -- YYYY-MM-DD, last day it holds; NULL: no expiry
    cleared_at TEXT NOT NULL,
    audit_seq  BIGINT NOT NULL,             -- the `review.clear` audit record
    PRIMARY KEY (party_id, entry_key)
);
