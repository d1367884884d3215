/**
 * Lines kept by a route's gate before the upgrade (the `lineup` table of its RouteGate) move to
 * the route's line objects in their order before any new event is lined up (handover.ts), and
 * the turn passes along them as it did before.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { linesReady } from "../../src/coordinate/handover.ts";
import { gateOf } from "../../src/coordinate/index.ts";
import { linesOf } from "../../src/coordinate/lines.ts";
import { createLineup } from "../../src/coordinate/lineup.ts";
import { baseEnv, unique } from "../delivery/helpers.ts";

const tableOf = (sql: SqlStorage) =>
  sql.exec("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'lineup'").toArray();

describe("ordered lines from before the upgrade", () => {
  it("are moved from the gate in order: the old head goes first, a new event goes last", async () => {
    const route = unique("up").slice(0, 20);
    // 1,200 events (more than a page) in 40 conversations, as the old gate kept them.
    const old = Array.from({ length: 1200 }, (_, i) => ({
      event: `old-${i}`,
      conversation: `hoory:1:${i % 40}`,
    }));
    await runInDurableObject(gateOf(baseEnv, route), async (_, state) => {
      createLineup(state.storage.sql);
      for (const item of old)
        state.storage.sql.exec(
          "INSERT INTO lineup (conversation, event, at) VALUES (?, ?, ?)",
          item.conversation,
          item.event,
          1000,
        );
    });

    // A new event of conversation 7 asks for its turn (as the consumer does, after linesReady):
    // the old head of 7 is ahead of it.
    const fresh = { event: "new-7", conversation: "hoory:1:7" };
    await linesReady(baseEnv, route);
    const lines = linesOf(baseEnv, route, fresh.conversation);
    expect((await lines.turn(fresh)).head).toBe("old-7");

    // Every old line is there, in its order, with the new event last.
    const order: string[] = [];
    let head = "old-7";
    for (;;) {
      order.push(head);
      const { next } = await lines.settle(head);
      if (!next) break;
      head = next;
    }
    expect(order).toEqual([
      ...old.filter((item) => item.conversation === fresh.conversation).map((item) => item.event),
      "new-7",
    ]);

    // The gate's table is gone.
    await runInDurableObject(gateOf(baseEnv, route), async (_, state) => {
      expect(tableOf(state.storage.sql)).toEqual([]);
    });
  });

  it("leaves a route with no old lines as it was", async () => {
    const route = unique("fresh").slice(0, 20);
    expect(await gateOf(baseEnv, route).handOverLines(route)).toBe(0);
    await linesReady(baseEnv, route);
    const item = { event: "e1", conversation: "hoory:1:1" };
    expect((await linesOf(baseEnv, route, item.conversation).turn(item)).head).toBe("e1");
  });
});
