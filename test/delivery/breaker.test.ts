/**
 * The circuit breaker (src/coordinate/breaker.ts), the per-route timeout and the consumer's lanes,
 * in the Workers runtime against real local D1, queue producer and Durable Objects: a route's
 * circuit opens after `circuitFailures` failures in a row, its deliveries are then held without
 * an attempt, the alarm at the end of the cool-down releases one probe, and the probe's success
 * closes the circuit and releases the rest (an ordered route's conversation in order).
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import type { Circuit } from "../../src/coordinate/breaker.ts";
import { gateOf } from "../../src/coordinate/index.ts";
import { RETRY_WINDOW_SECONDS } from "../../src/deliver/index.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import { getDeliveryState } from "../../src/store/index.ts";
import { accept } from "../alerts/helpers.ts";
import { acceptMessage, expectInOrder, marker, statuses } from "../ordered/helpers.ts";
import { deliveriesOf, setDelivery } from "../store/rows.ts";
import { call, consume, destination, received, retryIsDue, testEnv, unique } from "./helpers.ts";

const auth = { Authorization: "Bearer admin-token" };

/**
 * One route of its own (a fresh RouteGate) with the breaker on: 3 failures, the default 30 s
 * cool-down (the tests end it themselves: `coolDown`).
 */
function breakerEnv(url: string, extra: Record<string, unknown> = {}) {
  const name = unique("b").slice(0, 20);
  const env = testEnv({
    ADMIN_TOKEN: "admin-token",
    ROUTES: JSON.stringify([
      {
        name,
        sources: "*",
        target: "dotted",
        url,
        circuitFailures: 3,
        ...extra,
      },
    ]),
  });
  return { env, name };
}

interface RouteItem {
  name: string;
  held: number;
  circuit: { state: string; openUntil?: string; failures: number; lastError?: string };
  alerts?: { state: string; recent: Array<{ type: string }> };
}

async function routeView(env: Env, name: string): Promise<RouteItem | undefined> {
  const response = await call(env, "/routes", { headers: auth });
  expect(response.status).toBe(200);
  const { routes } = (await response.json()) as { routes: RouteItem[] };
  return routes.find((route) => route.name === name);
}

/** Consumes one message for every delivery of `route` that has one (queued, or retrying and made due). */
async function consumeDue(env: Env, route: string) {
  const rows = await deliveriesOf(env, route, ["queued", "retrying"]);
  const messages = [...rows.keys()].map((id): DeliveryMessage => ({ v: 1, event: id, route }));
  for (const message of messages) await retryIsDue(env, message);
  if (messages.length > 0) await consume(env, messages);
  return messages.length;
}

/** Ends the cool-down now (as if its time had passed), then runs the route object's alarm (it releases the probe). */
async function coolDown(env: Env, name: string) {
  await runInDurableObject(gateOf(env, name), async (_, state) => {
    const circuit = state.storage.kv.get<Circuit>("circuit");
    if (!circuit) throw new Error(`route ${name} has no circuit yet`);
    state.storage.kv.put("circuit", { ...circuit, openUntil: Date.now() - 1 });
  });
  await runDurableObjectAlarm(gateOf(env, name));
}

/** Runs the alarm and consumes what it released until no delivery of `route` is held or pending. */
async function drain(env: Env, name: string, rounds = 10) {
  for (let i = 0; i < rounds; i++) {
    await runDurableObjectAlarm(gateOf(env, name));
    const left = [...(await statuses(env, name)).values()].filter(
      (status) => status !== "delivered" && status !== "dead",
    );
    if (left.length === 0) return;
    await consumeDue(env, name);
  }
}

