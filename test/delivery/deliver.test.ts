/**
 * Delivering: the queue consumer driven with createMessageBatch against a local destination
 * server (test/delivery/destination.ts), with real local D1 and queue bindings.
 */
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { fromBase64, hmac, toBase64, toHex } from "../../src/crypto/index.ts";
import {
  backoffSeconds,
  RETRY_WINDOW_SECONDS,
  retryAfterSeconds,
  webhookId,
} from "../../src/deliver/index.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";
import {
  call,
  consume,
  destination,
  drive,
  received,
  retryIsDue,
  testEnv,
  unique,
} from "./helpers.ts";

const chatwootText = JSON.stringify(chatwootMessage);
/** Destination secrets as `openssl rand -base64 32` and `npm run secret` print them. */
const DOTTED_SECRET = "EmXGvFb8ioerNkdcIL5rN/CrjnjXSG8WgjQkDo0+V4w=";
const HOORY_SECRET = "whsec_0w0c3+NFy1HV+EhilVGFrTd4CeFBYeB0+qkHB5m558A=";

/** Posts the Chatwoot fixture and returns the queue messages it produced, one per route. */
async function accept(env: Env, routes: string[], delivery = unique()): Promise<DeliveryMessage[]> {
  const response = await call(env, "/webhooks/chatwoot", {
    text: chatwootText,
    headers: { "X-Chatwoot-Delivery": delivery },
  });
  expect(response.status).toBe(202);
  const { accepted } = (await response.json()) as { accepted: string[] };
  return accepted.flatMap((event) => routes.map((route) => ({ v: 1 as const, event, route })));
}

const simple = (url: string, vars: Record<string, unknown> = {}) =>
  testEnv({ TARGET_FORMAT: "dotted", DESTINATION_URL: url, ...vars });

interface DeadLetterView {
  id: string;
  eventId: string;
  route: string;
  state: string;
  lastError: string;
  payload: unknown;
  attempts: Array<{ status: number; attempt: number; webhookId: string }>;
}

async function deadLetterFor(env: Env, eventId: string): Promise<DeadLetterView | undefined> {
  const response = await call(env, "/deadletters?limit=100", {
    headers: { Authorization: "Bearer admin-token" },
  });
  expect(response.status).toBe(200);
  const { deadLetters } = (await response.json()) as { deadLetters: DeadLetterView[] };
  return deadLetters.find((letter) => letter.eventId === eventId);
}

