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
    const k = ((shard % INDEX_WAYS) + INDEX_WAYS) % INDEX_WAYS; // shard-legacy is -1
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

/** Where a page stopped: the day, and the position reached in each of its sub-indexes (0: done). */
export interface ListCursor {
  day: number;
  before: number[];
}

const TOP = Number.MAX_SAFE_INTEGER;
const fresh = (day: number): ListCursor => ({
  day,
  before: Array.from({ length: INDEX_WAYS }, () => TOP),
});

/** The cursor as URL-safe text (`next` in an answer). */
export const encodeListCursor = (cursor: ListCursor): string =>
  btoa(JSON.stringify([cursor.day, ...cursor.before.map((b) => (b === TOP ? -1 : b))]))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");

/** The cursor from `encodeListCursor`'s text, or undefined when it is not one. */
export function decodeListCursor(text: string): ListCursor | undefined {
  try {
    const value: unknown = JSON.parse(atob(text.replaceAll("-", "+").replaceAll("_", "/")));
    if (!Array.isArray(value) || value.length !== INDEX_WAYS + 1) return undefined;
    if (!value.every((n) => Number.isSafeInteger(n) && n >= -1)) return undefined;
    const [day, ...before] = value as number[];
    return { day: day as number, before: before.map((b) => (b === -1 ? TOP : b)) };
  } catch {
    return undefined;
  }
}

/** Rows one index object reads per step, whatever the filter. */
export const INDEX_SCAN = 200;
/** Index object calls one page makes at most (a step asks each of a day's K objects once). */
export const MAX_INDEX_CALLS = 8 * INDEX_WAYS;
/** Rounds of candidates one page hands to `check` (the shards) at most. */
export const MAX_CHECKS = 2;

export interface PageOptions<T> {
  /** Only events of this source (applied in the index). */
  source?: string;
  /** Only events received at or after this (unix seconds). */
  since?: number;
  limit: number;
  cursor?: ListCursor;
  /** The oldest day to read (the retention). */
  oldestDay: number;
  /**
   * Answers for a round of candidates (newest first) what to list for each, or undefined to
   * leave it out (the route and status filters, answered by the shards).
   */
  check: (candidates: ListedEvent[]) => Promise<Array<T | undefined>>;
  /**
   * Candidates per round of `check` (default: what the page still needs). More when `check`
   * leaves many out (a route or status filter), so a page reads further for the same calls.
   */
  candidates?: number;
  today?: number;
}

/** What a page cost: calls to index objects and rounds of `check`. */
export interface PageWork {
  indexCalls: number;
  checks: number;
}

/**
 * Up to `count` rows of the steps, newest first, taken from the front of each step's rows (which
 * are in position order), never one older than `frontier`: so what is taken of each sub-index is
 * a run of its positions, and a cursor can say where it stopped.
 */
function merge(
  steps: Array<{ k: number; rows: Array<ListedEvent & { pos: number; addedMs: number }> }>,
  frontier: number,
  count: number,
): Array<ListedEvent & { pos: number; k: number }> {
  const heads = steps.map(() => 0);
  const out: Array<ListedEvent & { pos: number; k: number }> = [];
  // Newer: a later second, else added later, else (the same request) the greater id.
  const newer = (
    a: ListedEvent & { addedMs: number },
    b: ListedEvent & { addedMs: number },
  ): boolean =>
    a.receivedAt !== b.receivedAt
      ? a.receivedAt > b.receivedAt
      : a.addedMs !== b.addedMs
        ? a.addedMs > b.addedMs
        : a.id > b.id;
  while (out.length < count) {
    let best: number | undefined;
    steps.forEach((step, i) => {
      const row = step.rows[heads[i] ?? 0];
      if (!row || row.receivedAt < frontier) return;
      const other = best === undefined ? undefined : steps[best]?.rows[heads[best] ?? 0];
      if (!other || newer(row, other)) best = i;
    });
    if (best === undefined) break;
    const step = steps[best];
    const row = step?.rows[heads[best] ?? 0];
    if (!step || !row) break;
    const { addedMs: _, ...listed } = row;
    out.push({ ...listed, k: step.k });
    heads[best] = (heads[best] ?? 0) + 1;
  }
  return out;
}

/**
 * A page of accepted events, newest first (to the second: rows are in the order they were added).
 * Each step reads at most `INDEX_SCAN` rows from each of the day's K index objects (in parallel),
 * keeps the rows no unread row can be newer than, and hands up to `limit` of them to `check`.
 * The work per page is bounded (`MAX_INDEX_CALLS`, `MAX_CHECKS`): a page may hold fewer than
 * `limit` events and still have a `next`, which resumes exactly where the reading stopped, so
 * every event is listed once.
 *
 * @example const page = await listPage(env, { limit: 50, oldestDay: dayOf(now) - 7, check: async (rows) => rows });
 */
export async function listPage<T>(
  env: Env,
  options: PageOptions<T>,
): Promise<{ items: T[]; next?: ListCursor; work: PageWork }> {
  const { limit, since, oldestDay } = options;
  const work: PageWork = { indexCalls: 0, checks: 0 };
  const items: T[] = [];
  let at = options.cursor ?? fresh(options.today ?? dayOf(Date.now() / 1000));
  while (at.day >= oldestDay) {
    const active = at.before.flatMap((before, k) => (before > 0 ? [k] : []));
    if (work.indexCalls + active.length > MAX_INDEX_CALLS || work.checks >= MAX_CHECKS) {
      return { items, next: at, work };
    }
    const want = limit - items.length;
    const day = at.day;
    const steps = await Promise.all(
      active.map(async (k) => {
        const step = await stub(env, day, k).scan(
          at.before[k] ?? 0,
          want,
          INDEX_SCAN,
          options.source,
        );
        // Rows older than `since` are not wanted, and neither is anything read after them.
        const rows = step.rows.filter((row) => since === undefined || row.receivedAt >= since);
        const past = since !== undefined && (step.last?.receivedAt ?? since) < since;
        return { k, ...step, rows, done: step.exhausted || past };
      }),
    );
    work.indexCalls += active.length;
    // A sub-index with more to read may still hold rows as new as the last it read: rows older
    // than the newest such point wait for a later step.
    const frontier = Math.max(
      -Infinity,
      ...steps.flatMap((step) => (step.done || !step.last ? [] : [step.last.receivedAt])),
    );
    const candidates = merge(steps, frontier, Math.max(want, options.candidates ?? 0));
    let taken = candidates.length;
    if (candidates.length > 0) {
      work.checks++;
      const answers = await options.check(
        candidates.map(({ receivedAt, id, source, name }) => ({ receivedAt, id, source, name })),
      );
      for (const [i, answer] of answers.entries()) {
        if (answer === undefined) continue;
        items.push(answer);
        if (items.length >= limit) {
          taken = i + 1;
          break;
        }
      }
    }
    const consumed = candidates.slice(0, taken);
    const before = [...at.before];
    for (const step of steps) {
      const mine = consumed.filter((row) => row.k === step.k);
      if (mine.length === step.rows.length) before[step.k] = step.done ? 0 : (step.last?.pos ?? 0);
      else if (mine.length > 0) before[step.k] = Math.min(...mine.map((row) => row.pos));
    }
    const dayDone = before.every((b) => b === 0);
    if (items.length >= limit) {
      const next = dayDone ? (day - 1 >= oldestDay ? fresh(day - 1) : undefined) : { day, before };
      return { items, ...(next ? { next } : {}), work };
    }
    at = dayDone ? fresh(day - 1) : { day, before };
  }
  return { items, work };
}
