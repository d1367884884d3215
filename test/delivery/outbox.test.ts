/**
 * The outbox: every accepted event has a delivery row per route; a delivery whose message was
 * lost (the Worker died between storing and queueing, a local queue dropped by a restart) is
 * queued again by the sweep or by the sender's repeat, and extra copies never re-send. Real local
 * event store shards, D1 and queue; the consumer is driven with createMessageBatch (helpers.ts).
 */
import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { sweep } from "../../src/enqueue/sweep.ts";
import worker from "../../src/index.ts";
import {
  getDeliveryState,
  OVERDUE_GRACE_SECONDS,
  parseEventId,
  resumeDeliveries,
} from "../../src/store/index.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";
import documentMessage from "../fixtures/chatwoot/message-created-incoming-document/source.json";
import { setDelivery } from "../store/rows.ts";
import { call, consume, destination, received, retryIsDue, testEnv, unique } from "./helpers.ts";
import { recordingQueue, storedNotQueued } from "./outbox.ts";

const chatwootText = JSON.stringify(chatwootMessage);
const now = () => Math.floor(Date.now() / 1000);

const simple = (url: string, vars: Record<string, unknown> = {}) =>
  testEnv({ TARGET_FORMAT: "dotted", DESTINATION_URL: url, ADMIN_TOKEN: "admin-token", ...vars });

async function post(env: Env, delivery = unique()) {
  return call(env, "/webhooks/chatwoot", {
    text: chatwootText,
    headers: { "X-Chatwoot-Delivery": delivery },
  });
}

/** As if the delivery's message had been lost long ago: due an hour before now. */
async function strand(env: Env, eventId: string) {
  await setDelivery(env, eventId, { due_at: now() - 3600 });
}

/** The event's shard, for a sweep of that shard only. */
const shardOf = (eventId: string) => [parseEventId(eventId)?.shard ?? -1];

/** Sweeps until the given event's delivery is among those queued again (other files' rows may come first). */
async function sweepFor(env: Env, eventId: string) {
  for (let round = 0; round < 20; round++) {
    const { requeued } = await sweep(env, { shards: shardOf(eventId) });
    const mine = requeued.filter((r) => r.eventId === eventId);
    if (mine.length > 0)
      return mine.map((r) => ({ v: 1 as const, event: r.eventId, route: r.route }));
    if (requeued.length === 0) return [];
  }
  return [];
}

