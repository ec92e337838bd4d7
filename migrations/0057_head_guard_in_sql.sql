-- The one-round-trip append's guard as plain statements (issue 3; src/Registry.EventStore/LogTables.cs,
-- EventRows.AddGuardedHeadMove) instead of the PL/pgSQL function of 0055, which locked the head with
-- SELECT ... FOR UPDATE and then updated it: two visits of the row and a lock record in the WAL per
-- batch, plus the function's own overhead. Now one UPDATE takes the lock and moves the head only if its
-- chain hash is the one the batch was built on (under READ COMMITTED an UPDATE that waited for the lock
-- re-checks that condition on the row as committed meanwhile), and this function, called only when
-- something does not match, aborts the transaction with the guard's SQLSTATE (RGH01: another head;
-- RGS01: a stream at another version than assumed).
CREATE FUNCTION registry.refuse_batch(state text, message text) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', message USING ERRCODE = state;
END
$$;

DROP FUNCTION registry.advance_head(bytea, text[], integer[], bigint, bytea, bytea, timestamptz);
