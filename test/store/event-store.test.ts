/**
 * One shard of the event store (src/store): admission with the 24-hour dedupe, the consumer's
 * bookkeeping, the sweep and the prune, in a real local SQLite-backed Durable Object. Rows
 * written are the storage API's own counts.
 */
import { runInDurableObject } from "cloudflare:test";
import { env as bindings } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import type { EventStore } from "../../src/store/event-store.ts";
import { claimDueIn, pruneIn } from "../../src/store/housekeeping.ts";
import { admitEvents, beginDelivery, eraseIn, settleDelivery } from "../../src/store/ops.ts";
import { parseEventId } from "../../src/store/shard.ts";
import chatwoot from "../fixtures/chatwoot/message-created-incoming/source.json";
import { counting } from "./count.ts";
import { admitOptions, DAY, seqOf } from "./rows.ts";

const env = bindings as unknown as Env;
const payload = JSON.stringify(chatwoot);
const fresh = () => env.EVENT_STORE.get(env.EVENT_STORE.idFromName(`test-${crypto.randomUUID()}`));
const event = (key: string) => ({ key, source: "chatwoot", name: "message_created", payload });
const options = admitOptions;

/** Runs `work` inside a fresh shard with its SqlStorage. */
const inShard = <T>(work: (sql: SqlStorage, store: EventStore) => T | Promise<T>) =>
  runInDurableObject(fresh(), (store, state) => work(state.storage.sql, store as EventStore));

describe("a shard admits events", () => {
  it("once per key in 24 hours, the same key twice in one call included; a repeat names the first", async () => {
    await inShard((sql) => {
      const now = 1_800_000_000;
      const [a, b, c] = admitEvents(
        sql,
        5,
        [event("k1"), event("k2"), event("k1")],
        ["r"],
        options(now),
      );
      expect(a).toMatchObject({ duplicate: false });
      expect(b).toMatchObject({ duplicate: false });
      expect(c).toMatchObject({ duplicate: true, id: a?.id });
      expect(parseEventId(a?.id ?? "")?.shard).toBe(5);
      // Still a repeat just before 24 hours; a new event after.
      const [later] = admitEvents(sql, 5, [event("k1")], ["r"], options(now + DAY - 1));
      expect(later).toMatchObject({ duplicate: true, id: a?.id });
      const [next] = admitEvents(sql, 5, [event("k1")], ["r"], options(now + DAY));
      expect(next?.duplicate).toBe(false);
      expect(next?.id).not.toBe(a?.id);
    });
  });

  it("writes the event and one queued delivery per route", async () => {
    await inShard((sql) => {
      const now = 1_800_000_000;
      const [a] = admitEvents(sql, 0, [event("k")], ["crm", "bot"], options(now));
      const seq = seqOf(a?.id ?? "");
      const crm = beginDelivery(sql, 0, seq, parseEventId(a?.id ?? "")?.tag ?? "", "crm");
      expect(crm.event).toMatchObject({ id: a?.id, source: "chatwoot", payload });
      expect(crm.delivery).toMatchObject({ status: "queued", attempts: 0, dueAt: now });
      // A wrong tag is another event: nothing.
      expect(beginDelivery(sql, 0, seq, "00000000", "crm").event).toBeUndefined();
    });
  });

  it("costs at most 10 rows written per plain event from request to prune, 20 with three routes", async () => {
    for (const [routes, most] of [
      [["r"], 10],
      [["a", "b", "c"], 20],
    ] as const) {
      await inShard((raw) => {
        const { sql, counts } = counting(raw);
        const now = 1_800_000_000;
        const [a] = admitEvents(sql, 0, [event(`k${routes.length}`)], [...routes], options(now));
        const seq = seqOf(a?.id ?? "");
        for (const route of routes) {
          const outcome = { status: "delivered" as const, attempts: 1, lastStatus: 200 };
          settleDelivery(sql, seq, route, { outcome, failures: [] }, now + 1);
        }
        expect(pruneIn(sql, now + 8 * DAY, 100).events).toBe(1);
        // The listing index adds one row per event (docs/store.md): counted here too.
        const written = counts().rowsWritten + 1;
        expect(written).toBeLessThanOrEqual(most);
        // The event, its key and each delivery row are written at least once: the count is real.
        expect(written).toBeGreaterThanOrEqual(3 + 2 * routes.length);
      });
    }
  });
});

