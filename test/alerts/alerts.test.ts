/**
 * Operational alerts (issue 27) in the Workers runtime with real local D1, queue producer and
 * Durable Objects: the consumer is driven with createMessageBatch, destinations and the alert
 * sink are the local destination server, and every alert is verified with the Standard Webhooks
 * reference library.
 */
import { createExecutionContext, createMessageBatch } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { loadConfig } from "../../src/config/index.ts";
import { gateOf, sendDigests } from "../../src/coordinate/index.ts";
import { webhookId } from "../../src/deliver/index.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import worker from "../../src/index.ts";
import { call, consume, destination, drive, received, retryIsDue } from "../delivery/helpers.ts";
import { accept, alertEnv, alertsReceived, auth, editHealth } from "./helpers.ts";

async function routeState(env: Env, name: string) {
  const response = await call(env, "/routes", { headers: auth });
  const { routes } = (await response.json()) as {
    routes: Array<{ name: string; paused: boolean; pausedBy?: string; held: number }>;
  };
  return routes.find((route) => route.name === name);
}

async function routeAlerts(env: Env, name: string) {
  const response = await call(env, "/routes", { headers: auth });
  const { routes } = (await response.json()) as {
    routes: Array<{ name: string; alerts?: { state: string; failures: number } }>;
  };
  return routes.find((route) => route.name === name)?.alerts;
}

describe("route.failing and route.recovered", () => {
  it("raise exactly one route.failing after failingAfter failures in a row, then route.recovered", async () => {
    const dest = destination("503,503,503,503,200");
    const { env, names, sink, secret } = alertEnv([{ url: dest.url, failingAfter: 3 }]);
    const [name] = names as [string];
    const [message] = (await accept(env, name)) as [DeliveryMessage];
    for (let attempt = 1; attempt <= 3; attempt++) {
      if (attempt > 1) await retryIsDue(env, message);
      await consume(env, [message], attempt);
    }
    // The console's view (GET /routes): failing, with its alert.
    expect((await routeAlerts(env, name))?.state).toBe("failing");
    await retryIsDue(env, message);
    const rounds = await drive(env, message);
    expect(rounds.map((round) => round.retried)).toEqual([true, false]);

    const alerts = await alertsReceived(sink.key, secret);
    expect(alerts.map((alert) => alert.type)).toEqual(["route.failing", "route.recovered"]);
    const [failing, recovered] = alerts;
    expect(failing).toMatchObject({
      type: "route.failing",
      route: name,
      consoleUrl: `/console?route=${name}`,
      data: { failures: 3, reason: "attempts", lastStatuses: [503, 503, 503], eventsAffected: 1 },
    });
    expect(failing?.id).toMatch(/^alert_/);
    expect(recovered).toMatchObject({ route: name, data: { failures: 4, eventsAffected: 1 } });
    expect(await routeAlerts(env, name)).toMatchObject({
      state: "ok",
      failures: 0,
      recent: [{ type: "route.recovered" }, { type: "route.failing" }],
    });
    expect(recovered?.data).toMatchObject({
      failingSince: (failing?.data as { failingSince?: string } | undefined)?.failingSince,
    });
  });
});

describe("automatic pause", () => {
  it("pauses a route failing for pauseAfterMinutes, holds new events, and resume delivers them in order", async () => {
    const dest = destination("503,503,200");
    // One lane: a batch's messages are posted one after the other, so the order checked at the
    // end is the order the resume queued them in (with 6 lanes two messages of one batch race;
    // order across events is what `ordered: true` promises, test/ordered).
    const { env, names, sink, secret } = alertEnv(
      [{ url: dest.url, failingAfter: 1, pauseAfterMinutes: 1 }],
      { vars: { DELIVERY_CONCURRENCY: "1" } },
    );
    const [name] = names as [string];
    const [first] = (await accept(env, name)) as [DeliveryMessage];
    await consume(env, [first], 1);
    expect((await routeState(env, name))?.paused).toBe(false);
    // The run of failures began two minutes ago (the object's clock-dependent state, moved back).
    await editHealth(env, name, (health) => {
      health.failingSince = (health.failingSince ?? Date.now()) - 2 * 60_000;
    });
    await retryIsDue(env, first);
    await consume(env, [first], 2);
    expect(await routeState(env, name)).toMatchObject({ paused: true, pausedBy: "automatic" });
    const paused = (await alertsReceived(sink.key, secret)).filter(
      (a) => a.type === "route.paused",
    );
    expect(paused).toEqual([
      expect.objectContaining({ route: name, data: expect.objectContaining({ by: "automatic" }) }),
    ]);

    // Held like a manual pause: nothing posted, nothing dropped.
    const [second] = (await accept(env, name)) as [DeliveryMessage];
    await retryIsDue(env, first);
    const held = await consume(env, [first, second], 3);
    expect(held.explicitAcks).toHaveLength(2);
    expect(await received(dest.key)).toHaveLength(2);
    expect(await routeState(env, name)).toMatchObject({ paused: true, held: 2 });

    expect(
      (await call(env, `/routes/${name}/resume`, { method: "POST", headers: auth })).status,
    ).toBe(200);
    let state = await routeState(env, name);
    for (let i = 0; i < 50 && state?.held !== 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      state = await routeState(env, name);
    }
    expect(state).toMatchObject({ paused: false, held: 0 });
    await consume(env, [first, second], 4);
    const got = await received(dest.key);
    expect(got.map((each) => each.status)).toEqual([503, 503, 200, 200]);
    expect(got.slice(2).map((each) => each.headers["webhook-id"])).toEqual([
      await webhookId(first.event, name, 0),
      await webhookId(second.event, name, 0),
    ]);
  });

  it("an operator's pause raises route.paused by operator", async () => {
    const { env, names, sink, secret } = alertEnv([{ url: destination().url }]);
    const [name] = names as [string];
    const ctx = createExecutionContext();
    const response = await (
      worker.fetch as (r: Request, e: Env, c: ExecutionContext) => Promise<Response>
    )(
      new Request(`https://translator.test/routes/${name}/pause`, {
        method: "POST",
        headers: auth,
      }),
      env,
      ctx,
    );
    expect(response.status).toBe(200);
    const { waitOnExecutionContext } = await import("cloudflare:test");
    await waitOnExecutionContext(ctx);
    const alerts = await alertsReceived(sink.key, secret);
    expect(alerts).toEqual([
      expect.objectContaining({
        type: "route.paused",
        route: name,
        data: expect.objectContaining({ by: "operator", held: 0 }),
      }),
    ]);
  });
});

