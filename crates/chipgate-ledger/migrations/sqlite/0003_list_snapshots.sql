-- chipgate-ledger schema, version 3: restricted-party list snapshots.
-- NEVER edit this file once released (see 0001_init.sql).
--
-- A snapshot is content-addressed: its id is the SHA-256 over its entries' content hashes
-- (computed by the caller from normalised entries), so importing the same lists twice
-- stores one snapshot. Entries are stored once per content hash and shared by the
-- snapshots that hold them. Importing appends a `list.import` audit record, activating a
-- `list.activate` record, each in the transaction that writes the rows.
CREATE TABLE list_entries (
    hash      TEXT PRIMARY KEY,          -- SHA-256 of body
    source    TEXT NOT NULL,             -- source list code: SDN, EL, UN, OWN, ...
    entry_key TEXT NOT NULL,             -- the entry's identity across snapshots (diffs)
    body      TEXT NOT NULL              -- the entry, JSON
);

CREATE TABLE list_snapshots (
    id          TEXT PRIMARY KEY,        -- SHA-256 over the entries' hashes
    source_date TEXT NOT NULL,
    files       TEXT NOT NULL,           -- JSON: the files imported (name, format, sha256, entries)
    counts      TEXT NOT NULL,           -- JSON: entries per source list
    entry_count BIGINT NOT NULL CHECK (entry_count > 0),
    diff        TEXT NOT NULL,           -- JSON: what changed against the list active at import
    forced      TEXT NOT NULL,           -- JSON: integrity findings overridden with --force
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    import_seq  BIGINT NOT NULL          -- the `list.import` audit record
);

CREATE TABLE list_snapshot_entries (
    snapshot_id TEXT NOT NULL REFERENCES list_snapshots (id),
    pos         BIGINT NOT NULL,
    entry_hash  TEXT NOT NULL REFERENCES list_entries (hash),
    PRIMARY KEY (snapshot_id, pos)
);

-- The active snapshot (at most one row): what every screening command uses.
CREATE TABLE list_active (
    id           BIGINT PRIMARY KEY CHECK (id = 1),
    snapshot_id  TEXT NOT NULL REFERENCES list_snapshots (id),
    activated_at TEXT NOT NULL,
    activated_by TEXT NOT NULL,
    audit_seq    BIGINT NOT NULL         -- the `list.activate` audit record
);
