-- Filters of GET /api/v1/events (actor=, type=) without scanning a million-event log.
-- (stream= uses events_stream_version; from=/to= the BRIN index on recorded_at.)
CREATE INDEX IF NOT EXISTS events_actor_position ON registry.events (actor, position);
CREATE INDEX IF NOT EXISTS events_type_position ON registry.events (type, position);
