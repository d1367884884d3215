/**
 * Secrets: never logged nor answered back; checked in constant time; timestamps within 5 minutes
 * both ways; admin routes closed without the token; destinations come from configuration only;
 * an internal error answers a generic 500 without a stack; two secrets during a rotation.
 */

import { Webhook } from "standardwebhooks";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { routeKeys } from "../../src/config/index.ts";
import { constantTimeEqual, hmac, matchesAny, toHex } from "../../src/crypto/index.ts";
import { newSecret } from "../../src/crypto/secrets.ts";
import { deliveryHeaders } from "../../src/deliver/index.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import { MAX_CLOCK_SKEW_SECONDS } from "../../src/formats/chatwoot/transport.ts";
import { findFormat } from "../../src/formats/index.ts";
import {
  call,
  chatwootSigned,
  consume,
  destination,
  hubSignature,
  received,
  testEnv,
} from "../delivery/helpers.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";
import supporthuntText from "../fixtures/supporthunt/message-text/source.json";
import { refusingStore } from "../store/rows.ts";
import { expectClientAnswer } from "./helpers.ts";

const chatwootText = JSON.stringify(chatwootMessage);
const SOURCE_SECRET = "src-secret-7f3a9c1e5b";
const OLD_SOURCE_SECRET = "old-src-secret-2d8e4a";
const DEST_SECRET = "whsec_QUfgxEa1c7oOO1CJYTZlqZEovMtfgPEFEu3ZfP9HlIc=";
const ADMIN = "admin-token-5ce1d3a8f0";

/** Everything written to the console while a test runs. */
let logged: string[] = [];
beforeEach(() => {
  logged = [];
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      logged.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
    });
  }
});
afterEach(() => vi.restoreAllMocks());

function expectNotIn(haystack: string, needles: string[], where: string) {
  for (const needle of needles)
    expect(haystack, `${where} contains ${needle}`).not.toContain(needle);
}

const env = (vars: Record<string, unknown> = {}, script = "200") => {
  const dest = destination(script);
  return {
    dest,
    env: testEnv({
      TARGET_FORMAT: "dotted",
      DESTINATION_URL: dest.url,
      DESTINATION_SECRET: DEST_SECRET,
      WEBHOOK_SECRET_CHATWOOT: `${SOURCE_SECRET},${OLD_SOURCE_SECRET}`,
      WEBHOOK_SECRET_DOTTED: SOURCE_SECRET,
      WEBHOOK_SECRET_SUPPORTHUNT: SOURCE_SECRET,
      ADMIN_TOKEN: ADMIN,
      ...vars,
    }),
  };
};

const messagesOf = async (response: Response): Promise<DeliveryMessage[]> => {
  const { accepted } = (await response.json()) as { accepted: string[] };
  return accepted.map((event) => ({ v: 1, event, route: "default" }));
};

describe("secrets are never logged or answered back", () => {
  it("a signed request, a wrongly signed one and a signed delivery leave no secret or signature in the logs", async () => {
    const { env: e, dest } = env();
    const signed = await chatwootSigned(SOURCE_SECRET, chatwootText);
    const ok = await call(e, "/webhooks/chatwoot", { text: chatwootText, headers: signed });
    expect(ok.status).toBe(202);
    const messages = await messagesOf(ok);

    const wrong = await chatwootSigned("not-the-secret", chatwootText);
    const refused = await call(e, "/webhooks/chatwoot", { text: chatwootText, headers: wrong });
    const refusedText = await refused.text();
    expect(refused.status).toBe(401);

    const dottedBody = JSON.stringify({
      id: crypto.randomUUID(),
      event: "message.create.contact.chat",
    });
    const badHub = await hubSignature("nope", dottedBody);
    const hubRefused = await call(e, "/webhooks/dotted", {
      text: dottedBody,
      headers: { "X-Hub-Signature": badHub },
    });
    const hubRefusedText = await hubRefused.text();
    expect(hubRefused.status).toBe(401);

    const tokenRefused = await call(e, "/webhooks/supporthunt?token=wrong-token-in-query", {
      json: supporthuntText,
      headers: { Authorization: "Bearer wrong-bearer-token" },
    });
    const tokenRefusedText = await tokenRefused.text();
    expect(tokenRefused.status).toBe(401);
    const tokenOk = await call(e, `/webhooks/supporthunt?token=${SOURCE_SECRET}`, {
      json: { ...supporthuntText, nonce: crypto.randomUUID() },
    });
    expect(tokenOk.status).toBeLessThan(300);

    await consume(e, messages);
    const [delivery] = await received(dest.key);
    const outboundSignature = delivery?.headers["webhook-signature"] ?? "";
    const hub = delivery?.headers["x-hub-signature"] ?? "";
    expect(outboundSignature).toMatch(/^v1,/);
    expect(hub).toMatch(/^sha1=/);

    const admin = await call(e, "/deadletters", { headers: { Authorization: `Bearer ${ADMIN}` } });
    expect(admin.status).toBe(200);
    const badAdmin = await call(e, "/deadletters", { headers: { Authorization: "Bearer guess" } });
    const badAdminText = await badAdmin.text();
    expect(badAdmin.status).toBe(401);

    const secrets = [
      SOURCE_SECRET,
      OLD_SOURCE_SECRET,
      DEST_SECRET,
      ADMIN,
      "wrong-token-in-query",
      "wrong-bearer-token",
      "guess",
      (signed["X-Chatwoot-Signature"] as string).slice(7),
      (wrong["X-Chatwoot-Signature"] as string).slice(7),
      badHub.slice(5),
      outboundSignature.slice(3),
      hub.slice(5),
    ];
    const logs = logged.join("\n");
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).toContain("delivery attempt");
    expectNotIn(logs, secrets, "logs");
    for (const [name, text] of Object.entries({
      refusedText,
      hubRefusedText,
      tokenRefusedText,
      badAdminText,
    })) {
      expectNotIn(text, secrets, name);
    }
  });

  it("a destination URL carrying credentials does not put them in logs or dead letters", async () => {
    const e = testEnv({
      TARGET_FORMAT: "dotted",
      // A closed port: the attempt fails with a network error.
      DESTINATION_URL: "http://user:url-password@127.0.0.1:9/hook?token=url-query-token",
      ADMIN_TOKEN: ADMIN,
      MAX_ATTEMPTS: "1",
    });
    const response = await call(e, "/webhooks/chatwoot", {
      text: chatwootText,
      headers: { "X-Chatwoot-Delivery": crypto.randomUUID() },
    });
    const messages = await messagesOf(response);
    await consume(e, messages);
    const health = await (
      await call(e, "/health", { headers: { Authorization: `Bearer ${ADMIN}` } })
    ).text();
    const letters = await (
      await call(e, "/deadletters?limit=100", { headers: { Authorization: `Bearer ${ADMIN}` } })
    ).text();
    expectNotIn(logged.join("\n"), ["url-password", "url-query-token"], "logs");
    expectNotIn(health, ["url-password", "url-query-token"], "/health");
    expectNotIn(letters, ["url-password", "url-query-token"], "/deadletters");
  });
});

