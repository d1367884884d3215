import { SCHEMA } from "./schema.ts";

/** How long a received event's key is remembered for deduplication. */
export const DEDUPE_SECONDS = 24 * 60 * 60;
/** Accepted events are pruned after this long (retries end well before; dead letters keep a copy). */
export const EVENT_RETENTION_SECONDS = 7 * 24 * 60 * 60;

const readyDbs = new WeakMap<D1Database, Promise<void>>();

/** Creates the schema once per isolate and database (idempotent); every store call awaits it. */
export function ready(db: D1Database): Promise<void> {
  let promise = readyDbs.get(db);
  if (!promise) {
    promise = db
      .batch(SCHEMA.map((sql) => db.prepare(sql)))
      .then(() => undefined)
      .catch((error) => {
        readyDbs.delete(db);
        throw error;
      });
    readyDbs.set(db, promise);
  }
  return promise;
}

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export interface StoredEvent {
  id: string;
  source: string;
  name: string;
  dispatch?: string;
  payload: unknown;
  receivedAt: number;
}

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

/**
 * Records events unless their key was seen in the last 24 hours, in one D1 batch (a transaction,
 * one round trip): each key is inserted, or takes over a key that has expired; each event row is
 * written only if its key now points at it, so concurrent repeats admit exactly one; the batch
 * ends by reading who owns each key. Returns, per event, its own id or the id of the event it
 * repeats.
 */
export async function admit(db: D1Database, events: NewEvent[]): Promise<Admission[]> {
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
  const reads = chunks(
    events.map((event) => event.key),
    MAX_BOUND_PARAMETERS,
  ).map((keys) =>
    db
      .prepare(`SELECT key, event_id FROM seen WHERE key IN (${keys.map(() => "?").join(",")})`)
      .bind(...keys),
  );
  const results = await db.batch<{ key: string; event_id: string }>([...writes, ...reads]);
  const ownerOf = new Map<string, string>();
  for (const result of results.slice(writes.length)) {
    for (const row of result.results) ownerOf.set(row.key, row.event_id);
  }
  // The same key twice in one body: the first admits, the second is its duplicate.
  return events.map((event) => {
    const owner = ownerOf.get(event.key) ?? event.id;
    return owner === event.id ? { id: event.id, duplicate: false } : { id: owner, duplicate: true };
  });
}

/** Undoes `admit` for events that could not be queued, so that the sender's retry is accepted. */
export async function forget(db: D1Database, eventIds: string[]): Promise<void> {
  if (eventIds.length === 0) return;
  await db.batch(
    chunks(eventIds, MAX_BOUND_PARAMETERS).flatMap((ids) => {
      const marks = ids.map(() => "?").join(",");
      return [
        db.prepare(`DELETE FROM seen WHERE event_id IN (${marks})`).bind(...ids),
        db.prepare(`DELETE FROM events WHERE id IN (${marks})`).bind(...ids),
      ];
    }),
  );
}

/** D1 binds at most 100 parameters per statement: longer `IN (...)` lists are split. */
const MAX_BOUND_PARAMETERS = 100;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export interface Pruned {
  seen: number;
  events: number;
  delivered: number;
  attempts: number;
}

/**
 * Drops expired dedupe keys, and events, delivery records and attempts older than the retention
 * (retries end within 72 hours; dead letters keep their own copy). Run by the cron trigger.
 */
