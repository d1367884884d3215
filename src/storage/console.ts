/**
 * Reading D1 for the delivery console (src/admin): events newest first with their deliveries,
 * one event's attempts, counts by status, deliveries per minute, and dead letters by filter.
 * Every list is cursor-paged on an index, so it stays fast with hundreds of thousands of events.
 */
import { nowSeconds, ready } from "./db.ts";

export interface EventFilter {
  source?: string;
  route?: string;
  status?: string;
  /** Unix seconds: only events received at or after. */
  since?: number;
}

/** Where a page ended: the last event's receive time and rowid (newest first). */
export interface EventCursor {
  receivedAt: number;
  /** The row's rowid: the order events were stored in, breaking ties within a second. */
  seq: number;
}

export interface DeliverySummary {
  route: string;
  status: string;
  attempts: number;
  lastStatus?: number;
  lastError?: string;
  deliveredAt?: number;
  updatedAt: number;
}

export interface EventSummary {
  id: string;
  source: string;
  event: string;
  receivedAt: number;
  deliveries: DeliverySummary[];
}

/** The cursor as URL-safe text (`next` in an answer). */
export const encodeEventCursor = (cursor: EventCursor): string =>
  btoa(JSON.stringify([cursor.receivedAt, cursor.seq]))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");

/** The cursor from `encodeEventCursor`'s text, or undefined when it is not one. */
export function decodeEventCursor(text: string): EventCursor | undefined {
  try {
    const value: unknown = JSON.parse(atob(text.replaceAll("-", "+").replaceAll("_", "/")));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [receivedAt, seq] = value;
    if (!Number.isInteger(receivedAt) || !Number.isInteger(seq)) return undefined;
    return { receivedAt, seq };
  } catch {
    return undefined;
  }
}

/**
 * Events matching `filter`, newest first, `limit` per page, each with its deliveries (one per
 * route). Walks the `events_received` / `events_source_received` index (which end in the rowid)
 * from the cursor; a route or status filter is checked per event on the deliveries primary key.
 *
 * @example
 * const page = await listEvents(env.DB, { route: "crm", status: "dead" }, 50);
 * const more = page.next && (await listEvents(env.DB, { route: "crm", status: "dead" }, 50, page.next));
 */
export async function listEvents(
  db: D1Database,
  filter: EventFilter,
  limit: number,
  cursor?: EventCursor,
): Promise<{ items: EventSummary[]; next?: EventCursor }> {
  await ready(db);
  const where: string[] = [];
  const binds: unknown[] = [];
  if (filter.source) {
    where.push("e.source = ?");
    binds.push(filter.source);
  }
  if (filter.since !== undefined) {
    where.push("e.received_at >= ?");
    binds.push(filter.since);
  }
  if (cursor) {
    where.push("(e.received_at < ? OR (e.received_at = ? AND e.rowid < ?))");
    binds.push(cursor.receivedAt, cursor.receivedAt, cursor.seq);
  }
  if (filter.route || filter.status) {
    const inner = [
      ...(filter.route ? ["d.route = ?"] : []),
      ...(filter.status ? ["d.status = ?"] : []),
    ];
    where.push(
      `EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND ${inner.join(" AND ")})`,
    );
    if (filter.route) binds.push(filter.route);
    if (filter.status) binds.push(filter.status);
  }
  const rows = await db
    .prepare(
      `SELECT e.rowid AS seq, e.id, e.source, e.name, e.received_at FROM events e
       ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY e.received_at DESC, e.rowid DESC LIMIT ?`,
    )
    .bind(...binds, limit + 1)
    .all<{ seq: number; id: string; source: string; name: string; received_at: number }>();
  const page = rows.results.slice(0, limit);
  const deliveries = await deliveriesOf(
    db,
    page.map((row) => row.id),
  );
  const last = page.at(-1);
  return {
    items: page.map((row) => ({
      id: row.id,
      source: row.source,
      event: row.name,
      receivedAt: row.received_at,
      deliveries: deliveries.get(row.id) ?? [],
    })),
    ...(rows.results.length > limit && last
      ? { next: { receivedAt: last.received_at, seq: last.seq } }
      : {}),
  };
}

interface DeliveryRow {
  event_id: string;
  route: string;
  status: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  delivered_at: number | null;
  updated_at: number;
}