describe("deliveries.dead", () => {
  it("tells the first dead letter at once, then one digest per window with the count", async () => {
    const dest = destination("400");
    const { env, names, sink, secret } = alertEnv([{ url: dest.url, failingAfter: 100 }]);
    const [name] = names as [string];
    for (const message of await accept(env, name, 3)) await consume(env, [message]);
    const dead = () =>
      alertsReceived(sink.key, secret).then((all) =>
        all.filter((a) => a.type === "deliveries.dead"),
      );
    expect((await dead()).map((alert) => alert.data)).toEqual([
      expect.objectContaining({ count: 1, deadLettersUrl: `/console?route=${name}&status=dead` }),
    ]);

    const config = loadConfig(env);
    if (!config.ok) throw new Error(config.errors.join("; "));
    const sends: Promise<unknown>[] = [];
    // Within the window: nothing more.
    expect(await sendDigests(env, config.config, (work) => sends.push(work))).toBe(0);
    // The window has passed (the last digest's time, moved back): the other two, in one digest.
    await editHealth(env, name, (health) => {
      health.lastSent["deliveries.dead"] = Date.now() - 6 * 60_000;
    });
    expect(await sendDigests(env, config.config, (work) => sends.push(work))).toBe(1);
    expect(await sendDigests(env, config.config, (work) => sends.push(work))).toBe(0);
    await Promise.all(sends);
    expect((await dead()).map((alert) => alert.data)).toEqual([
      expect.objectContaining({ count: 1 }),
      expect.objectContaining({ count: 2 }),
    ]);
  });
});

describe("an alert destination that is down", () => {
  it("delays no delivery: the batch is done while the alert is still unanswered", async () => {
    const failing = destination("503");
    const healthy = destination("200");
    const { env, names, sink } = alertEnv(
      [{ url: failing.url, failingAfter: 1 }, { url: healthy.url }],
      { alertScript: "hang" },
    );
    const [bad, good] = names as [string, string];
    const [one] = (await accept(env, bad)) as [DeliveryMessage];
    const batch = createMessageBatch<DeliveryMessage>("webhook-translator-deliveries", [
      { id: "m1", timestamp: new Date(), attempts: 1, body: one },
      { id: "m2", timestamp: new Date(), attempts: 1, body: { ...one, route: good } },
    ]);
    // The handler returns; the alert (sent in the background) has reached the sink, unanswered.
    await (worker.queue as ExportedHandlerQueueHandler<Env, DeliveryMessage>)(
      batch,
      env,
      createExecutionContext(),
    );
    expect((await received(healthy.key)).map((each) => each.status)).toEqual([200]);
    let alerts = await received(sink.key);
    for (let i = 0; i < 50 && alerts.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      alerts = await received(sink.key);
    }
    expect(alerts.map((each) => each.status)).toEqual([0]);
  });
});

describe("the circuit breaker hook (issue 26 calls it)", () => {
  it("raises route.failing when the breaker opens and route.recovered when its probe succeeds", async () => {
    const { env, names } = alertEnv([{ url: destination().url }]);
    const [name] = names as [string];
    const limits = { failingAfter: 5, pauseAfterMinutes: 1440, consoleUrl: "/console" };
    const opened = await gateOf(env, name).breakerChanged(name, true, limits);
    expect(opened).toEqual([
      expect.objectContaining({
        type: "route.failing",
        data: expect.objectContaining({ reason: "breaker" }),
      }),
    ]);
    expect(await gateOf(env, name).breakerChanged(name, true, limits)).toEqual([]);
    const closed = await gateOf(env, name).breakerChanged(name, false, limits);
    expect(closed.map((alert) => alert.type)).toEqual(["route.recovered"]);
  });
});
