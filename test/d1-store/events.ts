/** The D1 store's admission (see index.ts): 24-hour dedupe in `seen`, the events, their outbox rows. */
import { nowSeconds, ready } from "../../src/storage/db.ts";
import { DEDUPE_SECONDS, type StoredEvent } from "../../src/storage/types.ts";
import { insertPending } from "./deliveries.ts";

export interface NewEvent {
  /** Deduplication key, already namespaced by source. */
  key: string;
  id: string;
  source: string;
  name: string;
  dispatch?: string;
  /** The event's payload as JSON text. */
  payload: string;
}

export type Admission = { id: string; duplicate: false } | { id: string; duplicate: true };

/** D1 binds at most 100 parameters per statement: longer `IN (...)` lists are split. */
const MAX_BOUND_PARAMETERS = 100;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `?,?,?` for `n` parameters. */
const marks = (n: number): string => Array.from({ length: n }, () => "?").join(",");

/**
 * Records events unless their key was seen in the last 24 hours, in one D1 batch (a transaction,
 * one round trip): each key is inserted, or takes over a key that has expired; each event row is
 * written only if its key now points at it, so concurrent repeats admit exactly one; each event
 * written gets a `queued` delivery row per route (the outbox: a stored event always has its
 * pending deliveries); the batch ends by reading who owns each key. Returns, per event, its own
 * id or the id of the event it repeats.
 *
 * @example const [admission] = await admit(env.DB, [event], ["default"]); // admission.duplicate
 */
export async function admit(
  db: D1Database,
  events: NewEvent[],
  routes: string[],
): Promise<Admission[]> {
  if (events.length === 0) return [];
  await ready(db);
  const now = nowSeconds();
  const writes = events.flatMap((event) => [
    db
      .prepare(
        `INSERT INTO seen (key, event_id, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET event_id = excluded.event_id, expires_at = excluded.expires_at
         WHERE seen.expires_at <= ?`,
      )
      .bind(event.key, event.id, now + DEDUPE_SECONDS, now),
    db
      .prepare(
        `INSERT INTO events (id, source, name, dispatch, payload, received_at)
         SELECT ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM seen WHERE key = ? AND event_id = ?)`,
      )
      .bind(
        event.id,
        event.source,
        event.name,
        event.dispatch ?? null,
        event.payload,
        now,
        event.key,
        event.id,
      ),
  ]);
  const outbox = insertPending(
    db,
    events.map((event) => event.id),
    routes,
    now,
  );
  const reads = chunks(
    events.map((event) => event.key),
    MAX_BOUND_PARAMETERS,
  ).map((keys) =>
    db.prepare(`SELECT key, event_id FROM seen WHERE key IN (${marks(keys.length)})`).bind(...keys),
  );
  const results = await db.batch<{ key: string; event_id: string }>([...writes, outbox, ...reads]);
  const ownerOf = new Map<string, string>();
  for (const result of results.slice(writes.length + 1)) {
    for (const row of result.results) ownerOf.set(row.key, row.event_id);
  }
  // The same key twice in one body: the first admits, the second is its duplicate.
  return events.map((event) => {
    const owner = ownerOf.get(event.key) ?? event.id;
    return owner === event.id ? { id: event.id, duplicate: false } : { id: owner, duplicate: true };
  });
}

export async function getEvent(db: D1Database, id: string): Promise<StoredEvent | undefined> {
  await ready(db);
  const row = await db
    .prepare("SELECT id, source, name, dispatch, payload, received_at FROM events WHERE id = ?")
    .bind(id)
    .first<{
      id: string;
      source: string;
      name: string;
      dispatch: string | null;
      payload: string;
      received_at: number;
    }>();
  if (!row) return undefined;
  return {
    id: row.id,
    source: row.source,
    name: row.name,
    ...(row.dispatch ? { dispatch: row.dispatch } : {}),
    payload: JSON.parse(row.payload),
    receivedAt: row.received_at,
  };
}
