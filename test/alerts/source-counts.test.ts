/**
 * The per-source counters of `GET /metrics`: kept by the event store's shards as events are
 * admitted (one row written per source per admit call), requests answered without an admission
 * counted where they are answered, and summed over the shards at scrape.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { countAdmitted, readCounts, sumCounts } from "../../src/store/counters.ts";
import type { EventStore } from "../../src/store/event-store.ts";
import { admitEvents } from "../../src/store/ops.ts";
import { baseEnv, testEnv, unique } from "../delivery/helpers.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";
import { counting } from "../store/count.ts";
import { scrape, send } from "./helpers.ts";

const shard = () =>
  baseEnv.EVENT_STORE.get(baseEnv.EVENT_STORE.idFromName(`test-${crypto.randomUUID()}`));
const inShard = <T>(work: (sql: SqlStorage, store: EventStore) => T | Promise<T>) =>
  runInDurableObject(shard(), (store, state) => work(state.storage.sql, store as EventStore));
const event = (key: string, source = "chatwoot") => ({
  key,
  source,
  name: "message_created",
  payload: "{}",
});
const options = { now: 1_800_000_000, dedupeSeconds: 86_400, repeatBefore: 0, maxRequeues: 10 };

describe("a shard's source counters", () => {
  it("count each admit call's request, new events and repeats, one row written per source", async () => {
    await inShard((sql) => {
      admitEvents(sql, 0, [event("a"), event("b"), event("a")], ["r"], {
        ...options,
        requests: 1,
      });
      admitEvents(sql, 0, [event("b"), event("c", "hoory")], ["r"], options);
      expect(readCounts(sql)).toEqual({
        chatwoot: { requests: 1, accepted: 2, duplicates: 2, answered: {} },
        hoory: { requests: 0, accepted: 1, duplicates: 0, answered: {} },
      });
      // What the counters add to an admit call: one statement and one row per source.
      const counted = counting(sql);
      countAdmitted(
        counted.sql,
        [event("d"), event("e")],
        [{ duplicate: false }, { duplicate: true }],
        1,
      );
      expect(counted.counts()).toMatchObject({ statements: 1, rowsWritten: 1 });
    });
  });

  it("count requests answered without an admission by status, and sum over shards", async () => {
    const [one, two] = await Promise.all(
      [shard(), shard()].map(async (stub, n) => {
        await stub.answered(n, "chatwoot", 401);
        await stub.answered(n, "chatwoot", 401);
        await stub.answered(n, "dotted", 200);
        return stub.counts();
      }),
    );
    expect(sumCounts([one ?? {}, two ?? {}])).toEqual({
      chatwoot: { requests: 0, accepted: 0, duplicates: 0, answered: { "401": 4 } },
      dotted: { requests: 0, accepted: 0, duplicates: 0, answered: { "200": 2 } },
    });
  });
});

describe("requests answered without an admission", () => {
  it("are counted as received and rejected by status, after the answer", async () => {
    const env = testEnv({
      ADMIN_TOKEN: "admin-token",
      ROUTES: JSON.stringify([
        { name: unique("r").slice(0, 20), sources: "*", url: "http://x.test", target: "dotted" },
      ]),
      WEBHOOK_SECRET_HOORY: "hoory-secret",
      // Fewer shards than the default 128: a scrape reads every one.
      STORE_SHARDS: "4",
    });
    const was = await scrape(env);
    const post = (source: string, body: string, headers: Record<string, string> = {}) =>
      send(env, `/webhooks/${source}`, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", ...headers },
      });
    expect((await post("chatwoot", "{not json")).status).toBe(400);
    expect((await post("chatwoot", "[]")).status).toBe(400);
    expect((await post("hoory", JSON.stringify(chatwootMessage))).status).toBe(401);
    expect((await post("nosuchsource", "{}")).status).toBe(404);
    const now = await scrape(env);
    const delta = (name: string, labels: Record<string, string>) =>
      now(name, labels) - was(name, labels);
    expect(delta("webhook_requests_rejected_total", { source: "chatwoot", code: "400" })).toBe(2);
    expect(delta("webhook_requests_rejected_total", { source: "hoory", code: "401" })).toBe(1);
    expect(delta("webhook_requests_received_total", { source: "chatwoot" })).toBe(2);
    expect(delta("webhook_requests_received_total", { source: "hoory" })).toBe(1);
    // An unknown source is not a label (it would grow without bound).
    expect(now("webhook_requests_received_total", { source: "nosuchsource" })).toBe(0);
  });
});