describe("comparisons and replay window", () => {
  it("constant-time comparison is correct, and every rotated secret is compared", () => {
    expect(constantTimeEqual("abc", "abc")).toBe(true);
    expect(constantTimeEqual("abc", "abd")).toBe(false);
    expect(constantTimeEqual("abc", "abcd")).toBe(false);
    expect(constantTimeEqual("", "a")).toBe(false);
    expect(constantTimeEqual("é", "e\u0301")).toBe(false);
    expect(matchesAny("b", ["a", "b", "c"])).toBe(true);
    expect(matchesAny("d", ["a", "b", "c"])).toBe(false);
    expect(matchesAny("", [])).toBe(false);
  });

  it(`Chatwoot timestamps more than ${MAX_CLOCK_SKEW_SECONDS} s in the past or the future are refused`, async () => {
    const { env: e } = env();
    const now = Math.floor(Date.now() / 1000);
    for (const [offset, status] of [
      [-(MAX_CLOCK_SKEW_SECONDS + 5), 401],
      [MAX_CLOCK_SKEW_SECONDS + 5, 401],
      [-(MAX_CLOCK_SKEW_SECONDS - 30), 202],
      [MAX_CLOCK_SKEW_SECONDS - 30, 202],
    ] as const) {
      const headers = await chatwootSigned(SOURCE_SECRET, chatwootText, now + offset);
      const response = await call(e, "/webhooks/chatwoot", { text: chatwootText, headers });
      const answer = await expectClientAnswer(response, `offset ${offset}`);
      expect(answer.status, `offset ${offset}: ${answer.text}`).toBe(status);
      if (status === 401) expect(answer.json?.reason ?? answer.text).toMatch(/stale_timestamp/);
    }
  });

  it("the old secret is accepted during a rotation, and a signature made with neither is not", async () => {
    const { env: e } = env();
    for (const [secret, status] of [
      [SOURCE_SECRET, 202],
      [OLD_SOURCE_SECRET, 202],
      [`${SOURCE_SECRET},${OLD_SOURCE_SECRET}`, 401],
      ["another-secret", 401],
    ] as const) {
      // Another body each time: the same signed timestamp and body would be a repeat (200).
      const text = JSON.stringify({
        ...JSON.parse(chatwootText),
        content: `signed with ${secret}`,
      });
      const headers = await chatwootSigned(secret, text);
      const response = await call(e, "/webhooks/chatwoot", { text, headers });
      expect(response.status, secret).toBe(status);
    }
  });
});

