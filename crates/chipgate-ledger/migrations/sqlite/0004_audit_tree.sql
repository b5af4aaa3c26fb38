-- chipgate-ledger schema, version 4: the audit log's Merkle tree, stored.
-- NEVER edit this file once released (see 0001_init.sql). (Version 3 is list snapshots.)
--
-- The root of every complete, aligned subtree of 256 leaves or more (level 8 and up: node
-- `idx` of `level` covers records idx * 2^level + 1 ..= (idx + 1) * 2^level), hex, hashed
-- as RFC 6962 (src/merkle.rs). An inclusion proof then reads O(log n) nodes and at most two
-- blocks of 256 record hashes instead of re-hashing the whole log. The nodes are derived
-- data: `audit verify` recomputes them from the records and reports any that differ, and a
-- checkpoint is verified against the records themselves, never against these rows.
CREATE TABLE audit_tree (
    level BIGINT NOT NULL,
    idx   BIGINT NOT NULL,
    hash  TEXT NOT NULL,
    CONSTRAINT audit_tree_pkey PRIMARY KEY (level, idx)
) WITHOUT ROWID;

-- Records 1 ..= tree_size have every node of the stored tree (0 on a store that had records
-- before this migration: the first write fills the tree in).
ALTER TABLE audit_head ADD COLUMN tree_size BIGINT NOT NULL DEFAULT 0;
