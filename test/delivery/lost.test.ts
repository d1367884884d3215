/**
 * Messages that keep vanishing, and deliveries that wait longer than the retention, over the real
 * local event store shards, D1 (dead letters) and queue: the sweep queues a lost message again, waits longer after each further
 * loss in a row, and dead-letters the delivery after `MAX_REQUEUES` + 1 losses, so it ends
 * delivered or dead-lettered, never re-queued forever; the consumer handling the delivery starts
 * the count again. Pruning keeps what is not settled.
 */
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { sweep } from "../../src/enqueue/sweep.ts";
import { PRUNE_EVERY_SECONDS } from "../../src/store/event-store.ts";
import {
  getDeliveryState,
  getEvent,
  MAX_REQUEUES,
  OVERDUE_GRACE_SECONDS,
  parseEventId,
  shardStub,
} from "../../src/store/index.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";
import { setDelivery, setEvent } from "../store/rows.ts";
import { call, consume, destination, received, testEnv, unique } from "./helpers.ts";
import { storedNotQueued } from "./outbox.ts";

const now = () => Math.floor(Date.now() / 1000);

/** Its last message was queued `ago` seconds ago (and, the test says, lost; nothing since). */
async function dueAgo(env: Env, eventId: string, ago: number) {
  await setDelivery(env, eventId, { due_at: now() - ago, updated_at: now() - ago });
}

/** The event's shard, for a sweep of that shard only. */
const shardOf = (eventId: string) => [parseEventId(eventId)?.shard ?? -1];

/** Whether a sweep (as after a restart: busy consumer or not) takes this event's delivery. */
async function sweptNow(env: Env, eventId: string) {
  const { requeued, buried } = await sweep(env, {
    restart: true,
    limit: 1000,
    shards: shardOf(eventId),
  });
  return {
    requeued: requeued.some((r) => r.eventId === eventId),
    buried: buried.some((r) => r.eventId === eventId),
  };
}

/** How long past its due time a delivery already queued again `n` times must be to be taken. */
const waitAfter = (n: number) =>
  OVERDUE_GRACE_SECONDS + Math.min(OVERDUE_GRACE_SECONDS * (2 ** n - 1), 3600);

describe("a delivery whose message keeps vanishing", () => {
  it("is queued again later each time, then dead-lettered with the reason", async () => {
    const dest = destination("200");
    const env = testEnv({
      TARGET_FORMAT: "dotted",
      DESTINATION_URL: dest.url,
      ADMIN_TOKEN: "admin-token",
    });
    const eventId = await storedNotQueued(env);
    for (let n = 0; n < MAX_REQUEUES; n++) {
      // Not yet: a message lost n times before gets more time (2 s short of it here).
      await dueAgo(env, eventId, waitAfter(n) - 2);
      expect(await sweptNow(env, eventId)).toEqual({ requeued: false, buried: false });
      await dueAgo(env, eventId, waitAfter(n));
      expect(await sweptNow(env, eventId)).toEqual({ requeued: true, buried: false });
      expect(await getDeliveryState(env, eventId, "default")).toMatchObject({
        status: "queued",
        requeues: n + 1,
      });
    }
    // Lost once more: dead-lettered, not queued again.
    await dueAgo(env, eventId, waitAfter(MAX_REQUEUES));
    expect(await sweptNow(env, eventId)).toEqual({ requeued: true, buried: true });
    const state = await getDeliveryState(env, eventId, "default");
    expect(state?.status).toBe("dead");
    expect(state?.lastError).toContain(`lost ${MAX_REQUEUES + 1} times in a row`);
    const letters = await call(env, "/deadletters?limit=100", {
      headers: { Authorization: "Bearer admin-token" },
    });
    const { deadLetters } = (await letters.json()) as {
      deadLetters: Array<{ eventId: string; route: string; target?: string; lastError: string }>;
    };
    const letter = deadLetters.find((l) => l.eventId === eventId);
    expect(letter).toMatchObject({ route: "default", target: "dotted" });
    expect(letter?.lastError).toContain("replay it once the cause is fixed");
    // Settled: later sweeps leave it; a late copy of its message sends nothing.
    await dueAgo(env, eventId, 10 * 3600);
    expect(await sweptNow(env, eventId)).toEqual({ requeued: false, buried: false });
    await consume(env, [{ v: 1, event: eventId, route: "default" }]);
    expect(await received(dest.key)).toHaveLength(0);
  });

  it("starts counting again once the consumer handles it", async () => {
    const dest = destination("503");
    const env = testEnv({ TARGET_FORMAT: "dotted", DESTINATION_URL: dest.url });
    const eventId = await storedNotQueued(env);
    for (let n = 0; n < 3; n++) {
      await dueAgo(env, eventId, waitAfter(n));
      expect((await sweptNow(env, eventId)).requeued).toBe(true);
    }
    expect((await getDeliveryState(env, eventId, "default"))?.requeues).toBe(3);
    // The third copy arrives: an attempt is made (503), the retry scheduled.
    await consume(env, [{ v: 1, event: eventId, route: "default" }]);
    expect(await getDeliveryState(env, eventId, "default")).toMatchObject({
      status: "retrying",
      requeues: 0,
    });
    expect(await received(dest.key)).toHaveLength(1);

    // Any other write since the last claim (say, an ordered route parking the delivery behind
    // another of its conversation) also means it was handled: the next claim counts from 1.
    for (let n = 0; n < 3; n++) {
      await dueAgo(env, eventId, waitAfter(n));
      expect((await sweptNow(env, eventId)).requeued).toBe(true);
    }
    await setDelivery(env, eventId, {
      due_at: now() - waitAfter(0),
      updated_at: now() - waitAfter(0) - 1,
    });
    expect((await sweptNow(env, eventId)).requeued).toBe(true);
    expect((await getDeliveryState(env, eventId, "default"))?.requeues).toBe(1);
  });

  it("a sender's repeat leaves a delivery at the cap to the sweep", async () => {
    const env = testEnv({ TARGET_FORMAT: "dotted", DESTINATION_URL: destination("200").url });
    const delivery = unique();
    const response = await call(env, "/webhooks/chatwoot", {
      text: JSON.stringify(chatwootMessage),
      headers: { "X-Chatwoot-Delivery": delivery },
    });
    const [eventId] = ((await response.json()) as { accepted: string[] }).accepted;
    await setDelivery(env, eventId ?? "", {
      requeues: MAX_REQUEUES,
      due_at: now() - 3600,
      updated_at: now() - 3600,
    });
    const repeat = await call(env, "/webhooks/chatwoot", {
      text: JSON.stringify(chatwootMessage),
      headers: { "X-Chatwoot-Delivery": delivery },
    });
    expect(repeat.status).toBe(200);
    expect((await getDeliveryState(env, eventId ?? "", "default"))?.requeues).toBe(MAX_REQUEUES);
  });
});