describe("the outbox", () => {
  it("stores a queued delivery per route in the same batch as the event", async () => {
    const dest = destination("200");
    const env = testEnv({
      ROUTES: [
        { name: "a", sources: "*", target: "dotted", url: dest.url },
        { name: "b", sources: ["chatwoot"], target: "hoory", url: dest.url },
      ],
    });
    const response = await post(env);
    expect(response.status).toBe(202);
    const [eventId] = ((await response.json()) as { accepted: string[] }).accepted;
    for (const route of ["a", "b"]) {
      const state = await getDeliveryState(env, eventId ?? "", route);
      expect(state).toMatchObject({ status: "queued", attempts: 0, requeues: 0 });
      expect(Math.abs((state?.dueAt ?? 0) - now())).toBeLessThanOrEqual(5);
    }
  });

  it("an event stored but never queued (the Worker died in between) is delivered after the sweep", async () => {
    const dest = destination("200");
    const env = simple(dest.url);
    // The crash window: admitted (event, dedupe key and delivery row committed), never sent.
    const eventId = await storedNotQueued(env);
    // Not yet overdue: the sweep leaves it (its message may simply be in the queue).
    expect(
      (await sweep(env, { shards: shardOf(eventId) })).requeued.map((r) => r.eventId),
    ).not.toContain(eventId);

    await strand(env, eventId);
    const messages = await sweepFor(env, eventId);
    expect(messages).toEqual([{ v: 1, event: eventId, route: "default" }]);
    expect((await getDeliveryState(env, eventId, "default"))?.requeues).toBe(1);
    // Claimed: a second sweep does not queue it again while its new message is on its way.
    expect(
      (await sweep(env, { shards: shardOf(eventId) })).requeued.map((r) => r.eventId),
    ).not.toContain(eventId);

    await consume(env, messages);
    expect(await received(dest.key)).toHaveLength(1);
    expect(await getDeliveryState(env, eventId, "default")).toMatchObject({
      status: "delivered",
      attempts: 1,
      lastStatus: 200,
    });
  });

  it("while the consumer is busy, a delivery 1 minute overdue is left alone (a backlog is not a loss), except right after a restart", async () => {
    const dest = destination("200");
    // The two events are in different shards, most likely: the late one's shard knows the
    // consumer is busy from its heartbeat, not from deliveries of its own.
    const env = simple(dest.url);
    const [late] = ((await (await post(env)).json()) as { accepted: string[] }).accepted;
    await setDelivery(env, late ?? "", { due_at: now() - 60 });
    // An attempt just now: the consumer is busy.
    const [other] = ((await (await post(env)).json()) as { accepted: string[] }).accepted;
    await consume(env, [{ v: 1, event: other ?? "", route: "default" }]);

    const busy = await sweep(env, { limit: 1000 });
    expect(busy.requeued.map((r) => r.eventId)).not.toContain(late);
    const restart = await sweep(env, { limit: 1000, restart: true });
    expect(restart.requeued.map((r) => r.eventId)).toContain(late);
  });

  it("the hourly cron trigger sweeps every shard", { timeout: 30_000 }, async () => {
    const dest = destination("200");
    const env = simple(dest.url);
    const response = await post(env);
    const [eventId] = ((await response.json()) as { accepted: string[] }).accepted;
    await strand(env, eventId ?? "");
    const ctx = createExecutionContext();
    // Minute 23 of an hour: the cron's sweep of every shard (the other minutes leave it to the
    // shards' alarms).
    const scheduledTime = new Date();
    scheduledTime.setUTCMinutes(23);
    const controller = createScheduledController({ cron: "* * * * *", scheduledTime });
    await worker.scheduled(controller, env, ctx);
    await waitOnExecutionContext(ctx);
    const state = await getDeliveryState(env, eventId ?? "", "default");
    expect(state?.requeues).toBe(1);
    expect(Math.abs((state?.dueAt ?? 0) - now())).toBeLessThanOrEqual(5);
  });

  it("the sender's repeat of an event whose message was lost queues it again, once", async () => {
    const dest = destination("200");
    const env = simple(dest.url);
    const delivery = unique();
    const first = await post(env, delivery);
    const [eventId] = ((await first.json()) as { accepted: string[] }).accepted;

    // A repeat while the message may still be on its way: answered as a repeat, nothing queued.
    const early = recordingQueue(env);
    expect((await post(early.env, delivery)).status).toBe(200);
    expect(early.sent).toEqual([]);

    // Its message was lost (the test queue has no consumer): once overdue, the repeat queues it.
    await strand(env, eventId ?? "");
    const late = recordingQueue(env);
    const repeat = await post(late.env, delivery);
    expect(repeat.status).toBe(200);
    expect(await repeat.json()).toEqual({ accepted: [], duplicates: [eventId] });
    expect(late.sent).toEqual([{ v: 1, event: eventId, route: "default" }]);

    await consume(env, late.sent);
    // Another copy of the message (the sweep, the queue redelivering): nothing is sent again.
    await consume(env, late.sent, 2);
    expect(await received(dest.key)).toHaveLength(1);
  });

  it("never queues again a delivery waiting for its backoff, nor a settled one", async () => {
    const failing = destination("503");
    const env = simple(failing.url, { RETRY_BASE_SECONDS: "600" });
    const [waiting] = ((await (await post(env)).json()) as { accepted: string[] }).accepted;
    const message = { v: 1 as const, event: waiting ?? "", route: "default" };
    const first = await consume(env, [message]);
    expect(first.retryMessages).toHaveLength(1);
    const state = await getDeliveryState(env, waiting ?? "", "default");
    expect(state?.status).toBe("retrying");
    expect(state?.dueAt).toBeGreaterThanOrEqual(now() + 299);

    const ok = destination("200");
    const okEnv = simple(ok.url);
    const [done] = ((await (await post(okEnv)).json()) as { accepted: string[] }).accepted;
    await consume(okEnv, [{ v: 1, event: done ?? "", route: "default" }]);

    // Even a sweep an hour from now leaves the delivered one alone; the waiting one only once due.
    const shards = [...shardOf(waiting ?? ""), ...shardOf(done ?? "")];
    const inAnHour = await sweep(env, { now: now() + 3600, limit: 1000, shards });
    const requeued = inAnHour.requeued.map((r) => r.eventId);
    expect(requeued).not.toContain(done);
    expect(requeued).toContain(waiting);
    const soon = await sweep(env, { now: now() + OVERDUE_GRACE_SECONDS, limit: 1000, shards });
    expect(soon.requeued.map((r) => r.eventId)).not.toContain(waiting);
  });

  it("an extra copy of a message whose retry is scheduled is dropped, not a second chain of retries", async () => {
    const dest = destination("503,200");
    const env = simple(dest.url, { RETRY_BASE_SECONDS: "600" });
    const [eventId] = ((await (await post(env)).json()) as { accepted: string[] }).accepted;
    const message = { v: 1 as const, event: eventId ?? "", route: "default" };
    expect((await consume(env, [message])).retryMessages).toHaveLength(1);

    const copy = await consume(env, [message]);
    expect(copy.explicitAcks).toHaveLength(1);
    expect(await received(dest.key)).toHaveLength(1);

    // The retry itself, when due, delivers; attempts are counted on the row (2), not per message.
    await retryIsDue(env, message);
    await consume(env, [message]);
    expect(await received(dest.key)).toHaveLength(2);
    expect(await getDeliveryState(env, eventId ?? "", "default")).toMatchObject({
      status: "delivered",
      attempts: 2,
    });
  });

  it("a webhook delivered before its delivery's message was lost is not sent again when the sweep queues the rest", async () => {
    // One Chatwoot message with a document: two Support Hunt webhooks. The first is delivered,
    // the second fails; the attempts and what was delivered are kept on the row in one write.
    const dest = destination("200,503,200");
    const env = testEnv({ TARGET_FORMAT: "supporthunt", DESTINATION_URL: dest.url });
    const response = await call(env, "/webhooks/chatwoot", {
      text: JSON.stringify(documentMessage),
      headers: { "X-Chatwoot-Delivery": unique() },
    });
    const [eventId] = ((await response.json()) as { accepted: string[] }).accepted;
    await consume(env, [{ v: 1, event: eventId ?? "", route: "default" }]);
    expect((await getDeliveryState(env, eventId ?? "", "default"))?.status).toBe("retrying");
    // The retry's message is lost: once overdue, the sweep queues the delivery again.
    await strand(env, eventId ?? "");
    const messages = await sweepFor(env, eventId ?? "");
    expect(messages).toHaveLength(1);
    await consume(env, messages);
    const ids = (await received(dest.key)).map((r) => r.headers["webhook-id"]);
    expect(ids).toHaveLength(3);
    expect(ids[2]).toBe(ids[1]);
    expect(ids[0]).not.toBe(ids[1]);
    expect(await getDeliveryState(env, eventId ?? "", "default")).toMatchObject({
      status: "delivered",
      attempts: 2,
      deliveredIds: [],
    });
  });

  it("records filtered and dead outcomes on the row", async () => {
    const dest = destination("410");
    const env = testEnv({
      ADMIN_TOKEN: "admin-token",
      ROUTES: [
        {
          name: "convs",
          sources: "*",
          target: "dotted",
          url: dest.url,
          events: ["conversation.*"],
        },
        { name: "gone", sources: "*", target: "dotted", url: dest.url },
      ],
    });
    const [eventId] = ((await (await post(env)).json()) as { accepted: string[] }).accepted;
    await consume(env, [
      { v: 1, event: eventId ?? "", route: "convs" },
      { v: 1, event: eventId ?? "", route: "gone" },
    ]);
    expect((await getDeliveryState(env, eventId ?? "", "convs"))?.status).toBe("filtered");
    expect(await getDeliveryState(env, eventId ?? "", "gone")).toMatchObject({
      status: "dead",
      attempts: 1,
      lastStatus: 410,
    });
    expect((await getDeliveryState(env, eventId ?? "", "gone"))?.lastError).toContain("HTTP 410");
  });
});

