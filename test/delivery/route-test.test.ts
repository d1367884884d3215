/**
 * `POST /routes/:name/test`: a sample (or the caller's canonical event) translated to the route's
 * target, signed, with the route's headers, sent to its destination; the answer is the
 * destination's. Nothing is counted as traffic. Real local D1, the local destination server.
 */
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { SAMPLES } from "../../src/canonical/samples.ts";
import type { Env } from "../../src/config/env.ts";
import { call, destination, received, testEnv, unique } from "./helpers.ts";

const ADMIN = { Authorization: "Bearer admin-token" };
const SECRET = "whsec_0w0c3+NFy1HV+EhilVGFrTd4CeFBYeB0+qkHB5m558A=";

function routeEnv(script: string, route: Record<string, unknown> = {}) {
  const dest = destination(script);
  const name = unique("r").slice(0, 20);
  const env = testEnv({
    ADMIN_TOKEN: "admin-token",
    TEST_SECRET: SECRET,
    API_KEY: "key-123",
    ROUTES: JSON.stringify([
      { name, sources: "*", target: "chatwoot", url: dest.url, secret: "TEST_SECRET", ...route },
    ]),
  });
  return { env, name, dest };
}

const test = (env: Env, name: string, json: unknown = {}) =>
  call(env, `/routes/${name}/test`, { method: "POST", headers: ADMIN, json });

describe("POST /routes/:name/test", () => {
  it("sends a signed sample with the route's headers and answers the destination's status", async () => {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a route header's secret reference
    const { env, name, dest } = routeEnv("201", { headers: { "X-Api-Key": "${API_KEY}" } });
    const response = await test(env, name);
    expect(response.status).toBe(200);
    const result = (await response.json()) as Record<string, unknown>;
    expect(result).toMatchObject({
      route: name,
      test: true,
      status: 201,
      event: "message_created",
    });
    expect(result.answer).toBe("step 1: 201");
    expect(result.webhookId).toMatch(/^test-[0-9a-f-]{36}$/);
    expect(typeof result.durationMs).toBe("number");

    const [request] = await received(dest.key);
    expect(request?.headers["webhook-id"]).toBe(result.webhookId);
    expect(request?.headers["x-api-key"]).toBe("key-123");
    expect(request?.headers["x-chatwoot-signature"]).toMatch(/^sha256=/);
    // The reference library verifies it as it would any delivery.
    const payload = new Webhook(SECRET).verify(request?.body ?? "", request?.headers as never);
    expect(payload).toMatchObject({
      event: "message_created",
      content: SAMPLES.message.message.text,
    });
  });

  it("answers a refusal too, with at most 1 KB of it, and counts nothing as traffic", async () => {
    const { env, name, dest } = routeEnv("500");
    const before = await (await call(env, "/routes", { headers: ADMIN })).json();
    const response = await test(env, name, { sample: "conversation" });
    const result = (await response.json()) as { status: number; answer: string };
    expect(result.status).toBe(500);
    expect(result.answer.length).toBeLessThanOrEqual(1024);
    expect(await received(dest.key)).toHaveLength(1);
    expect(await (await call(env, "/routes", { headers: ADMIN })).json()).toEqual(before);
    const events = (await (
      await call(env, `/events?route=${name}`, { headers: ADMIN })
    ).json()) as {
      events: unknown[];
    };
    expect(events.events).toEqual([]);
  });

  it("sends the caller's canonical event, and refuses one that is not canonical", async () => {
    const { env, name, dest } = routeEnv("200");
    const event = { ...SAMPLES.message, message: { ...SAMPLES.message.message, text: "mine" } };
    expect((await test(env, name, { event })).status).toBe(200);
    expect((await received(dest.key))[0]?.body).toContain('"content":"mine"');

    const bad = await test(env, name, { event: { kind: "message.created" } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toMatch(
      /^event is not a canonical event: event\.id/,
    );
    expect((await test(env, name, { sample: "nope" })).status).toBe(400);
    expect((await test(env, "no-such-route")).status).toBe(404);
    expect((await call(env, `/routes/${name}/test`, { method: "POST", json: {} })).status).toBe(
      401,
    );
  });
});
