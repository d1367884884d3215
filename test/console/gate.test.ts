/**
 * A route's gate (src/coordinate): pause holds deliveries outside the queue and resume gives them
 * back; `maxPerSecond` spaces deliveries across concurrent consumer invocations. Real local D1,
 * queue producer and Durable Objects; the consumer is driven with createMessageBatch.
 */
import { env as bindings, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { createHeld, heldCount } from "../../src/coordinate/held.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import { call, consume, destination, received, testEnv, unique } from "../delivery/helpers.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";

const chatwootText = JSON.stringify(chatwootMessage);
const auth = { Authorization: "Bearer admin-token" };

function routeEnv(url: string, extra: Record<string, unknown> = {}) {
  const name = unique("r").slice(0, 20);
  const env = testEnv({
    ADMIN_TOKEN: "admin-token",
    ROUTES: JSON.stringify([{ name, sources: "*", target: "dotted", url, ...extra }]),
  });
  return { env, name };
}

/** Accepts `n` distinct Chatwoot events; returns one queue message per event for `route`. */
async function accept(env: Env, route: string, n: number): Promise<DeliveryMessage[]> {
  const messages: DeliveryMessage[] = [];
  for (let i = 0; i < n; i++) {
    const response = await call(env, "/webhooks/chatwoot", {
      text: chatwootText,
      headers: { "X-Chatwoot-Delivery": unique() },
    });
    expect(response.status).toBe(202);
    const { accepted } = (await response.json()) as { accepted: string[] };
    messages.push(...accepted.map((event) => ({ v: 1 as const, event, route })));
  }
  return messages;
}

interface RouteView {
  name: string;
  paused: boolean;
  held: number;
  maxPerSecond?: number;
}

async function routeView(env: Env, name: string): Promise<RouteView | undefined> {
  const response = await call(env, "/routes", { headers: auth });
  expect(response.status).toBe(200);
  const { routes } = (await response.json()) as { routes: RouteView[] };
  return routes.find((route) => route.name === name);
}

describe("pause and resume", () => {
  it("holds every delivery of a paused route outside the queue, and releases them on resume", async () => {
    const dest = destination("200");
    const { env, name } = routeEnv(dest.url);
    const paused = await call(env, `/routes/${name}/pause`, { method: "POST", headers: auth });
    expect(paused.status).toBe(200);
    expect(await paused.json()).toMatchObject({ name, paused: true, held: 0 });

    const messages = await accept(env, name, 3);
    const result = await consume(env, messages);
    // Acked, not retried: the queue's retention cannot lose them however long the pause lasts.
    expect(result.explicitAcks).toHaveLength(3);
    expect(result.retryMessages).toHaveLength(0);
    expect(await received(dest.key)).toHaveLength(0);
    expect(await routeView(env, name)).toMatchObject({ paused: true, held: 3 });

    const resumed = await call(env, `/routes/${name}/resume`, { method: "POST", headers: auth });
    expect(resumed.status).toBe(200);
    expect(await resumed.json()).toMatchObject({ name, paused: false });
    // The object's alarm queues the held deliveries again, then forgets them.
    let view = await routeView(env, name);
    for (let i = 0; i < 50 && view?.held !== 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      view = await routeView(env, name);
    }
    expect(view).toMatchObject({ paused: false, held: 0 });

    // After resume the same messages are delivered.
    const again = await consume(env, messages);
    expect(again.explicitAcks).toHaveLength(3);
    expect(await received(dest.key)).toHaveLength(3);
  });

  it("holds a delivery once however many of its messages arrive while paused", async () => {
    const dest = destination("200");
    const { env, name } = routeEnv(dest.url);
    await call(env, `/routes/${name}/pause`, { method: "POST", headers: auth });
    const messages = await accept(env, name, 2);
    // The sweep can queue a delivery again while its first message is in flight.
    await consume(env, messages);
    await consume(env, [messages[0] as DeliveryMessage]);
    await Promise.all([consume(env, messages), consume(env, messages)]);
    expect(await routeView(env, name)).toMatchObject({ paused: true, held: 2 });

    await call(env, `/routes/${name}/resume`, { method: "POST", headers: auth });
    let view = await routeView(env, name);
    for (let i = 0; i < 50 && view?.held !== 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      view = await routeView(env, name);
    }
    expect(view).toMatchObject({ held: 0 });
    await consume(env, messages);
    expect(await received(dest.key)).toHaveLength(2);
  });

  it("keeps the oldest row of each delivery held twice before the upgrade", async () => {
    const gate = bindings.ROUTE_GATES.get(bindings.ROUTE_GATES.idFromName(unique("old")));
    await runInDurableObject(gate, (_, state) => {
      const sql = state.storage.sql;
      sql.exec("DROP INDEX held_delivery");
      for (const event of ["a", "a", "b", "a"]) {
        sql.exec("INSERT INTO held (event, route, tries, at) VALUES (?, 'r', 0, 0)", event);
      }
      createHeld(sql);
      expect(heldCount(sql)).toBe(2);
      const order = sql.exec<{ event: string }>("SELECT event FROM held ORDER BY seq").toArray();
      expect(order.map((row) => row.event)).toEqual(["a", "b"]);
    });
  });

  it("answers 404 for an unknown route and 401 without the token", async () => {
    const { env, name } = routeEnv(destination().url);
    const unknown = await call(env, "/routes/nope/pause", { method: "POST", headers: auth });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: "not_found" });
    for (const headers of [{}, { Authorization: "Bearer wrong" }] as Record<string, string>[]) {
      expect((await call(env, `/routes/${name}/pause`, { method: "POST", headers })).status).toBe(
        401,
      );
      expect((await call(env, "/routes", { headers })).status).toBe(401);
    }
    expect(await routeView(env, name)).toMatchObject({ paused: false });
  });
});

describe("maxPerSecond", () => {
  it("spaces deliveries across concurrent consumers, and sends the excess again later", async () => {
    const dest = destination("200");
    const { env, name } = routeEnv(dest.url, { maxPerSecond: 2 });
    expect(await routeView(env, name)).toMatchObject({ maxPerSecond: 2 });
    const messages = await accept(env, name, 14);
    // 14 consumer invocations at once: slots are 550 ms apart (500 plus the lateness margin) and
    // handed out at most 5 s ahead.
    const results = await Promise.all(messages.map((message) => consume(env, [message])));
    const got = await received(dest.key);
    const times = got.map((each) => each.at).sort((a, b) => a - b);
    // Slots 0, 0.55, ... 4.95 s: about 10 delivered now, the rest sent again with a delay (acked).
    expect(got.length).toBeGreaterThanOrEqual(9);
    expect(got.length).toBeLessThan(14);
    expect(results.every((result) => result.explicitAcks.length === 1)).toBe(true);
    expect(results.every((result) => result.retryMessages.length === 0)).toBe(true);
    // The promise: no second (any window of 1000 ms, as the destination counts) holds more than 2.
    for (const [i, start] of times.entries()) {
      expect(times.filter((t, j) => j >= i && t - start < 1000).length).toBeLessThanOrEqual(2);
    }
  }, 30_000);

  it("rejects a rate that is not a positive number, naming the field", async () => {
    const { env } = routeEnv("https://example.com/hook", { maxPerSecond: 0 });
    const health = await call(env, "/health", { headers: auth });
    expect(health.status).toBe(500);
    const body = (await health.json()) as { errors: string[] };
    expect(body.errors.join("\n")).toContain("ROUTES[0].maxPerSecond");
  });
});
