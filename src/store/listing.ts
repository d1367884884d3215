/**
 * The Worker's side of the listing index (event-index.ts, docs/store.md "Listing"): adding a
 * request's events (one call per sub-index touched) and reading a page newest first across the
 * day's K sub-indexes, merged by time, with a cursor that holds where each one stopped.
 */
import type { Env } from "../config/env.ts";
import type { ListedEvent } from "./event-index.ts";

/** Sub-indexes per day: each takes 1/K of a day's writes (k = shard mod K). */
export const INDEX_WAYS = 8;
const DAY = 86_400;

export const dayOf = (seconds: number): number => Math.floor(seconds / DAY);
export const indexName = (day: number, k: number): string => `index-${day}-${k}`;
const stub = (env: Env, day: number, k: number) =>
  env.EVENT_INDEX.get(env.EVENT_INDEX.idFromName(indexName(day, k)));

/**
 * Lists accepted events: grouped by sub-index, one call each, in parallel. The day's objects
 * delete themselves `retentionDays` after the day ends.
 *
 * @example await listAccepted(env, [{ shard: 7, receivedAt, id, source, name }], 7);
 */
export async function listAccepted(
  env: Env,
  rows: Array<ListedEvent & { shard: number }>,
  retentionDays: number,
): Promise<void> {
  const groups = new Map<string, { day: number; k: number; rows: ListedEvent[] }>();
  for (const { shard, ...row } of rows) {
    const day = dayOf(row.receivedAt);
    const k = shard % INDEX_WAYS;
    const group = groups.get(indexName(day, k)) ?? { day, k, rows: [] };
    group.rows.push(row);
    groups.set(indexName(day, k), group);
  }
  await Promise.all(
    [...groups.values()].map(({ day, k, rows: listed }) =>
      stub(env, day, k).add(listed, (day + 1 + retentionDays) * DAY * 1000),
    ),
  );
}

/** Where a page stopped: the day, and the position reached in each of its sub-indexes. */
export interface ListCursor {
  day: number;
  before: number[];
}

const fresh = (day: number): ListCursor => ({
  day,
  before: Array.from({ length: INDEX_WAYS }, () => Number.MAX_SAFE_INTEGER),
});

/**
 * A page of accepted events, newest first: K calls per day read (usually one day). Stops at
 * `oldestDay` (the retention).
 *
 * @example const page = await listPage(env, { source: "chatwoot" }, 50, undefined, dayOf(now) - 7);
 */
export async function listPage(
  env: Env,
  filter: { source?: string },
  limit: number,
  cursor: ListCursor | undefined,
  oldestDay: number,
  today = dayOf(Date.now() / 1000),
): Promise<{ items: ListedEvent[]; next?: ListCursor }> {
  let at = cursor ?? fresh(today);
  const items: ListedEvent[] = [];
  while (at.day >= oldestDay) {
    const want = limit - items.length;
    const pages = await Promise.all(
      at.before.map((before, k) => stub(env, at.day, k).page(before, want, filter.source)),
    );
    const merged = pages
      .flatMap((page, k) => page.map((row) => ({ ...row, k })))
      .sort((a, b) => b.receivedAt - a.receivedAt || (a.id < b.id ? 1 : -1))
      .slice(0, want);
    const before = [...at.before];
    for (const row of merged) before[row.k] = Math.min(before[row.k] ?? row.pos, row.pos);
    items.push(
      ...merged.map(({ receivedAt, id, source, name }) => ({ receivedAt, id, source, name })),
    );
    // The day has no more: every sub-index gave less than asked, and all of it was taken.
    const returned = pages.reduce((sum, page) => sum + page.length, 0);
    const exhausted = pages.every((page) => page.length < want) && merged.length === returned;
    if (items.length >= limit) {
      // More may follow in this day (or, when it is exhausted, in the day before).
      return { items, next: exhausted ? fresh(at.day - 1) : { day: at.day, before } };
    }
    at = fresh(at.day - 1);
  }
  return { items };
}
