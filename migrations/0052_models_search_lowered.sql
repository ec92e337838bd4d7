-- models?q= (the API and the portal's /models) at benchmark scale: 10,000 models, where a common word
-- matches up to a tenth of them, each of which the trigram index only nominates, so every one is
-- rechecked. `x ILIKE p` lower-cases both sides for every row (in a multi-byte encoding it is exactly
-- `lower(x) LIKE lower(p)`); the lower-cased text is now stored once per model, so a recheck is a
-- plain LIKE over it. Searches ask `search LIKE lower(pattern)`: the same rows as before.
ALTER TABLE registry.models
    ADD COLUMN search text GENERATED ALWAYS AS (lower(name || ' ' || coalesce(description, ''))) STORED;

CREATE INDEX models_search_lower ON registry.models USING gin (search gin_trgm_ops);

DROP INDEX registry.models_search;
