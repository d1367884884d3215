/**
 * Replays and their retries, over the real local event store, D1 (dead letters) and queue: a
 * replay of an event (POST /events/:id/replay) delivers again what was delivered before, but
 * once the replay has itself delivered something, no retry, extra copy or resume after a pause
 * sends it again; a dead letter's replay (one or in bulk) never re-sends what was delivered.
 * One Chatwoot message with a document becomes two Support Hunt deliveries, so a retry has
 * something to skip.
 */
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import { PRUNE_EVERY_SECONDS } from "../../src/store/event-store.ts";
import { getDeliveryState, getEvent, parseEventId, shardStub } from "../../src/store/index.ts";
import document from "../fixtures/chatwoot/message-created-incoming-document/source.json";
import { setEvent } from "../store/rows.ts";
import { call, consume, destination, received, retryIsDue, testEnv, unique } from "./helpers.ts";
import { recordingQueue } from "./outbox.ts";

const auth = { Authorization: "Bearer admin-token" };

/** A route to Support Hunt answering per `script`, and one accepted event for it (two deliveries). */
async function setUp(script: string) {
  const dest = destination(script);
  const route = unique("r").slice(0, 20);
  const env = testEnv({
    ADMIN_TOKEN: "admin-token",
    ROUTES: JSON.stringify([{ name: route, sources: "*", target: "supporthunt", url: dest.url }]),
  });
  const response = await call(env, "/webhooks/chatwoot", {
    text: JSON.stringify(document),
    headers: { "X-Chatwoot-Delivery": unique() },
  });
  expect(response.status).toBe(202);
  const [event] = ((await response.json()) as { accepted: string[] }).accepted;
  const message: DeliveryMessage = { v: 1, event: event ?? "", route };
  return { env, dest, route, event: event ?? "", message };
}

const ids = async (key: string) => (await received(key)).map((r) => r.headers["webhook-id"]);

async function replay(env: Env, event: string, route: string): Promise<DeliveryMessage[]> {
  const queue = recordingQueue(env);
  const response = await call(queue.env, `/events/${event}/replay`, {
    method: "POST",
    headers: auth,
    json: { route },
  });
  expect(response.status).toBe(202);
  expect(queue.sent).toHaveLength(1);
  return queue.sent;
}

describe("a replay of an event", () => {
  it("re-sends what was delivered before; its retry re-sends only what the replay has not delivered", async () => {
    // Delivered (two posts), then the replay: the first post succeeds, the second fails once.
    const { env, dest, route, event, message } = await setUp("200,200,200,503,200");
    await consume(env, [message]);
    const [first, second] = await ids(dest.key);
    expect(first).not.toBe(second);

    const sent = await replay(env, event, route);
    const result = await consume(env, sent);
    expect(result.retryMessages).toHaveLength(1);
    expect(await ids(dest.key)).toEqual([first, second, first, second]);

    // The retry of the replay's message: only the delivery the replay has not made yet.
    await retryIsDue(env, message);
    await consume(env, sent, 2);
    expect(await ids(dest.key)).toEqual([first, second, first, second, second]);
    expect(await getDeliveryState(env, event, route)).toMatchObject({
      status: "delivered",
      attempts: 2,
    });
    // Another copy of the replay's message (the queue redelivering it): nothing is sent again.
    await consume(env, sent, 3);
    expect(await received(dest.key)).toHaveLength(5);
  });

  it("held by a paused route, is delivered after resume (not taken for the earlier delivery)", async () => {
    const { env, dest, route, event, message } = await setUp("200");
    await consume(env, [message]);
    expect(await received(dest.key)).toHaveLength(2);
    const pause = await call(env, `/routes/${route}/pause`, { method: "POST", headers: auth });
    expect(pause.status).toBe(200);

    const sent = await replay(env, event, route);
    await consume(env, sent);
    expect((await getDeliveryState(env, event, route))?.status).toBe("paused");
    expect(await received(dest.key)).toHaveLength(2);

    // On resume the route's gate queues the held delivery as a plain message (no `again`), as the
    // sweep does when a replay's message is lost: it still delivers the replay, once.
    expect(
      (await call(env, `/routes/${route}/resume`, { method: "POST", headers: auth })).status,
    ).toBe(200);
    await consume(env, [message]);
    await consume(env, [message], 2);
    expect(await received(dest.key)).toHaveLength(4);
    expect((await getDeliveryState(env, event, route))?.status).toBe("delivered");
  });
});

describe("a dead letter's replay in bulk", () => {
  it("sends only what was not delivered, and its retry does not re-send", async () => {
    // First delivery: one post accepted, the other refused (dead letter). Replay: 503, then 200.
    const { env, dest, route, event, message } = await setUp("200,422,503,200");
    await consume(env, [message]);
    expect((await getDeliveryState(env, event, route))?.status).toBe("dead");
    const [first, second] = await ids(dest.key);

    const queue = recordingQueue(env);
    const bulk = await call(queue.env, "/deadletters/replay", {
      method: "POST",
      headers: auth,
      json: { route },
    });
    expect(await bulk.json()).toEqual({ replayed: 1 });
    expect(queue.sent).toHaveLength(1);
    expect((await consume(env, queue.sent)).retryMessages).toHaveLength(1);
    await retryIsDue(env, message);
    await consume(env, queue.sent, 2);
    await consume(env, queue.sent, 3);
    expect(await ids(dest.key)).toEqual([first, second, second, second]);
    expect((await getDeliveryState(env, event, route))?.status).toBe("delivered");
  });
});

describe("a dead letter whose event was pruned", () => {
  it("is replayed from the letter's copy: the event is put back at its id and delivered", async () => {
    const { env, dest, route, event, message } = await setUp("200,422,200");
    await consume(env, [message]);
    expect((await getDeliveryState(env, event, route))?.status).toBe("dead");
    // Eight days later the shard's prune takes the event (the retention is seven).
    const eightDaysAgo = Math.floor(Date.now() / 1000) - 8 * 86_400;
    await setEvent(env, event, { received_at: eightDaysAgo });
    await shardStub(env, parseEventId(event)?.shard ?? -1).housekeeping(
      Math.floor(Date.now() / 1000) + PRUNE_EVERY_SECONDS + 1,
    );
    expect(await getEvent(env, event)).toBeUndefined();

    const letters = await call(env, "/deadletters?limit=100", { headers: auth });
    const { deadLetters } = (await letters.json()) as {
      deadLetters: Array<{ id: string; eventId: string }>;
    };
    const letter = deadLetters.find((each) => each.eventId === event);
    const queue = recordingQueue(env);
    const replay = await call(queue.env, `/deadletters/${letter?.id}/replay`, {
      method: "POST",
      headers: auth,
    });
    expect(replay.status).toBe(202);
    expect(queue.sent).toHaveLength(1);
    await consume(env, queue.sent);
    // Both webhooks are sent under the ids they had (the event is back at its id); what was
    // delivered before went with the prune, as every record of the event past retention.
    const [first, second, ...again] = await ids(dest.key);
    expect(again).toEqual([first, second]);
    expect((await getEvent(env, event))?.id).toBe(event);
    expect((await getDeliveryState(env, event, route))?.status).toBe("delivered");
  });
});
