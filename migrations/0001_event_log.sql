-- The log: one row per event, written once. `envelope` holds the exact RFC 8785 canonical bytes
-- that were hashed; every other column is derived from them (for queries) and verify checks that.
-- `subtree_hashes` holds the RFC 9162 Merkle nodes completed by this leaf: the perfect subtrees of
-- 2, 4, 8, ... leaves that end at this position (32 bytes each, smallest first; empty for odd
-- positions). Any proof is then a handful of primary-key reads.
CREATE SCHEMA IF NOT EXISTS registry;

CREATE TABLE registry.events (
    position        bigint      NOT NULL PRIMARY KEY CHECK (position > 0),
    stream          text        NOT NULL,
    version         integer     NOT NULL CHECK (version > 0),
    type            text        NOT NULL,
    actor           text        NOT NULL,
    recorded_at     timestamptz NOT NULL,
    envelope        bytea       NOT NULL,
    data            jsonb       NOT NULL,
    metadata        jsonb       NOT NULL,
    leaf_hash       bytea       NOT NULL CHECK (length(leaf_hash) = 32),
    chain_hash      bytea       NOT NULL CHECK (length(chain_hash) = 32),
    subtree_hashes  bytea       NOT NULL CHECK (length(subtree_hashes) % 32 = 0),
    CONSTRAINT events_stream_version UNIQUE (stream, version)
);

-- recorded_at never decreases with position, so a BRIN index answers time ranges for almost nothing.
CREATE INDEX events_recorded_at ON registry.events USING brin (recorded_at);

-- The head: one row, locked by every append, so positions are dense and commit order is position
-- order. `frontier` is the compact Merkle range of the whole log (the roots of its perfect
-- subtrees, largest first, 32 bytes each): enough to extend the tree and compute the root.
CREATE TABLE registry.log_head (
    singleton   boolean     NOT NULL PRIMARY KEY DEFAULT true CHECK (singleton),
    position    bigint      NOT NULL,
    chain_hash  bytea       NOT NULL CHECK (length(chain_hash) = 32),
    frontier    bytea       NOT NULL CHECK (length(frontier) % 32 = 0),
    recorded_at timestamptz
);

INSERT INTO registry.log_head (singleton, position, chain_hash, frontier, recorded_at)
VALUES (true, 0, '\x0000000000000000000000000000000000000000000000000000000000000000', '\x', NULL);

-- Append-only for every role, superusers included: only a deliberate
-- `ALTER TABLE ... DISABLE TRIGGER` or `session_replication_role = replica` gets past it.
CREATE FUNCTION registry.reject_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'registry.% is append-only: % is not allowed', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;

CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON registry.events
    FOR EACH STATEMENT EXECUTE FUNCTION registry.reject_change();
