/**
 * The listing index (src/store/event-index.ts, listing.ts): pages of events newest first across
 * a day's sub-indexes and across days, with a cursor, a source filter, bounded work per page,
 * and no scan.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env as bindings } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { LISTED_SQL, type ListedEvent } from "../../src/store/event-index.ts";
import {
  dayOf,
  decodeListCursor,
  encodeListCursor,
  INDEX_SCAN,
  INDEX_WAYS,
  type ListCursor,
  listAccepted,
  listPage,
  MAX_CHECKS,
  MAX_INDEX_CALLS,
} from "../../src/store/listing.ts";

const env = bindings as unknown as Env;
type Check = (rows: ListedEvent[]) => Promise<Array<ListedEvent | undefined>>;
const identity: Check = async (rows) => rows;
/** A day of its own (so other tests' rows are not in it), in the future (so its alarm does not drop it). */
const freshDay = () => 40_000 + Math.floor(Math.random() * 20_000);

/** Every page from the first until `next` is absent. */
async function everyPage(
  options: Omit<Parameters<typeof listPage<ListedEvent>>[1], "check" | "cursor">,
  check: Check = identity,
) {
  const seen: ListedEvent[] = [];
  const works = [];
  let cursor: ListCursor | undefined;
  do {
    const page = await listPage(env, { ...options, check, ...(cursor ? { cursor } : {}) });
    seen.push(...page.items);
    works.push(page.work);
    // The cursor survives its text form.
    cursor = page.next && decodeListCursor(encodeListCursor(page.next));
    expect(cursor).toEqual(page.next);
  } while (cursor);
  return { seen, works };
}

