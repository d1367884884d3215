-- The delivery console's indexes (src/storage/console.ts); same statements as src/storage/schema.ts.
CREATE INDEX IF NOT EXISTS events_source_received ON events (source, received_at);
CREATE INDEX IF NOT EXISTS attempts_at ON attempts (at);