describe("a paused route", () => {
  it("its held deliveries are paused rows the sweep leaves to the route's gate, queued again on resume", async () => {
    const dest = destination("200");
    const route = unique("r").slice(0, 20);
    const env = testEnv({
      ADMIN_TOKEN: "admin-token",
      ROUTES: [{ name: route, sources: "*", target: "dotted", url: dest.url }],
    });
    const pause = await call(env, `/routes/${route}/pause`, {
      method: "POST",
      headers: { Authorization: "Bearer admin-token" },
    });
    expect(pause.status).toBe(200);
    const [eventId] = ((await (await post(env)).json()) as { accepted: string[] }).accepted;
    await consume(env, [{ v: 1, event: eventId ?? "", route }]);
    expect((await getDeliveryState(env, eventId ?? "", route))?.status).toBe("paused");
    expect(await received(dest.key)).toHaveLength(0);

    const later = await sweep(env, {
      now: now() + 3600,
      limit: 1000,
      shards: shardOf(eventId ?? ""),
    });
    expect(later.requeued.map((r) => r.eventId)).not.toContain(eventId);

    // What the gate does on resume before sending the held messages.
    await resumeDeliveries(env, [{ eventId: eventId ?? "", route }]);
    expect((await getDeliveryState(env, eventId ?? "", route))?.status).toBe("queued");
  });
});