describe("the consumer's bookkeeping", () => {
  it("keeps the settled attempt on the delivery row and an attempts row only for failures", async () => {
    await inShard((sql) => {
      const now = 1_800_000_000;
      const [a] = admitEvents(sql, 0, [event("k")], ["r"], options(now));
      const ref = parseEventId(a?.id ?? "");
      if (!ref) throw new Error("no id");
      const failure = {
        webhookId: "msg_1",
        attempt: 1,
        status: 503,
        error: "HTTP 503",
        latencyMs: 5,
        at: now,
      };
      settleDelivery(
        sql,
        ref.seq,
        "r",
        {
          outcome: {
            status: "retrying",
            attempts: 1,
            lastStatus: 503,
            lastError: "HTTP 503",
            dueAt: now + 10,
          },
          failures: [failure],
        },
        now,
      );
      settleDelivery(
        sql,
        ref.seq,
        "r",
        { outcome: { status: "delivered", attempts: 2, lastStatus: 200 }, failures: [] },
        now + 10,
      );
      expect(beginDelivery(sql, 0, ref.seq, ref.tag, "r").delivery).toMatchObject({
        status: "delivered",
        attempts: 2,
        lastStatus: 200,
        deliveredAt: now + 10,
      });
      expect(sql.exec("SELECT COUNT(*) AS n FROM attempts").one().n).toBe(1);
    });
  });
});

describe("housekeeping", () => {
  it("the sweep claims only pending deliveries past their due time, and a repeat re-queues an overdue one", async () => {
    await inShard((sql) => {
      const now = 1_800_000_000;
      const [lost, done] = admitEvents(sql, 0, [event("lost"), event("done")], ["r"], options(now));
      settleDelivery(
        sql,
        seqOf(done?.id ?? ""),
        "r",
        { outcome: { status: "delivered" }, failures: [] },
        now,
      );
      const cutoffs = (at: number) => ({
        now: at,
        before: at - 20,
        backoffSeconds: 20,
        backoffCapSeconds: 3600,
      });
      expect(claimDueIn(sql, cutoffs(now + 5), 100)).toEqual([]);
      expect(claimDueIn(sql, cutoffs(now + 30), 100)).toEqual([
        { seq: seqOf(lost?.id ?? ""), route: "r", requeues: 1 },
      ]);
      // A sender's repeat later finds it overdue again and queues it (counted as one more loss).
      const [repeat] = admitEvents(sql, 0, [event("lost")], ["r"], options(now + 60));
      expect(repeat).toMatchObject({ duplicate: true, requeued: [{ route: "r", requeues: 2 }] });
    });
  });

  it("the prune keeps events past retention while a delivery of theirs is pending, and stops at the first event not due", async () => {
    await inShard((sql) => {
      const now = 1_800_000_000;
      const [held, gone] = admitEvents(sql, 0, [event("held"), event("gone")], ["r"], options(now));
      settleDelivery(
        sql,
        seqOf(gone?.id ?? ""),
        "r",
        { outcome: { status: "delivered" }, failures: [] },
        now,
      );
      admitEvents(sql, 0, [event("young")], ["r"], options(now + 7 * DAY));
      const result = pruneIn(sql, now + DAY, 100);
      expect(result).toMatchObject({ events: 1, kept: 1 });
      expect(sql.exec("SELECT COUNT(*) AS n FROM events").one().n).toBe(2);
      expect(
        beginDelivery(sql, 0, seqOf(held?.id ?? ""), parseEventId(held?.id ?? "")?.tag ?? "", "r")
          .delivery?.status,
      ).toBe("queued");
    });
  });

  it("runs from the object: its housekeeping re-queues a lost delivery on the real queue binding", async () => {
    const stub = fresh();
    const now = Math.floor(Date.now() / 1000);
    const [a] = await stub.admit(9, [event(`k-${crypto.randomUUID()}`)], ["r"], options(now - 60));
    const result = await stub.housekeeping(now);
    expect(result.sent).toBe(1);
    const ref = parseEventId(a?.id ?? "");
    const state = await stub.begin(9, ref?.seq ?? 0, ref?.tag ?? "", "r");
    expect(state.delivery).toMatchObject({ status: "queued", requeues: 1, dueAt: now });
  });
});

describe("erasure (DELETE /events/:id on the shards)", () => {
  it("drops the payload, settles what was not delivered as erased, keeps that it existed; the prune then takes it", async () => {
    await inShard((sql) => {
      const now = 1_800_000_000;
      const [a] = admitEvents(sql, 0, [event("erase-me")], ["done", "todo"], options(now));
      const ref = parseEventId(a?.id ?? "");
      if (!ref) throw new Error("no id");
      settleDelivery(sql, ref.seq, "done", { outcome: { status: "delivered" }, failures: [] }, now);
      expect(eraseIn(sql, ref.seq, "00000000")).toBeUndefined();
      expect(eraseIn(sql, ref.seq, ref.tag)).toEqual({
        source: "chatwoot",
        name: "message_created",
        receivedAt: now,
      });
      const done = beginDelivery(sql, 0, ref.seq, ref.tag, "done");
      const todo = beginDelivery(sql, 0, ref.seq, ref.tag, "todo");
      expect(done.event?.payload).toBe("null");
      expect(done.delivery?.status).toBe("delivered");
      expect(todo.delivery?.status).toBe("erased");
      expect(pruneIn(sql, now + 8 * DAY, 100)).toMatchObject({ events: 1, kept: 0 });
    });
  });
});
