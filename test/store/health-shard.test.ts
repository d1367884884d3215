/**
 * `GET /health` reads shard 0 (src/config/health.ts). It must leave that shard as it was: a
 * numbered shard made `shard-legacy` would name its events by their tag alone in its alarm's
 * sweep, and the consumer would drop those messages as naming no event.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { nowSeconds } from "../../src/storage/db.ts";
import { shardStub } from "../../src/store/calls.ts";
import { adminHealth, testEnv } from "../delivery/helpers.ts";

describe("the store's health check", () => {
  it("leaves shard 0 a numbered shard, and a row-0 lookup there finds nothing", async () => {
    const env = testEnv();
    const stub = shardStub(env, 0);
    const now = nowSeconds();
    const [admitted] = await stub.admit(
      0,
      [{ key: `health-${crypto.randomUUID()}`, source: "chatwoot", name: "m", payload: "{}" }],
      ["r"],
      { now, dedupeSeconds: 86_400, repeatBefore: now - 20, maxRequeues: 10 },
    );
    expect(admitted?.id).toMatch(/^0\.\d+\.[0-9a-f]{8}$/);
    expect((await adminHealth(env)).status).toBe(200);
    // What the check asked before: row 0, a D1-store id's lookup.
    expect(await stub.event(0, 0, "00000000")).toBeUndefined();
    const state = await runInDurableObject(stub, (_, s) => ({
      shard: s.storage.kv.get("shard"),
      tagIndex: s.storage.sql
        .exec("SELECT name FROM sqlite_master WHERE name = 'events_tag'")
        .toArray().length,
    }));
    expect(state).toEqual({ shard: 0, tagIndex: 0 });
  });
});
