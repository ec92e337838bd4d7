-- Indexes that every registration maintains and no query reads (issue 4, register-version CPU).
-- A registration inserts one model_versions row and, at benchmark scale, twelve version_dependencies
-- rows; these three indexes were 14 of the B-tree insertions each one paid inside the append:
--   model_versions_artifact        (artifact_sha256): no read looks a version up by its artifact hash.
--   model_versions_registered_by   (registered_by, registered_at DESC): the only query on registered_by
--                                  is the dashboard's drafts, which model_versions_unsubmitted (0017) serves.
--   version_dependencies_package   (ecosystem, name, package_version): no read searches by package.
-- A feature that comes to need one of them adds it back in its own migration.
DROP INDEX IF EXISTS registry.model_versions_artifact;
DROP INDEX IF EXISTS registry.model_versions_registered_by;
DROP INDEX IF EXISTS registry.version_dependencies_package;