describe("circuit breaker", () => {
  it("opens after circuitFailures failures in a row, holds without attempting, probes, closes and releases", async () => {
    const dest = destination("503,503,503,200");
    const { env, name } = breakerEnv(dest.url);
    const first = await accept(env, name, 3);
    await consume(env, first);
    expect(await received(dest.key)).toHaveLength(3);

    const open = await routeView(env, name);
    expect(open?.circuit).toMatchObject({ state: "open", failures: 3 });
    expect(open?.circuit.lastError).toContain("HTTP 503");
    expect(Date.parse(open?.circuit.openUntil ?? "")).toBeGreaterThan(Date.now());
    // The breaker's hook raised route.failing (3 failures, below failingAfter's 5).
    expect(open?.alerts?.state).toBe("failing");

    // While open: new deliveries and the retries are held, nothing is posted.
    const later = await accept(env, name, 2);
    await consume(env, later);
    await consumeDue(env, name);
    expect(await received(dest.key)).toHaveLength(3);
    const held = await statuses(env, name);
    expect([...held.values()]).toEqual(["paused", "paused", "paused", "paused", "paused"]);
    expect((await routeView(env, name))?.held).toBe(5);

    // The cool-down ends: the alarm releases one delivery, the probe.
    await coolDown(env, name);
    const released = [...(await statuses(env, name)).values()];
    expect(released.filter((status) => status === "queued")).toHaveLength(1);
    await consumeDue(env, name);
    expect(await received(dest.key)).toHaveLength(4);
    const closed = await routeView(env, name);
    expect(closed?.circuit).toEqual({ state: "closed", failures: 0 });
    // The hook's other half: route.recovered, and the route is ok again.
    expect(closed?.alerts?.state).toBe("ok");
    expect(closed?.alerts?.recent.map((alert) => alert.type)).toEqual([
      "route.recovered",
      "route.failing",
    ]);

    // Closed: the rest are released and delivered once each, no attempt counted while held.
    await drain(env, name);
    const got = await received(dest.key);
    expect(got).toHaveLength(8); // the first 3 twice, the 2 held from the start once
    expect(new Set(got.map((each) => each.headers["webhook-id"])).size).toBe(5);
    for (const message of first) {
      expect((await getDeliveryState(env, message.event, name))?.attempts).toBe(2);
    }
    for (const message of later) {
      expect(await getDeliveryState(env, message.event, name)).toMatchObject({
        attempts: 1,
        status: "delivered",
      });
    }
  }, 60_000);

  it("opens again with a longer cool-down when the probe fails", async () => {
    const dest = destination("503");
    const { env, name } = breakerEnv(dest.url);
    await consume(env, await accept(env, name, 3));
    const first = await routeView(env, name);
    expect(Date.parse(first?.circuit.openUntil ?? "") - Date.now()).toBeLessThanOrEqual(30_000);
    const alarm = await runInDurableObject(gateOf(env, name), (_, state) =>
      state.storage.getAlarm(),
    );
    expect(alarm).toBe(Date.parse(first?.circuit.openUntil ?? ""));
    await coolDown(env, name);
    await consumeDue(env, name);
    expect(await received(dest.key)).toHaveLength(4);
    const again = await routeView(env, name);
    expect(again?.circuit).toMatchObject({ state: "open", failures: 4 });
    // Twice the first cool-down: 60 s, and the alarm that releases the next probe is set for then.
    const until = Date.parse(again?.circuit.openUntil ?? "");
    expect(until - Date.now()).toBeGreaterThan(45_000);
    const next = await runInDurableObject(gateOf(env, name), (_, state) =>
      state.storage.getAlarm(),
    );
    expect(next).toBe(until);
  }, 30_000);

  it("dead-letters a delivery held past its retry window instead of attempting it", async () => {
    const dest = destination("503");
    const { env, name } = breakerEnv(dest.url);
    await consume(env, await accept(env, name, 3));
    const [old] = await accept(env, name, 1);
    // Its first queueing was longer ago than the retry window: an endless outage ends here.
    const past = new Date(Date.now() - (RETRY_WINDOW_SECONDS + 60) * 1000);
    await setDelivery(
      env,
      old?.event ?? "",
      { queued_at: Math.floor(past.getTime() / 1000) },
      name,
    );
    await consume(env, [old as DeliveryMessage], 1, undefined, past);
    expect(await received(dest.key)).toHaveLength(3);
    expect((await statuses(env, name)).get(old?.event ?? "")).toBe("dead");
    const letters = await call(env, `/deadletters?route=${name}`, { headers: auth });
    const { deadLetters } = (await letters.json()) as {
      deadLetters: Array<{ eventId: string; lastError: string }>;
    };
    expect(deadLetters.find((each) => each.eventId === old?.event)?.lastError).toContain(
      "circuit stayed open",
    );
  });

  it("takes a refusal (4xx) as an answer: it ends the run of failures", async () => {
    const dest = destination("503,503,422,503,503");
    const { env, name } = breakerEnv(dest.url);
    for (const message of await accept(env, name, 5)) await consume(env, [message]);
    expect(await received(dest.key)).toHaveLength(5);
    expect((await routeView(env, name))?.circuit).toMatchObject({ state: "closed", failures: 2 });
  });

  it("never opens with circuitFailures 0", async () => {
    const dest = destination("503");
    const { env, name } = breakerEnv(dest.url, { circuitFailures: 0 });
    await consume(env, await accept(env, name, 4));
    await consumeDue(env, name);
    expect(await received(dest.key)).toHaveLength(8);
    expect((await routeView(env, name))?.circuit).toMatchObject({ state: "closed", failures: 8 });
  });

  it("keeps an ordered route's conversation in order through an open circuit", async () => {
    const dest = destination("503,503,503,200");
    const { env, name } = breakerEnv(dest.url, { ordered: true });
    for (let i = 1; i <= 4; i++) await acceptMessage(env, 81, i);
    for (let i = 0; i < 3; i++) await consumeDue(env, name);
    expect((await routeView(env, name))?.circuit.state).toBe("open");
    await consumeDue(env, name);
    expect(await received(dest.key)).toHaveLength(3);
    await coolDown(env, name);
    await drain(env, name);
    const got = await received(dest.key);
    expectInOrder(got, 81, 4);
    expect(got.map((each) => each.body.match(/\[m-81-\d+\]/)?.[0])).toEqual([
      marker(81, 1),
      marker(81, 1),
      marker(81, 1),
      marker(81, 1),
      marker(81, 2),
      marker(81, 3),
      marker(81, 4),
    ]);
  }, 60_000);
});

