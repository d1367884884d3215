/**
 * Reading accepted events for the delivery console (src/admin/events.ts): events newest first
 * with their deliveries, and one event's attempts. Cursor-paged on an index, so a page stays
 * fast with hundreds of thousands of events.
 */
import { ready } from "./db.ts";
import { type DeliveryState, toDeliveryState } from "./deliveries.ts";
import { where } from "./where.ts";

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

/** What the console lists of one delivery (a row of `deliveries`). */
export type DeliverySummary = Pick<
  DeliveryState,
  "route" | "status" | "attempts" | "lastStatus" | "lastError" | "deliveredAt" | "updatedAt"
>;

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
  const deliveryMatch = [
    ...(filter.route ? ["d.route = ?"] : []),
    ...(filter.status ? ["d.status = ?"] : []),
  ];
  const { sql, binds } = where([
    filter.source ? ["e.source = ?", filter.source] : undefined,
    filter.since !== undefined ? ["e.received_at >= ?", filter.since] : undefined,
    cursor
      ? [
          "(e.received_at < ? OR (e.received_at = ? AND e.rowid < ?))",
          cursor.receivedAt,
          cursor.receivedAt,
          cursor.seq,
        ]
      : undefined,
    deliveryMatch.length > 0
      ? [
          `EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id AND ${deliveryMatch.join(" AND ")})`,
          ...(filter.route ? [filter.route] : []),
          ...(filter.status ? [filter.status] : []),
        ]
      : undefined,
  ]);
  const rows = await db
    .prepare(
      `SELECT e.rowid AS seq, e.id, e.source, e.name, e.received_at FROM events e
       ${sql} ORDER BY e.received_at DESC, e.rowid DESC LIMIT ?`,
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
      "SELECT * FROM deliveries WHERE event_id IN (SELECT value FROM json_each(?)) ORDER BY route",
    )
    .bind(JSON.stringify(eventIds))
    .all<Parameters<typeof toDeliveryState>[0]>();
  for (const row of rows.results) {
    const { route, status, attempts, lastStatus, lastError, deliveredAt, updatedAt } =
      toDeliveryState(row);
    const list = byEvent.get(row.event_id) ?? [];
    list.push({ route, status, attempts, lastStatus, lastError, deliveredAt, updatedAt });
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
