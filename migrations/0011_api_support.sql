-- Tables of the JSON API that are not projections of the log (see docs/read-models.md).

-- Idempotency-Key: the first successful response to a write, replayed for retries with the same key.
CREATE TABLE registry.idempotency_keys (
    actor         text NOT NULL,
    key           text NOT NULL,
    method        text NOT NULL,
    path          text NOT NULL,
    request_hash  bytea NOT NULL,
    status_code   integer,
    content_type  text,
    location      text,
    etag          text,
    body          bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (actor, key)
);
CREATE INDEX idempotency_keys_created ON registry.idempotency_keys (created_at);

-- Webhooks are configuration, not events: their HMAC secret must never enter the log, which every
-- role can read. Who registered what is still answered here and in the application log.
CREATE TABLE registry.webhooks (
    id          uuid PRIMARY KEY,
    url         text NOT NULL,
    secret      text NOT NULL,
    event_types text[] NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    active      boolean NOT NULL DEFAULT true,
    -- the last log position this webhook has been given (delivered or given up on)
    cursor      bigint NOT NULL
);

CREATE TABLE registry.webhook_deliveries (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    webhook_id    uuid NOT NULL REFERENCES registry.webhooks (id) ON DELETE CASCADE,
    position      bigint NOT NULL,
    event_type    text NOT NULL,
    attempt       integer NOT NULL,
    status_code   integer,
    error         text,
    succeeded     boolean NOT NULL,
    attempted_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX webhook_deliveries_webhook ON registry.webhook_deliveries (webhook_id, id DESC);
