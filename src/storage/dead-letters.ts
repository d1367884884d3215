import { nowSeconds, ready } from "./db.ts";
import type { Attempt, StoredEvent } from "./types.ts";

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

/** Deletes one dead letter; false when there was none with that id. */
export async function deleteDeadLetter(db: D1Database, id: string): Promise<boolean> {
  await ready(db);
  const result = await db.prepare("DELETE FROM dead_letters WHERE id = ?").bind(id).run();
  return (result.meta.changes ?? 0) > 0;
}

/**
 * Dead letters kept (not yet replayed) per route: the `/metrics` gauge. Dead letters are few
 * (each one is a delivery given up on) and live in D1 until deleted, so this reads that small
 * table, not the events.
 */
export async function deadLettersByRoute(db: D1Database): Promise<Map<string, number>> {
  await ready(db);
  const { results } = await db
    .prepare("SELECT route, COUNT(*) AS n FROM dead_letters WHERE state = 'dead' GROUP BY route")
    .all<{ route: string; n: number }>();
  return new Map(results.map((row) => [row.route, row.n]));
}
