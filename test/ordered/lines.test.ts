/**
 * An ordered route's conversation lines (src/coordinate/lines.ts, lineup.ts): spread over several
 * objects by conversation, and what one waiting event costs its object does not grow with the
 * backlog (counted with the storage API's own row counters, in the Workers runtime).
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { LINE_SHARDS, lineShard, linesOf } from "../../src/coordinate/lines.ts";
import { append, settle, turn } from "../../src/coordinate/lineup.ts";
import { baseEnv, unique } from "../delivery/helpers.ts";
import { counting } from "../store/count.ts";

/**
 * Rows read by one waiting event's life (lined up, asked for its turn while another is ahead,
 * then head, settled) in a line object already holding `backlog` events of 10 conversations.
 */
async function rowsPerWaitingEvent(backlog: number): Promise<number> {
  const stub = linesOf(baseEnv, unique("r").slice(0, 20), "c");
  return runInDurableObject(stub, async (_, state) => {
    const raw = state.storage.sql;
    const conversations = Array.from({ length: 10 }, (_, i) => `chatwoot:1:${i}`);
    append(
      raw,
      Array.from({ length: backlog }, (_, i) => ({
        event: `e${i}`,
        conversation: conversations[i % 10] as string,
      })),
    );
    const { sql, counts } = counting(raw);
    const item = { event: "late", conversation: "chatwoot:1:3" };
    append(sql, [item]);
    turn(sql, item);
    // Everything ahead of it in its conversation settles, then it does.
    for (let i = 3; i < backlog; i += 10) settle(raw, `e${i}`);
    turn(sql, item);
    settle(sql, "late");
    return counts().rowsRead;
  });
}

describe("ordered lines", () => {
  it("reads the same rows per waiting event at a backlog of 10, 40 and 400", async () => {
    const small = await rowsPerWaitingEvent(10);
    const large = await rowsPerWaitingEvent(40);
    const huge = await rowsPerWaitingEvent(400);
    expect(large).toBe(small);
    expect(huge).toBe(small);
    expect(small).toBeLessThanOrEqual(12);
  });

  it("spreads a route's conversations over its line objects", () => {
    const used = new Set(Array.from({ length: 1000 }, (_, i) => lineShard(`chatwoot:1:${i}`)));
    expect(used.size).toBe(LINE_SHARDS);
    // A conversation always lands in the same object.
    expect(lineShard("chatwoot:1:207")).toBe(lineShard("chatwoot:1:207"));
  });
});