/** The deliveries (rows of `deliveries`) of these events, by event id. */
export async function deliveriesOf(
  db: D1Database,
  eventIds: string[],
): Promise<Map<string, DeliverySummary[]>> {
  const byEvent = new Map<string, DeliverySummary[]>();
  if (eventIds.length === 0) return byEvent;
  await ready(db);
  const rows = await db
    .prepare(
      `SELECT event_id, route, status, attempts, last_status, last_error, delivered_at, updated_at
       FROM deliveries WHERE event_id IN (SELECT value FROM json_each(?)) ORDER BY route`,
    )
    .bind(JSON.stringify(eventIds))
    .all<DeliveryRow>();
  for (const row of rows.results) {
    const list = byEvent.get(row.event_id) ?? [];
    list.push({
      route: row.route,
      status: row.status,
      attempts: row.attempts,
      ...(row.last_status !== null ? { lastStatus: row.last_status } : {}),
      ...(row.last_error !== null ? { lastError: row.last_error } : {}),
      ...(row.delivered_at !== null ? { deliveredAt: row.delivered_at } : {}),
      updatedAt: row.updated_at,
    });
    byEvent.set(row.event_id, list);
  }
  return byEvent;
}

export interface AttemptRecord {
  route: string;
  /** Unix seconds. */
  at: number;
  /** HTTP status; 0 when there was no answer. */
  status: number;
  durationMs: number;
  error?: string;
}

/** Every attempt to deliver one event, all routes, in the order they were made. */
export async function attemptsOf(db: D1Database, eventId: string): Promise<AttemptRecord[]> {
  await ready(db);
  const rows = await db
    .prepare(
      "SELECT route, at, status, latency_ms, error FROM attempts WHERE event_id = ? ORDER BY seq",
    )
    .bind(eventId)
    .all<{ route: string; at: number; status: number; latency_ms: number; error: string | null }>();
  return rows.results.map((row) => ({
    route: row.route,
    at: row.at,
    status: row.status,
    durationMs: row.latency_ms,
    ...(row.error ? { error: row.error } : {}),
  }));
}

/** Deliveries by route and status, changed since `since` (unix seconds). */
export async function countsByRoute(
  db: D1Database,
  since: number,
): Promise<Map<string, Record<string, number>>> {
  await ready(db);
  const rows = await db
    .prepare(
      "SELECT route, status, COUNT(*) AS n FROM deliveries WHERE updated_at >= ? GROUP BY route, status",
    )
    .bind(since)
    .all<{ route: string; status: string; n: number }>();
  const counts = new Map<string, Record<string, number>>();
  for (const row of rows.results) {
    const entry = counts.get(row.route) ?? {};
    entry[row.status] = row.n;
    counts.set(row.route, entry);
  }
  return counts;
}

export interface Minute {
  /** Unix seconds at the start of the minute. */
  at: number;
  delivered: number;
  failed: number;
  dead: number;
}

/**
 * Delivery attempts per minute since `since` (unix seconds), by outcome: `delivered` (2xx),
 * `failed` (any other answer or none), and dead letters made that minute. Minutes with nothing
 * are left out. Optionally for one route.
 */
export async function perMinute(db: D1Database, since: number, route?: string): Promise<Minute[]> {
  await ready(db);
  const routeFilter = route ? " AND route = ?" : "";
  const [attempts, dead] = await db.batch<{ minute: number; ok: number; failed: number }>([
    db
      .prepare(
        `SELECT (at / 60) * 60 AS minute,
                SUM(CASE WHEN status >= 200 AND status < 300 THEN 1 ELSE 0 END) AS ok,
                SUM(CASE WHEN status >= 200 AND status < 300 THEN 0 ELSE 1 END) AS failed
         FROM attempts WHERE at >= ?${routeFilter} GROUP BY minute`,
      )
      .bind(since, ...(route ? [route] : [])),
    db
      .prepare(
        `SELECT (created_at / 60) * 60 AS minute, COUNT(*) AS ok, 0 AS failed
         FROM dead_letters WHERE created_at >= ?${routeFilter} GROUP BY minute`,
      )
      .bind(since, ...(route ? [route] : [])),
  ]);
  const minutes = new Map<number, Minute>();
  const at = (minute: number) => {
    let entry = minutes.get(minute);
    if (!entry) {
      entry = { at: minute, delivered: 0, failed: 0, dead: 0 };
      minutes.set(minute, entry);
    }
    return entry;
  };
  for (const row of attempts?.results ?? []) {
    const entry = at(row.minute);
    entry.delivered += row.ok;
    entry.failed += row.failed;
  }
  for (const row of dead?.results ?? []) at(row.minute).dead += row.ok;
  return [...minutes.values()].sort((a, b) => a.at - b.at);
}