describe("the dead-letter queue's consumer", () => {
  it("retries a message it cannot keep (D1 failing) and keeps it once D1 answers", async () => {
    const dest = destination("200");
    const env = simple(dest.url);
    const [eventId] = ((await (await post(env)).json()) as { accepted: string[] }).accepted;
    const message = { v: 1 as const, event: eventId ?? "", route: "default" };
    // The real D1, failing every statement (as during an outage).
    const down = {
      ...env,
      DB: {
        prepare: () => {
          throw new Error("D1_ERROR: unavailable");
        },
        batch: () => Promise.reject(new Error("D1_ERROR: unavailable")),
      } as unknown as D1Database,
    } as Env;
    const failed = await consume(down, [message], 1, "webhook-translator-deliveries-dlq");
    expect(failed.explicitAcks).toHaveLength(0);
    expect(failed.retryMessages).toHaveLength(1);
    expect(failed.delays[0]).toBe(60);
    // Not settled: should the dead-letter queue give up on it too, the sweep still has it.
    expect((await getDeliveryState(env, eventId ?? "", "default"))?.status).toBe("queued");

    const kept = await consume(env, [message], 2, "webhook-translator-deliveries-dlq");
    expect(kept.explicitAcks).toHaveLength(1);
    expect(await getDeliveryState(env, eventId ?? "", "default")).toMatchObject({
      status: "dead",
    });
    const letters = await call(env, "/deadletters?limit=100", {
      headers: { Authorization: "Bearer admin-token" },
    });
    const { deadLetters } = (await letters.json()) as { deadLetters: Array<{ eventId: string }> };
    expect(deadLetters.map((l) => l.eventId)).toContain(eventId);
  });
});