describe("the listing index", () => {
  it("pages every event once, newest first, across sub-indexes and days; filters by source", async () => {
    const base = freshDay() * 86_400;
    const rows = Array.from({ length: 60 }, (_, i) => ({
      shard: (i * 7) % 128,
      receivedAt: base + 86_400 - 1000 + i * 30, // the last 40 land on the next day
      id: `${(i * 7) % 128}.${i + 1}.0000000${i % 10}`,
      source: i % 3 === 0 ? "hoory" : "chatwoot",
      name: "message_created",
    }));
    for (let i = 0; i < rows.length; i += 10) await listAccepted(env, rows.slice(i, i + 10), 7);
    const today = dayOf(base) + 1;
    const { seen } = await everyPage({ limit: 7, oldestDay: dayOf(base), today });
    expect(seen.map((e) => e.id)).toEqual([...rows].reverse().map((r) => r.id));
    const hoory = await listPage(env, {
      source: "hoory",
      limit: 100,
      oldestDay: dayOf(base),
      today,
      check: identity,
    });
    expect(hoory.items.map((e) => e.id)).toEqual(
      [...rows]
        .reverse()
        .filter((r) => r.source === "hoory")
        .map((r) => r.id),
    );
    // `since` stops at the time asked, in the middle of a day.
    const since = base + 86_400 + 300;
    const recent = await everyPage({ since, limit: 5, oldestDay: dayOf(since), today });
    expect(recent.seen.map((e) => e.id)).toEqual(
      [...rows]
        .reverse()
        .filter((r) => r.receivedAt >= since)
        .map((r) => r.id),
    );
  });

  it("bounds the work of a page by a rare filter, and its cursor goes on where the reading stopped", async () => {
    const day = freshDay();
    const base = day * 86_400;
    // 14,000 events in one day (more than one page may read), 3 of a rare source, far apart.
    const rare = new Set([5, 7_000, 13_990]);
    const rows = Array.from({ length: 14_000 }, (_, i) => ({
      shard: i % 128,
      receivedAt: base + i,
      id: `${i % 128}.${i + 1}.00000000`,
      source: rare.has(i) ? "rare" : "chatwoot",
      name: "message_created",
    }));
    for (let i = 0; i < rows.length; i += 1000) await listAccepted(env, rows.slice(i, i + 1000), 7);
    const { seen, works } = await everyPage({
      source: "rare",
      limit: 10,
      oldestDay: day,
      today: day,
    });
    expect(seen.map((e) => e.id)).toEqual([13_990, 7_000, 5].map((i) => rows[i]?.id));
    // Every page stayed within its bounds, so it took several pages to read the day.
    for (const work of works) {
      expect(work.indexCalls).toBeLessThanOrEqual(MAX_INDEX_CALLS);
      expect(work.checks).toBeLessThanOrEqual(MAX_CHECKS);
    }
    expect(works.length).toBeGreaterThan(1);
    // Rows read per page: at most INDEX_SCAN per index call.
    expect(Math.max(...works.map((w) => w.indexCalls)) * INDEX_SCAN).toBeLessThanOrEqual(
      MAX_INDEX_CALLS * INDEX_SCAN,
    );

    // A check that leaves most candidates out (a route filter answered by the shards) is asked
    // at most MAX_CHECKS times per page, and every event it keeps is listed once.
    const kept: Check = async (rows) =>
      rows.map((row) => (row.id.startsWith("3.") ? row : undefined));
    const filtered = await everyPage(
      { limit: 20, candidates: 200, oldestDay: day, today: day },
      kept,
    );
    expect(filtered.seen.map((e) => e.id)).toEqual(
      [...rows]
        .reverse()
        .filter((r) => r.shard === 3)
        .map((r) => r.id),
    );
    for (const work of filtered.works) expect(work.checks).toBeLessThanOrEqual(MAX_CHECKS);
  }, 60_000);

  it("lists every event once when many share a second (ids in no order)", async () => {
    const day = freshDay();
    const rows = Array.from({ length: 300 }, (_, i) => ({
      shard: i % 16,
      receivedAt: day * 86_400 + 5,
      id: `${i % 16}.${crypto.randomUUID().slice(0, 8)}`,
      source: "chatwoot",
      name: "x",
    }));
    await listAccepted(env, rows, 7);
    const half: Check = async (page) => page.map((row, i) => (i % 2 === 0 ? row : undefined));
    for (const check of [identity, half]) {
      const { seen } = await everyPage({ limit: 7, oldestDay: day, today: day }, check);
      const ids = seen.map((e) => e.id);
      expect(new Set(ids).size).toBe(ids.length);
      if (check === identity) expect(new Set(ids)).toEqual(new Set(rows.map((r) => r.id)));
    }
  });

  it("reads a page by position (no scan of the day's rows)", async () => {
    const stub = env.EVENT_INDEX.get(env.EVENT_INDEX.idFromName("test-plan"));
    const row = { receivedAt: 1, id: "0.1.00000000", source: "chatwoot", name: "x" };
    await stub.add([row], Date.UTC(2100, 0, 1));
    const plan = await runInDurableObject(stub, (_, state) =>
      state.storage.sql
        .exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${LISTED_SQL.before}`, 1, 1)
        .toArray()
        .map((row) => row.detail),
    );
    expect(plan.join("\n")).toMatch(/SEARCH listed USING INTEGER PRIMARY KEY/);
  });

  it("drops a day whole when its alarm comes (past retention)", async () => {
    const day = freshDay();
    const row = {
      shard: 3,
      receivedAt: day * 86_400,
      id: "3.1.00000000",
      source: "chatwoot",
      name: "x",
    };
    await listAccepted(env, [row], 7);
    const read = () => listPage(env, { limit: 10, oldestDay: day, today: day, check: identity });
    expect((await read()).items).toHaveLength(1);
    const stub = env.EVENT_INDEX.get(env.EVENT_INDEX.idFromName(`index-${day}-${3 % INDEX_WAYS}`));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await read()).items).toEqual([]);
  });

  it("refuses a cursor that is not one", () => {
    for (const text of ["nope", btoa("[1,2]"), btoa(JSON.stringify(Array(9).fill(0.5)))]) {
      expect(decodeListCursor(text)).toBeUndefined();
    }
  });
});
