/**
 * A batch does not wait for a hanging attempt (src/deliver/detach.ts), in the Workers runtime
 * against real local D1, queue producer and Durable Objects: once the rest of the batch is done,
 * the handler returns (the queue acknowledges the batch and hands the consumer the next one)
 * while the slow POST goes on in the background; its outcome still reaches the outbox row, the
 * circuit breaker and the queue; a slow success is recorded once; and a route whose attempts
 * outlive their batches gets no more connections until they end.
 */
import { describe, expect, it } from "vitest";
import { DETACH_AFTER_MS } from "../../src/deliver/detach.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import { getDeliveryState } from "../../src/store/index.ts";
import { accept } from "../alerts/helpers.ts";
import { call, destination, received, startConsume, testEnv, unique } from "./helpers.ts";

const auth = { Authorization: "Bearer admin-token" };

/** A hanging route (`timeoutSeconds` 3) and a healthy one, each of its own. */
function twoRoutes(hangingUrl: string, healthyUrl: string, extra: Record<string, unknown> = {}) {
  const routes = [
    { name: unique("h").slice(0, 20), url: hangingUrl, timeoutSeconds: 3, circuitFailures: 1 },
    { name: unique("g").slice(0, 20), url: healthyUrl },
  ].map((route) => ({ ...route, sources: "*", target: "dotted" }));
  const env = testEnv({ ADMIN_TOKEN: "admin-token", ROUTES: JSON.stringify(routes), ...extra });
  return { env, hanging: routes[0]?.name ?? "", healthy: routes[1]?.name ?? "" };
}

describe("a batch and its hanging attempt", () => {
  it("returns once the rest is delivered; the hanging POST's failure still reaches the row, the breaker and the queue", async () => {
    const stuck = destination("hang");
    const fine = destination("200");
    const { env, hanging, healthy } = twoRoutes(stuck.url, fine.url);
    const [slow] = await accept(env, hanging, 1);
    const rest = await accept(env, healthy, 4);
    const started = Date.now();
    const run = startConsume(env, [slow as DeliveryMessage, ...rest]);
    await run.returned;
    const returnedAfter = Date.now() - started;
    // The handler returned long before the 3 s timeout, with the healthy deliveries made.
    expect(returnedAfter).toBeLessThan(2000);
    expect(returnedAfter).toBeGreaterThanOrEqual(DETACH_AFTER_MS);
    expect(await received(fine.key)).toHaveLength(4);
    expect(await received(stuck.key)).toHaveLength(1);
    // Still pending while the POST hangs: a lost isolate leaves it to the sweep.
    expect((await getDeliveryState(env, slow?.event ?? "", hanging))?.status).toMatch(
      /^(queued|new)$/,
    );

    const result = await run.done;
    expect(result.explicitAcks).toHaveLength(5);
    expect(result.retryMessages).toEqual([]);
    expect(result.sent.map((each) => each.body)).toEqual([slow]);
    expect(await getDeliveryState(env, slow?.event ?? "", hanging)).toMatchObject({
      status: "retrying",
      attempts: 1,
      lastError: expect.stringContaining("no answer within 3000 ms"),
    });
    // The route's object heard of the failure after the batch had returned: its circuit opened.
    const routes = (await (await call(env, "/routes", { headers: auth })).json()) as {
      routes: Array<{ name: string; circuit: { state: string } }>;
    };
    expect(routes.routes.find((each) => each.name === hanging)?.circuit.state).toBe("open");
  }, 20_000);

  it("a delivery left running that succeeds is recorded delivered once, with nothing queued again", async () => {
    const slow = destination("200after1500");
    const fine = destination("200");
    const { env, hanging, healthy } = twoRoutes(slow.url, fine.url);
    const [late] = await accept(env, hanging, 1);
    const rest = await accept(env, healthy, 2);
    const started = Date.now();
    const run = startConsume(env, [late as DeliveryMessage, ...rest]);
    await run.returned;
    expect(Date.now() - started).toBeLessThan(1200);
    const result = await run.done;
    expect(result.sent).toEqual([]);
    expect(result.retryMessages).toEqual([]);
    expect(await received(slow.key)).toHaveLength(1);
    expect(await getDeliveryState(env, late?.event ?? "", hanging)).toMatchObject({
      status: "delivered",
      attempts: 1,
      lastStatus: 200,
    });
  }, 20_000);

  it("a route with as many attempts left running as there are lanes gets no new connection: its messages wait, not as an attempt", async () => {
    const stuck = destination("hang");
    const fine = destination("200");
    const { env, hanging, healthy } = twoRoutes(stuck.url, fine.url, { DELIVERY_CONCURRENCY: "2" });
    const [a, b, ...more] = await accept(env, hanging, 4);
    const [x, y] = await accept(env, healthy, 2);
    // Two batches each leave one hanging attempt running: two, as many as the lanes.
    const one = startConsume(env, [a, x] as DeliveryMessage[]);
    await one.returned;
    const two = startConsume(env, [b, y] as DeliveryMessage[]);
    await two.returned;
    const three = await startConsume(env, more).done;
    await Promise.all([one.done, two.done]);
    expect(await received(stuck.key)).toHaveLength(2);
    // Sent again after the route's timeout (3 s); no attempt counted.
    expect(three.sent).toEqual(more.map((body) => ({ body, delaySeconds: 3 })));
    for (const body of more)
      expect((await getDeliveryState(env, body.event, hanging))?.attempts ?? 0).toBe(0);
  }, 20_000);
});
