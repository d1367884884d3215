/**
 * Ordered routes (`ordered: true`): each conversation's events reach the destination in the
 * order the Worker accepted them, one at a time, through failures, retries, dead letters and a
 * pause; conversations are independent; events of no conversation are never held. Real local
 * D1, queue producer and Durable Objects; the queue is played by `pump` (random order).
 */
import { describe, expect, it } from "vitest";
import { sweep } from "../../src/enqueue/sweep.ts";
import { MAX_REQUEUES, parseEventId } from "../../src/store/index.ts";
import { call, consume, destination, received, testEnv } from "../delivery/helpers.ts";
import { setDelivery } from "../store/rows.ts";
import {
  acceptContact,
  acceptMessage,
  auth,
  expectInOrder,
  marker,
  orderedEnv,
  pump,
  statuses,
} from "./helpers.ts";

describe("ordered route", () => {
  it("queues only each conversation's head; the rest wait", async () => {
    const dest = destination("200");
    const { env, name } = orderedEnv(dest.url);
    const a1 = await acceptMessage(env, 11, 1);
    const a2 = await acceptMessage(env, 11, 2);
    const b1 = await acceptMessage(env, 12, 1);
    const state = await statuses(env, name);
    expect([state.get(a1), state.get(a2), state.get(b1)]).toEqual(["queued", "waiting", "queued"]);
    // A copy of a waiting delivery (the sweep's safety net) is told to wait: nothing is posted.
    const copy = await consume(env, [{ v: 1, event: a2, route: name }]);
    expect(copy.explicitAcks).toHaveLength(1);
    expect(await received(dest.key)).toHaveLength(0);
    expect((await statuses(env, name)).get(a2)).toBe("waiting");
  });

  it("delivers a conversation's next events in the same batch, in order, after its head", async () => {
    const dest = destination("200,200,503");
    const { env, name } = orderedEnv(dest.url);
    const ids = [];
    for (let i = 1; i <= 4; i++) ids.push(await acceptMessage(env, 71, i));
    // One message (the head's) is consumed: the rest follow without a trip through the queue,
    // until the third fails; it waits for its retry, and the fourth behind it.
    await consume(env, [{ v: 1, event: ids[0] as string, route: name }]);
    const got = await received(dest.key);
    expect(got.map((each) => each.body.match(/\[m-71-\d+\]/)?.[0])).toEqual([
      marker(71, 1),
      marker(71, 2),
      marker(71, 3),
    ]);
    const state = await statuses(env, name);
    expect(ids.map((id) => state.get(id))).toEqual([
      "delivered",
      "delivered",
      "retrying",
      "waiting",
    ]);
  });

  it("keeps each conversation in order through failures and retries", async () => {
    // Every other attempt fails, in a pattern no conversation can line up with.
    const dest = destination("503,200,503,503,200,200,503,200,200,200,503,200");
    const { env, name } = orderedEnv(dest.url);
    for (let i = 1; i <= 5; i++) {
      for (const conversation of [21, 22, 23]) await acceptMessage(env, conversation, i);
    }
    await pump(env, name, 80, true);
    const got = await received(dest.key);
    for (const conversation of [21, 22, 23]) expectInOrder(got, conversation, 5);
    const state = await statuses(env, name);
    expect([...state.values()].every((status) => status === "delivered")).toBe(true);
  }, 60_000);

  it("moves the conversation on past a dead letter, and says a replay of it is out of order", async () => {
    const dest = destination("200");
    const { env, name } = orderedEnv(
      `${dest.url}?match=${encodeURIComponent(marker(31, 2))}&answer=422`,
    );
    const ids = [];
    for (let i = 1; i <= 3; i++) ids.push(await acceptMessage(env, 31, i));
    await pump(env, name);
    const got = await received(dest.key);
    expectInOrder(got, 31, 3, [2]);
    const state = await statuses(env, name);
    expect(ids.map((id) => state.get(id))).toEqual(["delivered", "dead", "delivered"]);

    const letters = await call(env, `/deadletters?route=${name}`, { headers: auth });
    const { deadLetters } = (await letters.json()) as { deadLetters: Array<{ id: string }> };
    expect(deadLetters).toHaveLength(1);
    const replay = await call(env, `/deadletters/${deadLetters[0]?.id}/replay`, {
      method: "POST",
      headers: auth,
    });
    expect(replay.status).toBe(202);
    const answer = (await replay.json()) as { ordered?: boolean; message: string };
    expect(answer.ordered).toBe(false);
    expect(answer.message).toContain("out of order");
  });

  it("lets other conversations flow while one conversation's head keeps failing", async () => {
    const dest = destination("200");
    const { env, name } = orderedEnv(
      `${dest.url}?match=${encodeURIComponent(marker(41, 1))}&answer=503`,
    );
    const stuck = [];
    for (let i = 1; i <= 3; i++) {
      stuck.push(await acceptMessage(env, 41, i));
      await acceptMessage(env, 42, i);
    }
    const contact = await acceptContact(env, "No Conversation");
    await pump(env, name, 4);
    const got = await received(dest.key);
    expectInOrder(got, 42, 3);
    // The failing head is retried; the two behind it were never posted.
    expect(
      got
        .filter((each) => each.body.includes("[m-41-"))
        .every((each) => each.body.includes(marker(41, 1))),
    ).toBe(true);
    // An event of no conversation is not held by anything.
    expect((await statuses(env, name)).get(contact)).toBe("delivered");

    const view = await call(env, `/routes/${name}/conversations`, { headers: auth });
    expect(view.status).toBe(200);
    const lines = (await view.json()) as {
      total: number;
      conversations: Array<{
        conversation: string;
        waiting: number;
        head: { event: string; status: string; attempts: number; nextTry?: string };
      }>;
    };
    expect(lines.total).toBe(1);
    expect(lines.conversations[0]).toMatchObject({
      conversation: "chatwoot:1:41",
      waiting: 2,
      head: { event: stuck[0], status: "retrying" },
    });
    expect(lines.conversations[0]?.head.attempts).toBeGreaterThanOrEqual(2);
    expect(lines.conversations[0]?.head.nextTry).toBeDefined();
    const routes = (await (await call(env, "/routes", { headers: auth })).json()) as {
      routes: Array<{ name: string; ordered?: boolean; conversations?: number; waiting?: number }>;
    };
    expect(routes.routes.find((route) => route.name === name)).toMatchObject({
      ordered: true,
      conversations: 1,
      waiting: 2,
    });
  }, 60_000);

  it("holds every conversation while paused, and resumes each in order", async () => {
    const dest = destination("200,503,200");
    const { env, name } = orderedEnv(dest.url);
    expect(
      (await call(env, `/routes/${name}/pause`, { method: "POST", headers: auth })).status,
    ).toBe(200);
    for (let i = 1; i <= 3; i++) {
      await acceptMessage(env, 51, i);
      await acceptMessage(env, 52, i);
    }
    await pump(env, name);
    expect(await received(dest.key)).toHaveLength(0);
    const paused = [...(await statuses(env, name)).values()].sort();
    expect(paused).toEqual(["paused", "paused", "waiting", "waiting", "waiting", "waiting"]);

    expect(
      (await call(env, `/routes/${name}/resume`, { method: "POST", headers: auth })).status,
    ).toBe(200);
    // The object's alarm puts the held heads back in the queue.
    for (let i = 0; i < 50; i++) {
      const now = [...(await statuses(env, name)).values()];
      if (!now.includes("paused")) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    await pump(env, name);
    const got = await received(dest.key);
    expectInOrder(got, 51, 3);
    expectInOrder(got, 52, 3);
  }, 60_000);
});

describe("a turn lost to a crash", () => {
  it("moves on at once when the sweep dead-letters a head whose message keeps vanishing", async () => {
    const dest = destination("200");
    const { env, name } = orderedEnv(dest.url);
    const head = await acceptMessage(env, 71, 1);
    const next = await acceptMessage(env, 71, 2);
    // The head's message was lost MAX_REQUEUES times in a row and is overdue once more.
    const ago = Math.floor(Date.now() / 1000) - 10 * 3600;
    await setDelivery(env, head, { requeues: MAX_REQUEUES, due_at: ago, updated_at: ago });
    const shards = [parseEventId(head)?.shard ?? -1];
    const { buried } = await sweep(env, { restart: true, limit: 1000, shards });
    expect(buried).toContainEqual({ eventId: head, route: name });
    // Its turn is passed on now, not at the waiting rows' next re-check.
    const state = await statuses(env, name);
    expect([state.get(head), state.get(next)]).toEqual(["dead", "queued"]);
    await pump(env, name);
    const got = await received(dest.key);
    expect(got.map((each) => each.body.match(/\[m-71-\d+\]/)?.[0])).toEqual([marker(71, 2)]);
  });

  it("is passed on by the next delivery, which finds the head settled in the store", async () => {
    const dest = destination("200");
    const { env, name } = orderedEnv(dest.url);
    const ids = [];
    for (let i = 1; i <= 3; i++) ids.push(await acceptMessage(env, 61, i));
    // The Worker died after recording the head's success and putting the next row back to
    // `queued`, before the Durable Object forgot the head: the sweep queues the next one.
    await setDelivery(env, ids[0] ?? "", { status: "delivered" });
    await setDelivery(env, ids[1] ?? "", { status: "queued" });
    await pump(env, name);
    const got = await received(dest.key);
    // Message 1 counts as delivered (recorded); 2 and 3 follow in order.
    expect(got.map((each) => each.body.match(/\[m-61-\d+\]/)?.[0])).toEqual([
      marker(61, 2),
      marker(61, 3),
    ]);
    const state = await statuses(env, name);
    expect(ids.map((id) => state.get(id))).toEqual(["delivered", "delivered", "delivered"]);
  });
});

describe("configuration", () => {
  it("takes DESTINATION_ORDERED for the simple route and names a bad `ordered`", async () => {
    const simple = testEnv({
      ADMIN_TOKEN: "admin-token",
      TARGET_FORMAT: "dotted",
      DESTINATION_URL: "https://example.com/hook",
      DESTINATION_ORDERED: "true",
    });
    const { routes } = (await (await call(simple, "/routes", { headers: auth })).json()) as {
      routes: Array<{ name: string; ordered?: boolean }>;
    };
    expect(routes).toMatchObject([{ name: "default", ordered: true }]);

    const { env } = orderedEnv("https://example.com/hook", { ordered: "yes" });
    const health = await call(env, "/health", { headers: auth });
    expect(health.status).toBe(500);
    const body = (await health.json()) as { errors: string[] };
    expect(body.errors.join("\n")).toContain("ROUTES[0].ordered: must be true or false");
  });
});
