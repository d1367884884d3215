/**
 * Reading the outbox for people (the delivery console, the admin API): deliveries by route and
 * status, newest change first, with a cursor; one delivery with its attempts.
 */

import { type Attempt, listAttempts } from "./attempts.ts";
import { ready } from "./db.ts";
import { type DeliveryState, toDeliveryState } from "./deliveries.ts";
import { where } from "./where.ts";

/** A delivery row with what the console shows of its event. */
export interface DeliveryView extends DeliveryState {
  /** The event's source format and name; absent once the event was pruned. */
  source?: string;
  event?: string;
  receivedAt?: number;
}

export interface DeliveryFilter {
  route?: string;
  status?: string;
  eventId?: string;
}

/** Position after the last row of a page: opaque to callers (see `encodeCursor`). */
export interface DeliveryCursor {
  updatedAt: number;
  eventId: string;
  route: string;
}

/** The cursor as URL-safe text, for `next` in an API answer. */
export const encodeCursor = (cursor: DeliveryCursor): string =>
  btoa(JSON.stringify([cursor.updatedAt, cursor.eventId, cursor.route]))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");

/** The cursor from `encodeCursor`'s text, or undefined when it is not one. */
export function decodeCursor(text: string): DeliveryCursor | undefined {
  try {
    const value: unknown = JSON.parse(atob(text.replaceAll("-", "+").replaceAll("_", "/")));
    if (!Array.isArray(value) || value.length !== 3) return undefined;
    const [updatedAt, eventId, route] = value;
    if (!Number.isInteger(updatedAt) || typeof eventId !== "string" || typeof route !== "string")
      return undefined;
    return { updatedAt, eventId, route };
  } catch {
    return undefined;
  }
}

type ViewRow = Parameters<typeof toDeliveryState>[0] & {
  source: string | null;
  name: string | null;
  received_at: number | null;
};

const toView = (row: ViewRow): DeliveryView => ({
  ...toDeliveryState(row),
  ...(row.source !== null ? { source: row.source } : {}),
  ...(row.name !== null ? { event: row.name } : {}),
  ...(row.received_at !== null ? { receivedAt: row.received_at } : {}),
});

/**
 * Deliveries matching `filter`, most recently changed first, `limit` per page; pass the `next`
 * of one page as `cursor` for the following one. Pending rows that are overdue (stranded) are
 * listed like any other: compare `dueAt` with the time.
 *
 * @example
 * const page = await listDeliveries(env.DB, { route: "default", status: "dead" }, 50);
 * const more = page.next ? await listDeliveries(env.DB, { route: "default", status: "dead" }, 50, page.next) : undefined;
 */
export async function listDeliveries(
  db: D1Database,
  filter: DeliveryFilter,
  limit: number,
  cursor?: DeliveryCursor,
): Promise<{ items: DeliveryView[]; next?: DeliveryCursor }> {
  await ready(db);
  const { sql, binds } = where([
    filter.route !== undefined ? ["d.route = ?", filter.route] : undefined,
    filter.status !== undefined ? ["d.status = ?", filter.status] : undefined,
    filter.eventId !== undefined ? ["d.event_id = ?", filter.eventId] : undefined,
    cursor
      ? [
          "(d.updated_at, d.event_id, d.route) < (?, ?, ?)",
          cursor.updatedAt,
          cursor.eventId,
          cursor.route,
        ]
      : undefined,
  ]);
  const rows = await db
    .prepare(
      `SELECT d.*, e.source, e.name, e.received_at FROM deliveries AS d
       LEFT JOIN events AS e ON e.id = d.event_id
       ${sql}
       ORDER BY d.updated_at DESC, d.event_id DESC, d.route DESC LIMIT ?`,
    )
    .bind(...binds, limit + 1)
    .all<ViewRow>();
  const page = rows.results.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map(toView),
    ...(rows.results.length > limit && last
      ? { next: { updatedAt: last.updated_at, eventId: last.event_id, route: last.route } }
      : {}),
  };
}

/**
 * One delivery with every attempt made (oldest first), or undefined.
 *
 * @example const one = await getDelivery(env.DB, eventId, "default"); // one?.attempts[0]?.status
 */
export async function getDelivery(
  db: D1Database,
  eventId: string,
  route: string,
): Promise<(DeliveryView & { attemptLog: Attempt[] }) | undefined> {
  await ready(db);
  const row = await db
    .prepare(
      `SELECT d.*, e.source, e.name, e.received_at FROM deliveries AS d
       LEFT JOIN events AS e ON e.id = d.event_id WHERE d.event_id = ? AND d.route = ?`,
    )
    .bind(eventId, route)
    .first<ViewRow>();
  if (!row) return undefined;
  return { ...toView(row), attemptLog: await listAttempts(db, eventId, route) };
}