describe("queue consumer", () => {
  it("accepts, then delivers the translated event with Standard Webhooks headers", async () => {
    const dest = destination("200");
    const env = simple(dest.url);
    const [message] = await accept(env, ["default"]);
    const result = await consume(env, [message as DeliveryMessage]);
    expect(result.explicitAcks).toHaveLength(1);
    const [got] = await received(dest.key);
    expect(got?.headers["content-type"]).toBe("application/json");
    expect(got?.headers["user-agent"]).toMatch(/^webhook-translator\//);
    expect(got?.headers["webhook-id"]).toBe(await webhookId(message?.event ?? "", "default", 0));
    expect(Number(got?.headers["webhook-timestamp"])).toBeGreaterThan(1_700_000_000);
    expect(JSON.parse(got?.body ?? "{}").event).toMatch(/^message\.create\./);
  });

  it("retries 503 twice then delivers, with the same webhook-id on every attempt", async () => {
    const dest = destination("503,503,200");
    const env = simple(dest.url, { RETRY_BASE_SECONDS: "10" });
    const [message] = await accept(env, ["default"]);
    const rounds = await drive(env, message as DeliveryMessage);
    expect(rounds.map((r) => r.retried)).toEqual([true, true, false]);
    // Backoff: 10 s doubling, jittered between half and all of it.
    expect(rounds[0]?.delaySeconds).toBeGreaterThanOrEqual(5);
    expect(rounds[0]?.delaySeconds).toBeLessThanOrEqual(10);
    expect(rounds[1]?.delaySeconds).toBeGreaterThanOrEqual(10);
    expect(rounds[1]?.delaySeconds).toBeLessThanOrEqual(20);
    const got = await received(dest.key);
    expect(got).toHaveLength(3);
    const ids = new Set(got.map((r) => r.headers["webhook-id"]));
    expect(ids.size).toBe(1);
  });

  it("honours Retry-After on 429 and retries network errors and timeouts", async () => {
    const limited = destination("429ra7,200");
    const env = simple(limited.url);
    const [message] = await accept(env, ["default"]);
    const rounds = await drive(env, message as DeliveryMessage);
    expect(rounds[0]).toMatchObject({ retried: true, delaySeconds: 7 });
    expect(rounds).toHaveLength(2);

    for (const script of ["close,200", "hang,200"]) {
      const dest = destination(script);
      const flaky = simple(dest.url, { DELIVERY_TIMEOUT_MS: "1000" });
      const [m] = await accept(flaky, ["default"]);
      const r = await drive(flaky, m as DeliveryMessage);
      expect(
        r.map((x) => x.retried),
        script,
      ).toEqual([true, false]);
    }
  });

  it("does not retry a 400: it is dead-lettered with payload, route, attempts and error", async () => {
    const dest = destination("400");
    const env = simple(dest.url, { ADMIN_TOKEN: "admin-token" });
    const [message] = await accept(env, ["default"]);
    const rounds = await drive(env, message as DeliveryMessage);
    expect(rounds).toHaveLength(1);
    expect(rounds[0]?.retried).toBe(false);
    expect(await received(dest.key)).toHaveLength(1);
    const letter = await deadLetterFor(env, message?.event ?? "");
    expect(letter).toMatchObject({ route: "default", state: "dead" });
    expect(letter?.lastError).toContain("HTTP 400");
    expect(letter?.payload).toEqual(chatwootMessage);
    expect(letter?.attempts.map((a) => a.status)).toEqual([400]);
  });

  it("dead-letters after MAX_ATTEMPTS retryable failures", async () => {
    const dest = destination("500");
    const env = simple(dest.url, { ADMIN_TOKEN: "admin-token", MAX_ATTEMPTS: "3" });
    const [message] = await accept(env, ["default"]);
    const rounds = await drive(env, message as DeliveryMessage);
    expect(rounds.map((r) => r.retried)).toEqual([true, true, false]);
    const letter = await deadLetterFor(env, message?.event ?? "");
    expect(letter?.attempts.map((a) => a.status)).toEqual([500, 500, 500]);
    expect(letter?.lastError).toContain("gave up after 3 attempts");
  });

  it("dead-letters instead of retrying past the retry window (the queue would drop the message)", async () => {
    const dest = destination("429ra43200");
    const env = simple(dest.url, { ADMIN_TOKEN: "admin-token" });
    const [message] = await accept(env, ["default"]);

    const fresh = await consume(env, [message as DeliveryMessage], 1);
    expect(fresh.delays[0]).toBe(43_200);

    const queuedAlmostThreeDaysAgo = new Date(Date.now() - (RETRY_WINDOW_SECONDS - 3600) * 1000);
    await retryIsDue(env, message as DeliveryMessage);
    const old = await consume(
      env,
      [message as DeliveryMessage],
      2,
      undefined,
      queuedAlmostThreeDaysAgo,
    );
    expect(old.retryMessages).toHaveLength(0);
    expect(old.explicitAcks).toHaveLength(1);
    const letter = await deadLetterFor(env, message?.event ?? "");
    expect(letter?.lastError).toContain("outside the 72 h retry window");
    expect(letter?.lastError).toContain("HTTP 429");
    expect(letter?.attempts.map((a) => a.status)).toEqual([429, 429]);
  });

  it("replays a dead letter through the queue with the current mappings", async () => {
    const failing = destination("422,200");
    const env = simple(failing.url, { ADMIN_TOKEN: "admin-token" });
    const [message] = await accept(env, ["default"]);
    await drive(env, message as DeliveryMessage);
    const letter = await deadLetterFor(env, message?.event ?? "");
    expect(letter).toBeDefined();

    // The admin routes are closed without a token and refuse a wrong one.
    const noToken = await call(simple(failing.url), `/deadletters/${letter?.id}/replay`, {
      method: "POST",
    });
    expect(noToken.status).toBe(503);
    const wrong = await call(env, `/deadletters/${letter?.id}/replay`, {
      method: "POST",
      headers: { Authorization: "Bearer nope" },
    });
    expect(wrong.status).toBe(401);

    const replay = await call(env, `/deadletters/${letter?.id}/replay`, {
      method: "POST",
      headers: { Authorization: "Bearer admin-token" },
    });
    expect(replay.status).toBe(202);
    expect((await deadLetterFor(env, message?.event ?? ""))?.state).toBe("replayed");
    // The replay message as the queue would carry it.
    const rounds = await drive(env, { ...(message as DeliveryMessage), replay: letter?.id ?? "" });
    expect(rounds).toHaveLength(1);
    const got = await received(failing.key);
    expect(got.map((r) => r.headers["webhook-id"])).toHaveLength(2);
    expect(got[1]?.headers["webhook-id"]).toBe(got[0]?.headers["webhook-id"]);
  });

  it("delivers a repeated webhook once", async () => {
    const dest = destination("200");
    const env = simple(dest.url);
    const delivery = unique();
    const messages = await accept(env, ["default"], delivery);
    const again = await call(env, "/webhooks/chatwoot", {
      text: chatwootText,
      headers: { "X-Chatwoot-Delivery": delivery },
    });
    expect(((await again.json()) as { accepted: string[] }).accepted).toEqual([]);
    await consume(env, messages);
    // A queue that redelivers the same message does not re-send what was delivered.
    await consume(env, messages, 2);
    expect(await received(dest.key)).toHaveLength(1);
  });

  it("fans out to two routes in different formats, each signed its own way", async () => {
    const toDotted = destination("200");
    const toHoory = destination("200");
    const env = testEnv({
      DOTTED_SECRET: DOTTED_SECRET,
      HOORY_SECRET: HOORY_SECRET,
      ROUTES: [
        {
          name: "dotted",
          sources: ["chatwoot"],
          target: "dotted",
          url: toDotted.url,
          secret: "DOTTED_SECRET",
        },
        {
          name: "hoory",
          sources: "*",
          target: "hoory",
          url: toHoory.url,
          secret: "HOORY_SECRET",
          events: ["message_*"],
        },
      ],
    });
    const messages = await accept(env, ["dotted", "hoory"]);
    const result = await consume(env, messages);
    expect(result.explicitAcks).toHaveLength(2);

    const [dotted] = await received(toDotted.key);
    const [hoory] = await received(toHoory.key);
    expect(JSON.parse(dotted?.body ?? "{}").event).toMatch(/^message\.create/);
    expect(JSON.parse(hoory?.body ?? "{}").event).toBe("message_created");

    // dotted: X-Hub-Signature over the body, keyed with the secret as written; Standard
    // Webhooks with the decoded key of a bare base64 secret (the reference library's reading).
    const dottedBody = dotted?.body ?? "";
    expect(dotted?.headers["x-hub-signature"]).toBe(
      `sha1=${toHex(await hmac("SHA-1", DOTTED_SECRET, dottedBody))}`,
    );
    const dottedSigned = `${dotted?.headers["webhook-id"]}.${dotted?.headers["webhook-timestamp"]}.${dottedBody}`;
    expect(dotted?.headers["webhook-signature"]).toBe(
      `v1,${toBase64(await hmac("SHA-256", fromBase64(DOTTED_SECRET), dottedSigned))}`,
    );

    // Chatwoot family: X-Chatwoot-* over "<ts>.<body>"; Standard Webhooks with the whsec_ key.
    const hooryBody = hoory?.body ?? "";
    const ts = hoory?.headers["x-chatwoot-timestamp"];
    expect(hoory?.headers["x-chatwoot-delivery"]).toBe(hoory?.headers["webhook-id"]);
    expect(hoory?.headers["x-chatwoot-signature"]).toBe(
      `sha256=${toHex(await hmac("SHA-256", HOORY_SECRET, `${ts}.${hooryBody}`))}`,
    );
    const hoorySigned = `${hoory?.headers["webhook-id"]}.${hoory?.headers["webhook-timestamp"]}.${hooryBody}`;
    expect(hoory?.headers["webhook-signature"]).toBe(
      `v1,${toBase64(await hmac("SHA-256", fromBase64(HOORY_SECRET.slice(6)), hoorySigned))}`,
    );
  });

  it("signs Support Hunt deliveries with the token: the native secret when set, else the route's secret as written", async () => {
    for (const [vars, token, standard] of [
      [{ DESTINATION_NATIVE_SECRET: "sh-out" }, "sh-out", false],
      [{ DESTINATION_SECRET: HOORY_SECRET }, HOORY_SECRET, true],
      [{ DESTINATION_SECRET: HOORY_SECRET, DESTINATION_NATIVE_SECRET: "sh-out" }, "sh-out", true],
    ] as const) {
      const dest = destination("200");
      const env = testEnv({ TARGET_FORMAT: "supporthunt", DESTINATION_URL: dest.url, ...vars });
      const messages = await accept(env, ["default"]);
      await consume(env, messages);
      const got = await received(dest.key);
      expect(got.length).toBeGreaterThan(0);
      for (const request of got) {
        expect(request.headers.authorization).toBe(`Bearer ${token}`);
        expect(request.headers["x-webhook-token"]).toBe(token);
        expect(request.headers["webhook-signature"] !== undefined).toBe(standard);
      }
    }
  });

  it("acks without delivering when the route's event filter leaves nothing", async () => {
    const dest = destination("200");
    const env = testEnv({
      ROUTES: [
        {
          name: "convs",
          sources: "*",
          target: "dotted",
          url: dest.url,
          events: ["conversation.*"],
        },
      ],
    });
    const messages = await accept(env, ["convs"]);
    const result = await consume(env, messages);
    expect(result.explicitAcks).toHaveLength(1);
    expect(await received(dest.key)).toHaveLength(0);
  });

  it("postpones deliveries while the configuration is broken", async () => {
    const env = testEnv({ ROUTES: "nope" });
    const result = await consume(env, [{ v: 1, event: unique(), route: "default" }]);
    expect(result.retryBatch.retry).toBe(true);
  });

  it("lists dead letters newest first with a cursor", async () => {
    const dest = destination("410");
    const env = simple(dest.url, { ADMIN_TOKEN: "admin-token" });
    const first = await accept(env, ["default"]);
    const second = await accept(env, ["default"]);
    await consume(env, first);
    await consume(env, second);
    const page = await call(env, "/deadletters?limit=1", {
      headers: { Authorization: "Bearer admin-token" },
    });
    const body = (await page.json()) as { deadLetters: DeadLetterView[]; next: string };
    expect(body.deadLetters).toHaveLength(1);
    expect(body.next).toBeDefined();
    const next = await call(env, `/deadletters?limit=1&cursor=${body.next}`, {
      headers: { Authorization: "Bearer admin-token" },
    });
    const nextBody = (await next.json()) as { deadLetters: DeadLetterView[] };
    expect(nextBody.deadLetters[0]?.id).not.toBe(body.deadLetters[0]?.id);
  });
});

describe("delivery helpers", () => {
  it("backoff doubles from the base up to the cap, jittered", () => {
    const settings = {
      retryBaseSeconds: 10,
      retryMaxSeconds: 3600,
      maxAttempts: 10,
      timeoutMs: 1,
      concurrency: 6,
      circuitFailures: 5,
      circuitCooldownSeconds: 30,
    };
    expect(backoffSeconds(1, settings, () => 1)).toBe(10);
    expect(backoffSeconds(1, settings, () => 0)).toBe(5);
    expect(backoffSeconds(4, settings, () => 1)).toBe(80);
    expect(backoffSeconds(20, settings, () => 1)).toBe(3600);
  });

  it("reads Retry-After as seconds or a date", () => {
    expect(retryAfterSeconds("120")).toBe(120);
    expect(retryAfterSeconds(new Date(Date.now() + 30_000).toUTCString())).toBeGreaterThanOrEqual(
      29,
    );
    expect(retryAfterSeconds("soon")).toBeUndefined();
  });
});
