-- A delivery's successful posts by (event, route): every queue message reads them (src/storage/attempts.ts).
CREATE INDEX IF NOT EXISTS delivered_event_route ON delivered (event_id, route);
