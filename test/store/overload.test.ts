/**
 * Overload is never a lie: when the store or the queue refuses, the sender gets 503 with
 * Retry-After, never a 2xx for an event that was not kept (issue 22).
 */
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import { call, testEnv, unique } from "../delivery/helpers.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";
import { refusingStore } from "./rows.ts";

const text = JSON.stringify(chatwootMessage);
const env = (vars: Partial<Env> = {}) =>
  ({
    ...testEnv({ TARGET_FORMAT: "dotted", DESTINATION_URL: "https://example.com/hook" }),
    ...vars,
  }) as Env;
const post = (target: Env, delivery = unique()) =>
  call(target, "/webhooks/chatwoot", { text, headers: { "X-Chatwoot-Delivery": delivery } });

describe("a refusal on the way to keeping an event", () => {
  it("the store refusing (every shard failing, as in an outage): 503 with Retry-After, and the retry is accepted once it answers", async () => {
    const down = env({ EVENT_STORE: refusingStore("Durable Object is overloaded") });
    const delivery = unique();
    const refused = await post(down, delivery);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    expect(await refused.json()).toMatchObject({ error: "unavailable" });
    // Nothing was kept: the same request, once the store answers, is a new event, not a repeat.
    const retried = await post(env(), delivery);
    expect(retried.status).toBe(202);
    expect(((await retried.json()) as { accepted: string[] }).accepted).toHaveLength(1);
  });

  it("the queue refusing after the event was kept: 503 with Retry-After, and the retry is a repeat", async () => {
    const full = env({
      DELIVERY_QUEUE: {
        send: () => Promise.reject(new Error("Queue overloaded: too many requests")),
        sendBatch: () => Promise.reject(new Error("Queue overloaded: too many requests")),
      } as unknown as Queue<DeliveryMessage>,
    });
    const delivery = unique();
    const refused = await post(full, delivery);
    expect(refused.status).toBe(503);
    expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
    const { stored } = (await refused.json()) as { stored: string[] };
    expect(stored).toHaveLength(1);
    const retried = await post(env(), delivery);
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ accepted: [], duplicates: stored });
  });
});
