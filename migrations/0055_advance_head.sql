-- The one-round-trip append in fewer statements (issue 3; src/Registry.EventStore/EventStore.cs): the
-- guard of 0051 now also moves the head and queues the notification, so a batch is this function, the
-- rows and the projections' statements. Moving the head before the rows are inserted changes nothing a
-- reader can see: the batch is one transaction, committed whole or not at all. What the guard checks
-- is unchanged: it takes the head lock and aborts everything unless the head is the one the batch was
-- built on (the chain hash names the whole log) and every stream whose version the process did not
-- know stands at the version its batch assumed.
CREATE FUNCTION registry.advance_head(
    expected_chain bytea, streams text[], versions integer[],
    new_position bigint, new_chain bytea, new_frontier bytea, new_recorded_at timestamptz) RETURNS void
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

    UPDATE registry.log_head SET position = new_position, chain_hash = new_chain, frontier = new_frontier, recorded_at = new_recorded_at;
    -- The channel is EventStore.NotificationChannel; delivered at commit, like the locking path's.
    PERFORM pg_notify('registry_events', new_position::text);
END
$$;

DROP FUNCTION registry.lock_head_expecting(bytea, text[], integer[]);
