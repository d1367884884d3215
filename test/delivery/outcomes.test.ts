/**
 * What an operator reads after the fact: each attempt is logged with what it really led to (the
 * last one is never "retry"), and a replay whose route is gone is refused at once.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/config/env.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";
import { call, consume, destination, drive, testEnv, unique } from "./helpers.ts";

const ADMIN = "outcomes-admin";
const auth = { Authorization: `Bearer ${ADMIN}` };

let lines: Array<Record<string, unknown>> = [];
beforeEach(() => {
  lines = [];
  for (const method of ["log", "warn", "error"] as const) {
    vi.spyOn(console, method).mockImplementation((line: unknown) => {
      if (typeof line === "string" && line.startsWith("{")) lines.push(JSON.parse(line));
    });
  }
});
afterEach(() => vi.restoreAllMocks());

const simple = (url: string, vars: Record<string, unknown> = {}) =>
  testEnv({ TARGET_FORMAT: "dotted", DESTINATION_URL: url, ADMIN_TOKEN: ADMIN, ...vars });

async function accept(env: Env): Promise<DeliveryMessage> {
  const response = await call(env, "/webhooks/chatwoot", {
    text: JSON.stringify(chatwootMessage),
    headers: { "X-Chatwoot-Delivery": unique() },
  });
  expect(response.status).toBe(202);
  const { accepted } = (await response.json()) as { accepted: string[] };
  return { v: 1, event: accepted[0] as string, route: "default" };
}

const attemptsOf = (eventId: string) =>
  lines
    .filter((line) => line.message === "delivery attempt" && line.eventId === eventId)
    .map((line) => [line.attempt, line.status, line.outcome]);

describe("delivery attempt logs", () => {
  it("retryable failures are retry until the last, which gave up; then the dead letter", async () => {
    const env = simple(destination("500").url, { MAX_ATTEMPTS: "3" });
    const message = await accept(env);
    await drive(env, message);
    expect(attemptsOf(message.event)).toEqual([
      [1, 500, "retry"],
      [2, 500, "retry"],
      [3, 500, "gave_up"],
    ]);
    const messages = lines.map((line) => line.message);
    const last = messages.lastIndexOf("delivery attempt");
    expect(messages[last + 1]).toBe("dead letter");
  });

  it("a refusal is logged dead, a success delivered", async () => {
    const refused = simple(destination("400").url);
    const first = await accept(refused);
    await drive(refused, first);
    expect(attemptsOf(first.event)).toEqual([[1, 400, "dead"]]);

    const fine = simple(destination("503,200").url);
    const second = await accept(fine);
    await drive(fine, second);
    expect(attemptsOf(second.event)).toEqual([
      [1, 503, "retry"],
      [2, 200, "delivered"],
    ]);
  });
});

describe("replaying a dead letter whose route was removed", () => {
  it("answers 409 naming the route and queues nothing", async () => {
    const env = simple(destination("400").url);
    const message = await accept(env);
    await consume(env, [message]);
    const list = (await (await call(env, "/deadletters?limit=100", { headers: auth })).json()) as {
      deadLetters: Array<{ id: string; eventId: string; state: string }>;
    };
    const letter = list.deadLetters.find((each) => each.eventId === message.event);
    expect(letter).toBeDefined();

    // The route "default" is gone: only a route named "crm" remains.
    // The real queue binding, with a record of what is sent through it.
    const sent: unknown[] = [];
    const real = testEnv().DELIVERY_QUEUE;
    const queue = {
      send: (body, options) => {
        sent.push(body);
        return real.send(body, options);
      },
      sendBatch: (batch, options) => {
        sent.push(...batch);
        return real.sendBatch(batch, options);
      },
    } as Queue<DeliveryMessage>;
    const without = testEnv({
      ADMIN_TOKEN: ADMIN,
      ROUTES: [{ name: "crm", sources: "*", target: "dotted", url: destination().url }],
      DELIVERY_QUEUE: queue,
    });
    const replay = await call(without, `/deadletters/${letter?.id}/replay`, {
      method: "POST",
      headers: auth,
    });
    expect(replay.status).toBe(409);
    const body = (await replay.json()) as { error: string; route: string; message: string };
    expect(body).toMatchObject({ error: "route_missing", route: "default" });
    expect(body.message).toContain('"default"');
    expect(sent).toEqual([]);
    const after = (await (
      await call(env, `/deadletters/${letter?.id}`, { headers: auth })
    ).json()) as {
      state: string;
    };
    expect(after.state).toBe("dead");

    // With the route back, the replay is queued.
    const back = testEnv({
      ADMIN_TOKEN: ADMIN,
      TARGET_FORMAT: "dotted",
      DESTINATION_URL: destination().url,
      DELIVERY_QUEUE: queue,
    });
    const again = await call(back, `/deadletters/${letter?.id}/replay`, {
      method: "POST",
      headers: auth,
    });
    expect(again.status).toBe(202);
    expect(sent).toHaveLength(1);
  });
});
