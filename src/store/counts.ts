/**
 * A route's last 24 hours, counted as deliveries happen (docs/store.md, "Counts"): `/routes`
 * shows deliveries by outcome and `/activity` attempts per minute. With the events spread over
 * many shards these cannot be counted over tables, so each route's RouteGate object keeps
 * per-minute buckets, updated with the consumer's report of a batch (one report per route per
 * batch, src/coordinate/watch.ts) in the same `kv` value as the route's meter: no row is
 * written for them that was not written already. A read sums at most 1,440 buckets in the object.
 */
import type { MeterReport } from "../alerts/meter.ts";

/** Per minute (unix minutes): attempts ok, attempts failed, dead, delivered, filtered, skipped. */
export type Buckets = Record<string, number[]>;
const OK = 0;
const FAILED = 1;
const ENDED = { dead: 2, delivered: 3, filtered: 4, skipped: 5 } as const;
const WINDOW_MINUTES = 24 * 60;

/**
 * Adds one message's report to the buckets of minute `nowMs`, and drops buckets older than the
 * window. Mutates and returns `buckets`.
 *
 * @example tally({}, { source: "chatwoot", ended: "delivered", attempt: 1, posts: [{ seconds: 0.2, failed: false }] }, Date.now())
 */
export function tally(buckets: Buckets, report: MeterReport, nowMs: number): Buckets {
  const minute = Math.floor(nowMs / 60_000);
  const bucket = buckets[minute] ?? [0, 0, 0, 0, 0, 0];
  for (const post of report.posts)
    bucket[post.failed ? FAILED : OK] = (bucket[post.failed ? FAILED : OK] ?? 0) + 1;
  const ended = report.ended in ENDED ? ENDED[report.ended as keyof typeof ENDED] : undefined;
  if (ended !== undefined) bucket[ended] = (bucket[ended] ?? 0) + 1;
  buckets[minute] = bucket;
  for (const key of Object.keys(buckets)) {
    if (Number(key) <= minute - WINDOW_MINUTES) delete buckets[key];
  }
  return buckets;
}

export interface Minute {
  /** Unix seconds at the start of the minute. */
  at: number;
  /** Attempts answered 2xx. */
  delivered: number;
  /** Attempts answered otherwise, or not at all. */
  failed: number;
  /** Deliveries that ended dead (a dead letter was made). */
  dead: number;
}

/** The minutes with any attempt or dead letter since `sinceMs`, oldest first. */
export function minutesSince(buckets: Buckets, sinceMs: number): Minute[] {
  const from = Math.floor(sinceMs / 60_000);
  return Object.entries(buckets)
    .filter(([key]) => Number(key) >= from)
    .map(([key, b]) => ({
      at: Number(key) * 60,
      delivered: b[OK] ?? 0,
      failed: b[FAILED] ?? 0,
      dead: b[ENDED.dead] ?? 0,
    }))
    .filter((m) => m.delivered + m.failed + m.dead > 0)
    .sort((a, b) => a.at - b.at);
}

/** Deliveries that ended since `sinceMs`, by outcome (only outcomes with any). */
export function endedSince(buckets: Buckets, sinceMs: number): Record<string, number> {
  const from = Math.floor(sinceMs / 60_000);
  const counts: Record<string, number> = {};
  for (const [key, bucket] of Object.entries(buckets)) {
    if (Number(key) < from) continue;
    for (const [name, index] of Object.entries(ENDED)) {
      const n = bucket[index] ?? 0;
      if (n > 0) counts[name] = (counts[name] ?? 0) + n;
    }
  }
  return counts;
}

/**
 * Minutes of several routes added up (`/activity` over every route).
 *
 * @example mergeMinutes([routeA, routeB]) // one list, oldest first
 */
export function mergeMinutes(lists: Minute[][]): Minute[] {
  const byMinute = new Map<number, Minute>();
  for (const minute of lists.flat()) {
    const entry = byMinute.get(minute.at) ?? { at: minute.at, delivered: 0, failed: 0, dead: 0 };
    entry.delivered += minute.delivered;
    entry.failed += minute.failed;
    entry.dead += minute.dead;
    byMinute.set(minute.at, entry);
  }
  return [...byMinute.values()].sort((a, b) => a.at - b.at);
}
