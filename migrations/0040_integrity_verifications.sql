-- Every full verification of the log ("verify now" in the portal, GET /api/v1/integrity/verify):
-- when, by whom, how, over how many events, the root it computed, and whether it held or the first
-- position that did not match. Kept beside the log, not in it (docs/portal.md says why); the
-- dashboard and the integrity page show the newest. Append-only like the log.
CREATE TABLE registry.integrity_verifications (
    id                  bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    verified_at         timestamptz NOT NULL,
    verified_by         text        NOT NULL,
    via                 text        NOT NULL CHECK (via IN ('portal', 'api')),
    tree_size           bigint      NOT NULL CHECK (tree_size >= 0),
    root_hash           bytea       NOT NULL,
    ok                  boolean     NOT NULL,
    first_bad_position  bigint,
    problem             text,
    checkpoints_checked integer     NOT NULL,
    CHECK (NOT ok OR first_bad_position IS NULL)
);

CREATE TRIGGER integrity_verifications_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON registry.integrity_verifications
    FOR EACH STATEMENT EXECUTE FUNCTION registry.reject_change();