describe("admin routes", () => {
  it("need the admin token: none, a wrong one or a prefix of it is 401; unset is 503", async () => {
    const { env: e } = env();
    for (const authorization of [
      undefined,
      "",
      "Bearer",
      "Bearer ",
      `Bearer ${ADMIN.slice(0, -1)}`,
      `Bearer ${ADMIN}x`,
      `Basic ${btoa(`admin:${ADMIN}`)}`,
      ADMIN,
    ]) {
      const response = await call(e, "/deadletters", {
        headers: authorization === undefined ? {} : { Authorization: authorization },
      });
      expect(response.status, String(authorization)).toBe(401);
      expect(await response.text()).not.toContain(ADMIN);
    }
    expect(
      (await call(e, "/deadletters", { headers: { Authorization: `Bearer ${ADMIN}` } })).status,
    ).toBe(200);
    const replay = await call(e, "/deadletters/anything/replay", { method: "POST" });
    expect(replay.status).toBe(401);
    const closed = await call(env({ ADMIN_TOKEN: "" }).env, "/deadletters", {
      headers: { Authorization: "Bearer " },
    });
    expect(closed.status).toBe(503);
  });
});

describe("destinations come from configuration only", () => {
  it("a URL in the query, headers or payload does not change where the event goes", async () => {
    const { env: e, dest } = env({ WEBHOOK_SECRET_CHATWOOT: "" });
    const elsewhere = destination();
    const body = JSON.stringify({
      ...chatwootMessage,
      url: elsewhere.url,
      webhook_url: elsewhere.url,
    });
    const response = await call(
      e,
      `/webhooks/chatwoot?url=${encodeURIComponent(elsewhere.url)}&destination=${encodeURIComponent(elsewhere.url)}`,
      {
        text: body,
        headers: {
          "X-Chatwoot-Delivery": crypto.randomUUID(),
          "X-Destination-Url": elsewhere.url,
          "X-Forwarded-Host": "evil.example",
          Host: "evil.example",
        },
      },
    );
    expect(response.status).toBe(202);
    await consume(e, await messagesOf(response));
    expect(await received(dest.key)).toHaveLength(1);
    expect(await received(elsewhere.key)).toHaveLength(0);
  });
});

describe("errors", () => {
  /**
   * The environment with a D1 whose every statement, and an event store whose every call,
   * throws an error naming a secret.
   */
  const failingStore = () => {
    const { env: base } = env({ WEBHOOK_SECRET_CHATWOOT: "" });
    const failing = new Proxy(base.DB, {
      get(target, name) {
        if (name === "prepare" || name === "batch" || name === "exec") {
          return () => {
            throw new Error(`induced failure near ${SOURCE_SECRET}`);
          };
        }
        return Reflect.get(target, name);
      },
    });
    return {
      ...base,
      DB: failing,
      EVENT_STORE: refusingStore(`induced failure near ${SOURCE_SECRET}`),
    } as Env;
  };
  const expectNoLeak = (text: string) => {
    expect(text).not.toMatch(/\bat .+:\d+:\d+/);
    expect(text).not.toContain("induced failure");
    expect(text).not.toContain(SOURCE_SECRET);
  };

  it("an internal error answers a generic 500 JSON, without a stack or the error's text", async () => {
    const response = await call(failingStore(), "/deadletters", {
      headers: { Authorization: `Bearer ${ADMIN}` },
    });
    const text = await response.text();
    expect(response.status).toBe(500);
    expect(response.headers.get("content-type")).toContain("application/json");
    expect((JSON.parse(text) as { error: string }).error).toBe("internal_error");
    expectNoLeak(text);
  });

  it("a webhook the store cannot keep is 503 with Retry-After, never a 2xx, and leaks nothing", async () => {
    const response = await call(failingStore(), "/webhooks/chatwoot", {
      text: chatwootText,
      headers: { "X-Chatwoot-Delivery": crypto.randomUUID() },
    });
    const text = await response.text();
    expect(response.status).toBe(503);
    expect(Number(response.headers.get("retry-after"))).toBeGreaterThan(0);
    expect((JSON.parse(text) as { error: string }).error).toBe("unavailable");
    expectNoLeak(text);
  });
});

describe("destination secret rotation", () => {
  it("two comma-separated destination secrets sign Standard Webhooks with both (the reference library accepts either); native headers use the first as written", async () => {
    const dotted = findFormat("dotted");
    if (!dotted.ok) throw new Error("no dotted");
    const [first, second, stranger] = [newSecret(), newSecret(), newSecret()];
    const message = { id: "msg_1", timestamp: Math.floor(Date.now() / 1000), body: '{"a":1}' };
    const env = testEnv({ ROT_SECRET: `${first}, ${second}` });
    const route = {
      name: "r",
      sources: "*" as const,
      target: "dotted",
      url: "https://x.test",
      secret: "ROT_SECRET",
    };
    const headers = await deliveryHeaders(dotted.value, message, routeKeys(env, route));
    expect(headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    expect(new Webhook(first).verify(message.body, headers)).toEqual({ a: 1 });
    expect(new Webhook(second).verify(message.body, headers)).toEqual({ a: 1 });
    expect(() => new Webhook(stranger).verify(message.body, headers)).toThrow(
      "No matching signature found",
    );
    expect(headers["X-Hub-Signature"]).toBe(
      `sha1=${toHex(await hmac("SHA-1", first, message.body))}`,
    );
  });
});