describe("pruning", () => {
  it("keeps a delivery held past the retention, and its event, until it is settled", async () => {
    const env = testEnv({ TARGET_FORMAT: "dotted", DESTINATION_URL: destination("200").url });
    const held = await storedNotQueued(env);
    const done = await storedNotQueued(env);
    // Received eight days ago (the retention is seven); one held by a paused route since then.
    const eightDaysAgo = now() - 8 * 24 * 3600;
    for (const [id, status] of [
      [held, "paused"],
      [done, "delivered"],
    ] as const) {
      await setDelivery(env, id, { status, updated_at: eightDaysAgo });
      await setEvent(env, id, { received_at: eightDaysAgo });
    }
    // Each shard's alarm prunes what is due, hourly (its housekeeping, run here an hour on).
    for (const id of [held, done])
      await shardStub(env, shardOf(id)[0] ?? 0).housekeeping(now() + PRUNE_EVERY_SECONDS + 1);
    expect((await getDeliveryState(env, held, "default"))?.status).toBe("paused");
    expect(await getEvent(env, held)).toBeDefined();
    expect(await getDeliveryState(env, done, "default")).toBeUndefined();
    expect(await getEvent(env, done)).toBeUndefined();
  });
});

describe("held deliveries of a route removed while paused", () => {
  /** An event held for the simple configuration's route `default` (paused, message acked). */
  async function held(env: Env) {
    const eventId = await storedNotQueued(env);
    await setDelivery(env, eventId, { status: "paused" });
    return eventId;
  }

  it("are dead-lettered, naming the missing route, instead of held forever", async () => {
    const dest = destination("200");
    const before = testEnv({ TARGET_FORMAT: "dotted", DESTINATION_URL: dest.url });
    const eventId = await held(before);
    // While the route exists, its held deliveries are its pause's business.
    const shards = shardOf(eventId);
    expect(
      (await sweep(before, { restart: true, limit: 1000, shards })).requeued,
    ).not.toContainEqual({
      eventId,
      route: "default",
    });
    // The route is gone (another one replaces it): the sweep queues the held delivery...
    const after = testEnv({
      ADMIN_TOKEN: "admin-token",
      ROUTES: [{ name: "other", sources: "*", target: "dotted", url: dest.url }],
    });
    expect((await sweep(after, { restart: true, limit: 1000, shards })).requeued).toContainEqual({
      eventId,
      route: "default",
    });
    // ...and the consumer dead-letters it, visible and replayable.
    await consume(after, [{ v: 1, event: eventId, route: "default" }]);
    const state = await getDeliveryState(after, eventId, "default");
    expect(state?.status).toBe("dead");
    expect(state?.lastError).toContain('route "default" is no longer configured');
    expect(await received(dest.key)).toHaveLength(0);
  });

  it("stay held while the configuration is broken (it names no route)", async () => {
    const env = testEnv({ TARGET_FORMAT: "dotted", DESTINATION_URL: "https://example.com/hook" });
    const eventId = await held(env);
    const broken = testEnv({ ROUTES: "nope" });
    await sweep(broken, { restart: true, limit: 1000, shards: shardOf(eventId) });
    expect((await getDeliveryState(env, eventId, "default"))?.status).toBe("paused");
  });
});