export async function prune(db: D1Database, now = nowSeconds()): Promise<Pruned> {
  await ready(db);
  const before = now - EVENT_RETENTION_SECONDS;
  const [seen, events, delivered, attempts] = await db.batch([
    db.prepare("DELETE FROM seen WHERE expires_at <= ?").bind(now),
    db.prepare("DELETE FROM events WHERE received_at <= ?").bind(before),
    db.prepare("DELETE FROM delivered WHERE at <= ?").bind(before),
    db.prepare("DELETE FROM attempts WHERE at <= ?").bind(before),
  ]);
  const changes = (result: D1Result | undefined) => result?.meta.changes ?? 0;
  return {
    seen: changes(seen),
    events: changes(events),
    delivered: changes(delivered),
    attempts: changes(attempts),
  };
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

/** Puts an event back (a replay of a dead letter whose event was pruned). */
export async function restoreEvent(db: D1Database, event: StoredEvent): Promise<void> {
  await ready(db);
  await db
    .prepare(
      "INSERT OR IGNORE INTO events (id, source, name, dispatch, payload, received_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(
      event.id,
      event.source,
      event.name,
      event.dispatch ?? null,
      JSON.stringify(event.payload),
      nowSeconds(),
    )
    .run();
}

export interface Attempt {
  webhookId: string;
  attempt: number;
  /** HTTP status, or 0 when there was no answer. */
  status: number;
  error?: string;
  latencyMs: number;
  at: number;
}

export async function recordAttempt(
  db: D1Database,
  eventId: string,
  route: string,
  attempt: Attempt,
): Promise<void> {
  await ready(db);
  const statements = [
    db
      .prepare(
        "INSERT INTO attempts (event_id, route, webhook_id, attempt, status, error, latency_ms, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .bind(
        eventId,
        route,
        attempt.webhookId,
        attempt.attempt,
        attempt.status,
        attempt.error ?? null,
        attempt.latencyMs,
        attempt.at,
      ),
  ];
  if (attempt.status >= 200 && attempt.status < 300) {
    statements.push(
      db
        .prepare(
          "INSERT OR IGNORE INTO delivered (webhook_id, event_id, route, status, at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(attempt.webhookId, eventId, route, attempt.status, attempt.at),
    );
  }
  await db.batch(statements);
}

export async function deliveredIds(
  db: D1Database,
  eventId: string,
  route: string,
): Promise<Set<string>> {
  await ready(db);
  const rows = await db
    .prepare("SELECT webhook_id FROM delivered WHERE event_id = ? AND route = ?")
    .bind(eventId, route)
    .all<{ webhook_id: string }>();
  return new Set(rows.results.map((row) => row.webhook_id));
}

export async function listAttempts(
  db: D1Database,
  eventId: string,
  route: string,
): Promise<Attempt[]> {
  await ready(db);
  const rows = await db
    .prepare(
      "SELECT webhook_id, attempt, status, error, latency_ms, at FROM attempts WHERE event_id = ? AND route = ? ORDER BY seq",
    )
    .bind(eventId, route)
    .all<{
      webhook_id: string;
      attempt: number;
      status: number;
      error: string | null;
      latency_ms: number;
      at: number;
    }>();
  return rows.results.map((row) => ({
    webhookId: row.webhook_id,
    attempt: row.attempt,
    status: row.status,
    ...(row.error ? { error: row.error } : {}),
    latencyMs: row.latency_ms,
    at: row.at,
  }));
}

export interface DeadLetter {
  id: string;
  createdAt: string;
  state: "dead" | "replayed";
  replays: number;
  replayedAt?: string;
  eventId: string;
  source: string;
  event: string;
  route: string;
  target?: string;
  /** The source event's payload as received (for Support Hunt: the one event of the batch). */
  payload: unknown;
  attempts: Attempt[];
  lastError: string;
}

interface DeadLetterRow {
  seq: number;
  id: string;
  created_at: number;
  event_id: string;
  source: string;
  event_name: string;
  dispatch: string | null;
  route: string;
  target: string | null;
  payload: string;
  attempts: string;
  last_error: string;
  state: string;
  replays: number;
  replayed_at: number | null;
}

export async function addDeadLetter(
  db: D1Database,
  entry: {
    event: StoredEvent;
    route: string;
    target?: string;
    attempts: Attempt[];
    lastError: string;
  },
): Promise<string> {
  await ready(db);
  const id = crypto.randomUUID();
  await db
    .prepare(
      `INSERT INTO dead_letters (id, created_at, event_id, source, event_name, dispatch, route, target, payload, attempts, last_error)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .bind(
      id,
      nowSeconds(),
      entry.event.id,
      entry.event.source,
      entry.event.name,
      entry.event.dispatch ?? null,
      entry.route,
      entry.target ?? null,
      JSON.stringify(entry.event.payload),
      JSON.stringify(entry.attempts),
      entry.lastError,
    )
    .run();
  return id;
}

/** Newest first; `cursor` is the opaque value returned as `next` by the previous page. */
export async function listDeadLetters(
  db: D1Database,
  limit: number,
  cursor?: number,
): Promise<{ items: DeadLetter[]; next?: number }> {
  await ready(db);
  const rows = await db
    .prepare(
      `SELECT * FROM dead_letters ${cursor === undefined ? "" : "WHERE seq < ?"} ORDER BY seq DESC LIMIT ?`,
    )
    .bind(...(cursor === undefined ? [limit + 1] : [cursor, limit + 1]))
    .all<DeadLetterRow>();
  const page = rows.results.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toDeadLetter),
    ...(rows.results.length > limit && last ? { next: last.seq } : {}),
  };
}

export async function getDeadLetter(
  db: D1Database,
  id: string,
): Promise<{ letter: DeadLetter; stored: StoredEvent } | undefined> {
  await ready(db);
  const row = await db
    .prepare("SELECT * FROM dead_letters WHERE id = ?")
    .bind(id)
    .first<DeadLetterRow>();
  if (!row) return undefined;
  const letter = toDeadLetter(row);
  return {
    letter,
    stored: {
      id: row.event_id,
      source: row.source,
      name: row.event_name,
      ...(row.dispatch ? { dispatch: row.dispatch } : {}),
      payload: letter.payload,
      receivedAt: row.created_at,
    },
  };
}

export async function markReplayed(db: D1Database, id: string): Promise<void> {
  await db
    .prepare(
      "UPDATE dead_letters SET state = 'replayed', replays = replays + 1, replayed_at = ? WHERE id = ?",
    )
    .bind(nowSeconds(), id)
    .run();
}

function toDeadLetter(row: DeadLetterRow): DeadLetter {
  return {
    id: row.id,
    createdAt: new Date(row.created_at * 1000).toISOString(),
    state: row.state === "replayed" ? "replayed" : "dead",
    replays: row.replays,
    ...(row.replayed_at ? { replayedAt: new Date(row.replayed_at * 1000).toISOString() } : {}),
    eventId: row.event_id,
    source: row.source,
    event: row.event_name,
    route: row.route,
    ...(row.target ? { target: row.target } : {}),
    payload: JSON.parse(row.payload),
    attempts: JSON.parse(row.attempts),
    lastError: row.last_error,
  };
}

/** Dev sink: records a request, keeping the last 100. */
export async function sinkRecord(
  db: D1Database,
  entry: { path: string; headers: Record<string, string>; body: string },
): Promise<number> {
  await ready(db);
  const [inserted] = await db.batch([
    db
      .prepare("INSERT INTO sink (at, path, headers, body) VALUES (?, ?, ?, ?) RETURNING seq")
      .bind(Date.now(), entry.path, JSON.stringify(entry.headers), entry.body),
    db.prepare("DELETE FROM sink WHERE seq <= (SELECT MAX(seq) - 100 FROM sink)"),
  ]);
  return (inserted?.results[0] as { seq: number } | undefined)?.seq ?? 0;
}

export async function sinkList(db: D1Database, limit: number) {
  await ready(db);
  const rows = await db
    .prepare("SELECT seq, at, path, headers, body FROM sink ORDER BY seq DESC LIMIT ?")
    .bind(limit)
    .all<{ seq: number; at: number; path: string; headers: string; body: string }>();
  return rows.results.map((row) => {
    let body: unknown = row.body;
    try {
      body = JSON.parse(row.body);
    } catch {
      // not JSON: shown as text
    }
    return {
      seq: row.seq,
      receivedAt: new Date(row.at).toISOString(),
      path: row.path,
      headers: JSON.parse(row.headers) as Record<string, string>,
      body,
    };
  });
}