export interface DeadLetterFilter {
  route?: string;
  source?: string;
  /** Unix seconds: dead letters made at or after. */
  since?: number;
}

export interface DeadLetterRef {
  id: string;
  seq: number;
  eventId: string;
  route: string;
}

/** Up to `limit` dead letters still dead (not replayed) matching `filter`, oldest first after `afterSeq`. */
export async function deadLettersMatching(
  db: D1Database,
  filter: DeadLetterFilter,
  limit: number,
  afterSeq = 0,
): Promise<DeadLetterRef[]> {
  await ready(db);
  const where = ["state = 'dead'", "seq > ?"];
  const binds: unknown[] = [afterSeq];
  if (filter.route) {
    where.push("route = ?");
    binds.push(filter.route);
  }
  if (filter.source) {
    where.push("source = ?");
    binds.push(filter.source);
  }
  if (filter.since !== undefined) {
    where.push("created_at >= ?");
    binds.push(filter.since);
  }
  const rows = await db
    .prepare(
      `SELECT id, seq, event_id, route FROM dead_letters WHERE ${where.join(" AND ")} ORDER BY seq LIMIT ?`,
    )
    .bind(...binds, limit)
    .all<{ id: string; seq: number; event_id: string; route: string }>();
  return rows.results.map((row) => ({
    id: row.id,
    seq: row.seq,
    eventId: row.event_id,
    route: row.route,
  }));
}

/**
 * Puts back the events of these dead letters (their events may have been pruned), in one
 * statement whatever the number of ids.
 */
export async function restoreFromDeadLetters(
  db: D1Database,
  ids: string[],
  now: number,
): Promise<void> {
  if (ids.length === 0) return;
  await ready(db);
  const list = JSON.stringify(ids);
  await db
    .prepare(
      `INSERT OR IGNORE INTO events (id, source, name, dispatch, payload, received_at)
       SELECT event_id, source, event_name, dispatch, payload, ?1 FROM dead_letters
       WHERE id IN (SELECT value FROM json_each(?2))`,
    )
    .bind(now, list)
    .run();
}

/** Marks dead letters replayed (after their messages were queued). */
export async function markDeadLettersReplayed(
  db: D1Database,
  ids: string[],
  now: number,
): Promise<void> {
  if (ids.length === 0) return;
  await db
    .prepare(
      `UPDATE dead_letters SET state = 'replayed', replays = replays + 1, replayed_at = ?1
       WHERE id IN (SELECT value FROM json_each(?2))`,
    )
    .bind(now, JSON.stringify(ids))
    .run();
}

/** Deletes one dead letter; false when there was none with that id. */
export async function deleteDeadLetter(db: D1Database, id: string): Promise<boolean> {
  await ready(db);
  const result = await db.prepare("DELETE FROM dead_letters WHERE id = ?").bind(id).run();
  return (result.meta.changes ?? 0) > 0;
}

/**
 * Marks deliveries queued again (a replay): status `queued`, attempts from 0, due now. Creates
 * the row when there is none (an event accepted before the outbox existed).
 */
export async function markRequeued(
  db: D1Database,
  deliveries: Array<{ event: string; route: string }>,
  now: number,
): Promise<void> {
  if (deliveries.length === 0) return;
  await ready(db);
  await db.batch(
    deliveries.map(({ event, route }) =>
      db
        .prepare(
          `INSERT INTO deliveries (event_id, route, status, attempts, queued_at, due_at, updated_at)
           VALUES (?1, ?2, 'queued', 0, ?3, ?3, ?3)
           ON CONFLICT (event_id, route) DO UPDATE SET status = 'queued', attempts = 0,
             last_error = NULL, queued_at = ?3, due_at = ?3, updated_at = ?3, delivered_at = NULL`,
        )
        .bind(event, route, now),
    ),
  );
}

/** The start of the console's default window: 24 hours ago, in unix seconds. */
export const dayAgo = (): number => nowSeconds() - 24 * 60 * 60;