describe("timeoutSeconds and the consumer's lanes", () => {
  it("gives up on a POST after the route's timeoutSeconds, not DELIVERY_TIMEOUT_MS", async () => {
    const dest = destination("hang");
    const { env, name } = breakerEnv(dest.url, { timeoutSeconds: 1, circuitFailures: 0 });
    const started = Date.now();
    const [message] = await accept(env, name, 1);
    const result = await consume(env, [message as DeliveryMessage]);
    expect(Date.now() - started).toBeLessThan(4000); // testEnv's DELIVERY_TIMEOUT_MS is 5000
    // The batch returned without the hanging POST (detach.ts): its message was acknowledged and
    // the attempt, once timed out, queued the retry itself.
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);
    expect(result.sent.map((each) => each.body)).toEqual([message]);
    const state = await getDeliveryState(env, message?.event ?? "", name);
    expect(state?.lastError).toContain("no answer within 1000 ms");
  });

  it("names a timeoutSeconds out of bounds", async () => {
    const { env } = breakerEnv("https://example.com/hook", { timeoutSeconds: 600 });
    const health = await call(env, "/health", { headers: auth });
    const body = (await health.json()) as { errors: string[] };
    expect(body.errors.join("\n")).toContain("timeoutSeconds: must be at most 60 (seconds)");
  });

  it("delivers the rest of a batch while one POST hangs", async () => {
    const hanging = destination("hang");
    const healthy = destination("200");
    const routes = [
      { name: unique("h").slice(0, 20), url: hanging.url, timeoutSeconds: 6 },
      { name: unique("g").slice(0, 20), url: healthy.url },
    ].map((route) => ({ ...route, sources: "*", target: "dotted" }));
    const env = testEnv({ ROUTES: JSON.stringify(routes) });
    const [stuck] = await accept(env, routes[0]?.name ?? "", 1);
    const rest = await accept(env, routes[1]?.name ?? "", 4);
    const started = Date.now();
    await consume(env, [stuck as DeliveryMessage, ...rest]);
    const got = await received(healthy.key);
    expect(got).toHaveLength(4);
    // Each healthy POST was made while the hanging one still waited for its answer (6 s).
    for (const each of got) expect(each.at - started).toBeLessThan(5000);
  }, 20_000);

  it("one lane (DELIVERY_CONCURRENCY 1) waits for the hanging POST first", async () => {
    const hanging = destination("hang");
    const healthy = destination("200");
    const routes = [
      { name: unique("h").slice(0, 20), url: hanging.url, timeoutSeconds: 2 },
      { name: unique("g").slice(0, 20), url: healthy.url },
    ].map((route) => ({ ...route, sources: "*", target: "dotted" }));
    const env = testEnv({ ROUTES: JSON.stringify(routes), DELIVERY_CONCURRENCY: "1" });
    const [stuck] = await accept(env, routes[0]?.name ?? "", 1);
    const rest = await accept(env, routes[1]?.name ?? "", 2);
    const started = Date.now();
    await consume(env, [stuck as DeliveryMessage, ...rest]);
    const got = await received(healthy.key);
    expect(got).toHaveLength(2);
    for (const each of got) expect(each.at - started).toBeGreaterThanOrEqual(1900);
  });
});
