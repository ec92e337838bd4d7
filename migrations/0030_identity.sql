-- Accounts, tokens and sign-ins. `users`, `user_tokens` and `sign_ins` are projections of the
-- `user-*` streams: emptied and refilled by a rebuild. Two tables are deliberately NOT projections
-- and survive a rebuild:
--   user_passwords: password hashes stay out of the log, which every role may read; a PBKDF2 hash
--                   of a weak password can be cracked offline (a token's SHA-256 cannot).
--   token_usage:    when a token was last used. It changes on every API call; recording that as an
--                   event would make the log mostly noise, so it is a plain table, written at most
--                   once a minute per token.
CREATE TABLE registry.users (
    username             text        NOT NULL PRIMARY KEY,
    display_name         text        NOT NULL,
    email                text,
    roles                text[]      NOT NULL DEFAULT '{}',
    source               text        NOT NULL,
    created_at           timestamptz NOT NULL,
    created_by           text        NOT NULL,
    has_password         boolean     NOT NULL DEFAULT false,
    password_changed_at  timestamptz,
    consecutive_failures integer     NOT NULL DEFAULT 0,
    locked_until         timestamptz,
    last_sign_in_at      timestamptz,
    version              integer     NOT NULL
);

-- Looked up by hash on every API request: the unique index is the lookup.
CREATE TABLE registry.user_tokens (
    id          text        NOT NULL PRIMARY KEY,
    username    text        NOT NULL,
    name        text        NOT NULL,
    sha256      bytea       NOT NULL CHECK (length(sha256) = 32),
    created_at  timestamptz NOT NULL,
    created_by  text        NOT NULL,
    expires_at  timestamptz,
    revoked_at  timestamptz,
    revoked_by  text,
    CONSTRAINT user_tokens_sha256 UNIQUE (sha256)
);

CREATE INDEX user_tokens_username ON registry.user_tokens (username);

CREATE TABLE registry.sign_ins (
    position    bigint      NOT NULL PRIMARY KEY,
    username    text        NOT NULL,
    at          timestamptz NOT NULL,
    succeeded   boolean     NOT NULL,
    method      text,
    reason      text,
    ip          text,
    client      text
);

CREATE INDEX sign_ins_username_at ON registry.sign_ins (username, at DESC);

CREATE TABLE registry.user_passwords (
    username      text        NOT NULL PRIMARY KEY,
    password_hash text        NOT NULL,
    changed_at    timestamptz NOT NULL
);

CREATE TABLE registry.token_usage (
    token_id      text        NOT NULL PRIMARY KEY,
    last_used_at  timestamptz NOT NULL
);
