-- The log's rows compressed in place (issue 3, append throughput; docs/decisions/0015-compressed-log-rows.md).
-- An event row carries its payload twice (the canonical envelope and the jsonb copy for queries): about
-- 2.4 KB for a 1 KB payload. PostgreSQL compresses only rows over 2 KB, and by default only until the
-- row is under 2 KB, so it compressed the envelope alone and wrote about 1,950 bytes of WAL per such
-- event against 1,190 for a raw INSERT of the payload; on a durable cluster every batch's commit waits
-- for its WAL to reach the disk.
--
-- Now such a row is compressed as far as it goes (target 128 bytes): every column that can hold much
-- is MAIN (compressed, and moved to the TOAST table only as a last resort, when the row would not fit
-- a page), with lz4 where the server has it (cheap to compress inside the append, cheap to read back
-- for verify). Hashes are random bytes that never compress: PLAIN, so nothing tries. Rows under 2 KB
-- are stored as before. Only rows written from now on change; old rows read as they are.
ALTER TABLE registry.events SET (toast_tuple_target = 128);

ALTER TABLE registry.events
    ALTER COLUMN envelope SET STORAGE MAIN,
    ALTER COLUMN data SET STORAGE MAIN,
    ALTER COLUMN metadata SET STORAGE MAIN,
    ALTER COLUMN stream SET STORAGE MAIN,
    ALTER COLUMN type SET STORAGE MAIN,
    ALTER COLUMN actor SET STORAGE MAIN,
    ALTER COLUMN leaf_hash SET STORAGE PLAIN,
    ALTER COLUMN chain_hash SET STORAGE PLAIN,
    ALTER COLUMN subtree_hashes SET STORAGE PLAIN;

DO $$
BEGIN
    ALTER TABLE registry.events
        ALTER COLUMN envelope SET COMPRESSION lz4,
        ALTER COLUMN data SET COMPRESSION lz4,
        ALTER COLUMN metadata SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported THEN
    RAISE NOTICE 'this server has no lz4: the log keeps the default compression (pglz)';
END
$$;
