-- The outbox (src/storage/deliveries.ts); same statements as src/storage/schema.ts.
CREATE TABLE IF NOT EXISTS deliveries (event_id TEXT NOT NULL, route TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, last_status INTEGER, last_error TEXT, queued_at INTEGER NOT NULL, due_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, delivered_at INTEGER, requeues INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (event_id, route));
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (status, due_at);
CREATE INDEX IF NOT EXISTS deliveries_route ON deliveries (route, status, updated_at);
CREATE INDEX IF NOT EXISTS deliveries_updated ON deliveries (updated_at);
