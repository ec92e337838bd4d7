-- Read models of the model streams (projection "models", src/Registry.EventStore/Projections/ModelProjection.cs).
-- Applied inline with each append; rebuildable from registry.events. Documented in docs/read-models.md.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE registry.models (
    name          text PRIMARY KEY,
    description   text,
    owner         text,
    risk_tier     text NOT NULL,
    intended_use  text,
    restrictions  text,
    tags          jsonb NOT NULL DEFAULT '{}',
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    revision      integer NOT NULL,
    latest_version integer NOT NULL DEFAULT 0,
    last_position bigint NOT NULL
);
CREATE INDEX models_owner ON registry.models (owner, name);
CREATE INDEX models_risk_tier ON registry.models (risk_tier, name);
-- models?q= : substring search over name and description (ILIKE '%q%' uses the trigram index).
CREATE INDEX models_search ON registry.models USING gin ((name || ' ' || coalesce(description, '')) gin_trgm_ops);

CREATE TABLE registry.model_versions (
    model           text NOT NULL,
    version         integer NOT NULL,
    status          text NOT NULL,
    artifact_uri    text NOT NULL,
    artifact_sha256 text NOT NULL,
    parent_version  integer,
    registered_by   text NOT NULL,
    registered_at   timestamptz NOT NULL,
    submitted_by    text,
    submitted_at    timestamptz,
    decided_at      timestamptz,
    decision_rule   text,
    PRIMARY KEY (model, version)
);
-- The approvals queue: pending versions, oldest submission first.
CREATE INDEX model_versions_pending ON registry.model_versions (submitted_at, model, version) WHERE status = 'pending-approval';
CREATE INDEX model_versions_artifact ON registry.model_versions (artifact_sha256);
CREATE INDEX model_versions_registered_by ON registry.model_versions (registered_by, registered_at DESC);

CREATE TABLE registry.version_datasets (
    model   text NOT NULL,
    version integer NOT NULL,
    role    text NOT NULL,
    name    text NOT NULL,
    uri     text,
    sha256  text NOT NULL,
    rows    bigint,
    PRIMARY KEY (model, version, role, name)
);
-- GET /api/v1/datasets/{sha256}/usages
CREATE INDEX version_datasets_sha256 ON registry.version_datasets (sha256, model, version);

CREATE TABLE registry.version_dependencies (
    model             text NOT NULL,
    version           integer NOT NULL,
    ecosystem         text NOT NULL,
    name              text NOT NULL,
    package_version   text NOT NULL,
    sha256            text,
    PRIMARY KEY (model, version, ecosystem, name)
);
-- "Which versions ship log4j 2.14?"
CREATE INDEX version_dependencies_package ON registry.version_dependencies (ecosystem, name, package_version);

CREATE TABLE registry.approvals (
    position    bigint PRIMARY KEY,
    model       text NOT NULL,
    version     integer NOT NULL,
    approver    text NOT NULL,
    capacity    text NOT NULL,
    decision    text NOT NULL,
    comment     text NOT NULL,
    risk_tier   text NOT NULL,
    rule        text NOT NULL,
    recorded_at timestamptz NOT NULL
);
CREATE INDEX approvals_version ON registry.approvals (model, version, position);
CREATE INDEX approvals_approver ON registry.approvals (approver, recorded_at DESC);

CREATE TABLE registry.deployments (
    position            bigint PRIMARY KEY,
    model               text NOT NULL,
    version             integer NOT NULL,
    environment         text NOT NULL,
    reference           text,
    rollback_request_id text,
    deployed_by         text NOT NULL,
    deployed_at         timestamptz NOT NULL
);
-- History per model and environment, newest first; and per environment across models.
CREATE INDEX deployments_model_environment ON registry.deployments (model, environment, position DESC);
CREATE INDEX deployments_model ON registry.deployments (model, position DESC);
CREATE INDEX deployments_environment ON registry.deployments (environment, position DESC);

-- What is live now: one row per model and environment (the newest deployment there).
CREATE TABLE registry.current_deployments (
    model       text NOT NULL,
    environment text NOT NULL,
    version     integer NOT NULL,
    position    bigint NOT NULL,
    deployed_by text NOT NULL,
    deployed_at timestamptz NOT NULL,
    PRIMARY KEY (model, environment)
);
CREATE INDEX current_deployments_environment ON registry.current_deployments (environment, model);

CREATE TABLE registry.rollback_requests (
    id               text PRIMARY KEY,
    model            text NOT NULL,
    environment      text NOT NULL,
    from_version     integer NOT NULL,
    target_version   integer NOT NULL,
    reason           text NOT NULL,
    status           text NOT NULL,
    requested_by     text NOT NULL,
    requested_at     timestamptz NOT NULL,
    decided_by       text,
    decision_comment text,
    decided_at       timestamptz,
    completed_at     timestamptz,
    completed_position bigint
);
CREATE INDEX rollback_requests_model ON registry.rollback_requests (model, requested_at DESC);
CREATE INDEX rollback_requests_open ON registry.rollback_requests (requested_at) WHERE status IN ('pending', 'approved');
