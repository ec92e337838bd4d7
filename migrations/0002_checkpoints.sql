-- Signed checkpoints (C2SP tlog-checkpoint bodies), all kept: consistency proofs between any two
-- show the log only grew. Append-only like the log.
CREATE TABLE registry.checkpoints (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    origin      text        NOT NULL,
    tree_size   bigint      NOT NULL CHECK (tree_size >= 0),
    root_hash   bytea       NOT NULL CHECK (length(root_hash) = 32),
    body        text        NOT NULL,
    signature   bytea       NOT NULL,
    public_key  text        NOT NULL,
    signed_at   timestamptz NOT NULL
);

CREATE INDEX checkpoints_tree_size ON registry.checkpoints (tree_size);

CREATE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON registry.checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION registry.reject_change();
