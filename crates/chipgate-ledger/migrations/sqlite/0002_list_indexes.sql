-- chipgate-ledger schema, version 2: the index of the keyset-paged order list.
-- NEVER edit this file once released (see 0001_init.sql).
--
-- Orders are listed in check order (`audit_seq`, the audit record of their latest
-- check), a page at a time after the last seq shown: without this index every page
-- would scan and sort the whole table. audit_seq is unique (one audit record per check).
CREATE UNIQUE INDEX orders_audit_seq ON orders (audit_seq);
