-- The dashboard's "registered, not yet submitted" list of one data scientist. The index on
-- (registered_by, registered_at) alone walks every version the person ever registered to find the
-- few drafts (100,000 rows for a prolific one at benchmark scale, over 2 s); drafts are few, so a
-- partial index holds only them.
CREATE INDEX model_versions_unsubmitted ON registry.model_versions (registered_by, registered_at DESC) WHERE status = 'registered';
