-- The whole registration of a version (the VersionRegistered event's data) next to its row, so a
-- version or a diff is read with one indexed lookup instead of folding the model's stream.
-- Rows projected before this migration have NULL here until the projection is rebuilt; readers then
-- fall back to folding the stream.
ALTER TABLE registry.model_versions ADD COLUMN registration jsonb;

-- The approval rule that decided the version (AppliedRule as JSON), as recorded in VersionApproved/VersionRejected.
ALTER TABLE registry.model_versions ADD COLUMN decided_rule jsonb;
