-- The append's one-round-trip path (src/Registry.EventStore/EventStore.cs, docs/event-store.md): a
-- process that knows the log's head (it committed the last batch itself) numbers and hashes the next
-- batch before taking the head lock, then sends this guard, the rows, the head, the projections'
-- statements and the commit as one implicit transaction. The guard, the first statement, takes the
-- head lock and aborts the whole transaction unless the head is the one the batch was built on (the
-- chain hash names the whole log) and every stream whose version the process did not know stands at
-- the version its batch assumed. The process then falls back to the locking path, which reads the
-- head and the versions under the lock.
CREATE FUNCTION registry.lock_head_expecting(expected_chain bytea, streams text[], versions integer[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    actual bytea;
    behind text;
BEGIN
    SELECT chain_hash INTO actual FROM registry.log_head FOR UPDATE;
    IF actual IS DISTINCT FROM expected_chain THEN
        RAISE EXCEPTION 'the log head is not the one this batch was built on' USING ERRCODE = 'RGH01';
    END IF;

    -- A statement of its own, so under READ COMMITTED it sees every append committed before the lock
    -- was granted. One backward index probe per stream, as in the locking path.
    SELECT s.stream INTO behind
    FROM unnest(streams, versions) AS s(stream, version)
    WHERE coalesce((SELECT e.version FROM registry.events e WHERE e.stream = s.stream ORDER BY e.version DESC LIMIT 1), 0) <> s.version
    LIMIT 1;
    IF behind IS NOT NULL THEN
        RAISE EXCEPTION 'stream % is not at the version this batch assumed', behind USING ERRCODE = 'RGS01';
    END IF;
END
$$;
