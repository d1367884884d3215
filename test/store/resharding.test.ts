/**
 * Re-sharding is safe (docs/store.md): after STORE_SHARDS changes, a repeat of an event accepted
 * before the change is still a repeat for 24 hours, and events stay where their ids say.
 */
import { env as bindings } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { admitAll, findEvent, shardOf } from "../../src/store/index.ts";

const base = bindings as unknown as Env;
const now = () => Math.floor(Date.now() / 1000);
const options = () => ({
  now: now(),
  dedupeSeconds: 86_400,
  repeatBefore: now() - 20,
  maxRequeues: 10,
});
const events = (keys: string[]) =>
  keys.map((key) => ({
    key,
    source: "chatwoot",
    name: "message_created",
    payload: `{"k":"${key}"}`,
  }));

describe("changing the shard count", { timeout: 60_000 }, () => {
  const keys = Array.from({ length: 30 }, (_, i) => `reshard:${crypto.randomUUID()}:${i}`);
  const moved = keys.filter((key) => shardOf(key, 3) !== shardOf(key, 7));

  it("keeps repeats of events accepted before the change for 24 hours, and finds those events", async () => {
    expect(moved.length).toBeGreaterThan(0);
    const before = await admitAll({ ...base, STORE_SHARDS: "3" }, events(keys), ["r"], options());
    expect(before.every((a) => !a.duplicate)).toBe(true);
    const after = {
      ...base,
      STORE_SHARDS: "7",
      STORE_SHARDS_PREVIOUS: "3",
      STORE_SHARDS_CHANGED_AT: new Date().toISOString(),
    };
    const again = await admitAll(after, events(keys), ["r"], options());
    expect(again.map((a) => [a.id, a.duplicate])).toEqual(before.map((a) => [a.id, true]));
    // Each event is found by its id, whatever the shard count is now.
    for (const admission of before) {
      expect((await findEvent(after, admission.id))?.id).toBe(admission.id);
    }
    const [fresh] = await admitAll(
      after,
      events([`reshard:${crypto.randomUUID()}`]),
      ["r"],
      options(),
    );
    expect(fresh?.duplicate).toBe(false);
  });

  it("without the previous count (or 24 hours after the change), a moved key is no longer a repeat", async () => {
    const [key] = moved;
    const stale = {
      ...base,
      STORE_SHARDS: "7",
      STORE_SHARDS_PREVIOUS: "3",
      STORE_SHARDS_CHANGED_AT: new Date(Date.now() - 25 * 3_600_000).toISOString(),
    };
    const [late] = await admitAll(stale, events([key ?? ""]), ["r"], options());
    expect(late?.duplicate).toBe(false);
  });
});
