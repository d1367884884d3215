/**
 * What the delivery console charts and counts (src/admin/routes.ts, src/admin/events.ts):
 * deliveries by route and status, and attempts per minute.
 */
import { nowSeconds, ready } from "./db.ts";

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

/** The start of the console's default window: 24 hours ago, in unix seconds. */
export const dayAgo = (): number => nowSeconds() - 24 * 60 * 60;
