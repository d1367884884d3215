/**
 * What a destination answers cannot exhaust the Worker (issue 23, finding 1): a 500 with a
 * 100 MB body, or a body that trickles forever, costs an attempt a few KB and its timeout at
 * most. The local destination (test/delivery/destination.ts) counts the body bytes it managed to
 * write before the Worker hung up; the other route keeps delivering and /health keeps answering.
 */
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import {
  call,
  consume,
  destination,
  type Received,
  received,
  retryIsDue,
  testEnv,
  unique,
} from "../delivery/helpers.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";

const ADMIN = "answers-admin-token";
/** Far below the 100 MB offered: what was read, plus what sockets buffer on the way. */
const MAX_BYTES_DRAWN = 16 * 1024 * 1024;

type Streamed = Received & { sent?: number; ended?: boolean };

/** The destination's records of `key` once every streamed answer is over (hung up or complete). */
async function settled(key: string, attempts: number): Promise<Streamed[]> {
  for (let i = 0; i < 300; i++) {
    const records = (await received(key)) as Streamed[];
    if (records.length >= attempts && records.every((record) => record.ended)) return records;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the answers to ${key} never ended: the Worker kept reading`);
}

async function accept(env: Env, routes: string[]): Promise<DeliveryMessage[]> {
  const response = await call(env, "/webhooks/chatwoot", {
    text: JSON.stringify(chatwootMessage),
    headers: { "X-Chatwoot-Delivery": unique() },
  });
  expect(response.status).toBe(202);
  const { accepted } = (await response.json()) as { accepted: string[] };
  return accepted.flatMap((event) => routes.map((route) => ({ v: 1 as const, event, route })));
}

async function attemptErrors(env: Env, event: string, route: string): Promise<string[]> {
  const response = await call(env, `/events/${event}`, {
    headers: { Authorization: `Bearer ${ADMIN}` },
  });
  expect(response.status).toBe(200);
  const detail = (await response.json()) as {
    deliveries: Array<{ route: string; history: Array<{ error?: string }> }>;
  };
  return (detail.deliveries.find((r) => r.route === route)?.history ?? []).map(
    (a) => a.error ?? "",
  );
}

function routedTo(broken: string, working: string, vars: Record<string, unknown> = {}): Env {
  return testEnv({
    ADMIN_TOKEN: ADMIN,
    ROUTES: [
      { name: "broken", sources: ["chatwoot"], target: "dotted", url: broken },
      { name: "working", sources: ["chatwoot"], target: "dotted", url: working },
    ],
    ...vars,
  });
}

describe("a destination's answer is read a few KB at most", () => {
  it("a 500 with a 100 MB body: the other route delivers, /health answers, the record is capped", async () => {
    const big = destination("big");
    const fine = destination("200");
    const env = routedTo(big.url, fine.url);
    const messages = [
      ...(await accept(env, ["broken", "working"])),
      ...(await accept(env, ["broken", "working"])),
    ];
    const brokenOnes = messages.filter((m) => m.route === "broken");

    // Two rounds (first attempt and one retry) of both events on both routes.
    for (const attempt of [1, 2]) {
      const batch = attempt === 1 ? messages : brokenOnes;
      if (attempt > 1) for (const message of batch) await retryIsDue(env, message);
      const consuming = consume(env, batch, attempt);
      for (let i = 0; i < 3; i++) {
        const health = await call(env, "/health");
        expect(health.status).toBe(200);
      }
      const result = await consuming;
      expect(result.retryMessages).toHaveLength(brokenOnes.length);
    }

    expect(await received(fine.key)).toHaveLength(2);
    const answers = await settled(big.key, 4);
    expect(answers).toHaveLength(4);
    for (const answer of answers) expect(answer.sent ?? 0).toBeLessThan(MAX_BYTES_DRAWN);

    for (const message of brokenOnes) {
      const errors = await attemptErrors(env, message.event, "broken");
      expect(errors).toHaveLength(2);
      for (const error of errors) {
        expect(error).toMatch(/^HTTP 500: x+$/);
        expect(error.length).toBeLessThanOrEqual("HTTP 500: ".length + 200);
      }
    }
    expect((await call(env, "/health")).status).toBe(200);
  });

  it("a 500 whose body trickles forever ends with the attempt's timeout", async () => {
    const slow = destination("trickle");
    const fine = destination("200");
    const env = routedTo(slow.url, fine.url, { DELIVERY_TIMEOUT_MS: "1000" });
    const messages = await accept(env, ["broken", "working"]);
    const result = await consume(env, messages);
    // Retried once: the batch returned without the trickling answer, whose attempt queued its
    // own retry when it timed out (src/deliver/detach.ts).
    expect(result.retryMessages).toEqual([]);
    expect(result.sent.map((each) => each.body.route)).toEqual(["broken"]);
    expect(await received(fine.key)).toHaveLength(1);
    const [answer] = await settled(slow.key, 1);
    expect(answer?.sent ?? 0).toBeLessThan(100);
  });

  it("a 500 with 1 MB of headers is a failed attempt, retried; the other route delivers", async () => {
    const heavy = destination("bigheaders");
    const fine = destination("200");
    const env = routedTo(heavy.url, fine.url);
    const messages = await accept(env, ["broken", "working"]);
    const result = await consume(env, messages);
    expect(result.retryMessages).toHaveLength(1);
    expect(await received(fine.key)).toHaveLength(1);
    const broken = messages.find((m) => m.route === "broken");
    const [error] = await attemptErrors(env, broken?.event ?? "", "broken");
    expect(error?.length ?? 0).toBeLessThanOrEqual(220);
    expect((await call(env, "/health")).status).toBe(200);
  });
});
