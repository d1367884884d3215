/**
 * The listing index (src/store/event-index.ts, listing.ts): pages of events newest first across
 * a day's sub-indexes and across days, with a cursor, a source filter, and no scan.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env as bindings } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import type { ListedEvent } from "../../src/store/event-index.ts";
import { dayOf, type ListCursor, listAccepted, listPage } from "../../src/store/listing.ts";

const env = bindings as unknown as Env;

describe("the listing index", () => {
  it("pages every event once, newest first, across sub-indexes and days; filters by source", async () => {
    // A day of its own, so other tests' rows are not in it; in the future, so that the index's
    // alarm (which drops a day past retention) does not fire while the test reads it.
    const base = (40_000 + Math.floor(Math.random() * 10_000)) * 86_400;
    const rows = Array.from({ length: 60 }, (_, i) => ({
      shard: (i * 7) % 128,
      receivedAt: base + 86_400 - 1000 + i * 30, // the last 40 land on the next day
      id: `${(i * 7) % 128}.${i + 1}.0000000${i % 10}`,
      source: i % 3 === 0 ? "hoory" : "chatwoot",
      name: "message_created",
    }));
    for (let i = 0; i < rows.length; i += 10) await listAccepted(env, rows.slice(i, i + 10), 7);
    const today = dayOf(base) + 1;
    const seen: ListedEvent[] = [];
    let cursor: ListCursor | undefined;
    do {
      const page = await listPage(env, {}, 7, cursor, dayOf(base), today);
      seen.push(...page.items);
      cursor = page.next;
    } while (cursor);
    expect(seen.map((e) => e.id)).toEqual([...rows].reverse().map((r) => r.id));
    const hoory = await listPage(env, { source: "hoory" }, 100, undefined, dayOf(base), today);
    expect(hoory.items.map((e) => e.id)).toEqual(
      [...rows]
        .reverse()
        .filter((r) => r.source === "hoory")
        .map((r) => r.id),
    );
  });

  it("reads a page by position (no scan of the day's rows)", async () => {
    const stub = env.EVENT_INDEX.get(env.EVENT_INDEX.idFromName("test-plan"));
    const row = { receivedAt: 1, id: "0.1.00000000", source: "chatwoot", name: "x" };
    await stub.add([row], Date.UTC(2100, 0, 1));
    const plan = await runInDurableObject(stub, (_, state) =>
      state.storage.sql
        .exec<{ detail: string }>(
          "EXPLAIN QUERY PLAN SELECT * FROM listed WHERE pos < ?1 ORDER BY pos DESC LIMIT ?2",
          1,
          1,
        )
        .toArray()
        .map((row) => row.detail),
    );
    expect(plan.join("\n")).toMatch(/SEARCH listed USING INTEGER PRIMARY KEY/);
  });

  it("drops a day whole when its alarm comes (past retention)", async () => {
    const day = 45_000 + Math.floor(Math.random() * 10_000);
    const row = {
      shard: 3,
      receivedAt: day * 86_400,
      id: "3.1.00000000",
      source: "chatwoot",
      name: "x",
    };
    await listAccepted(env, [row], 7);
    const read = () => listPage(env, {}, 10, undefined, day, day);
    expect((await read()).items).toHaveLength(1);
    const stub = env.EVENT_INDEX.get(env.EVENT_INDEX.idFromName(`index-${day}-3`));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await read()).items).toEqual([]);
  });
});
