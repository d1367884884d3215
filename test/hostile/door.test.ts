/**
 * At the door: a 2xx means "queued" or "this was a handshake", never "ignored"; a payload sent to
 * the wrong URL says where it belongs; only JSON is read; strangers learn nothing of the
 * configuration (routes, destinations, unverified sources).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import pkg from "../../package.json";
import type { Env } from "../../src/config/env.ts";
import { adminHealth, call, chatwootSigned, destination, testEnv } from "../delivery/helpers.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";
import dottedMessage from "../fixtures/dotted/message-create-contact-chat/source.json";
import supporthuntText from "../fixtures/supporthunt/message-text/source.json";
import { formatIds, post, routedEnv } from "./helpers.ts";

const TOKEN = "sh-token-door";
const supporthunt = () => routedEnv({ WEBHOOK_SECRET_SUPPORTHUNT: TOKEN });
const withToken = { "content-type": "application/json", authorization: `Bearer ${TOKEN}` };

async function answer(response: Response) {
  const text = await response.text();
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, type: response.headers.get("content-type") ?? "", text, json };
}

describe("Support Hunt: only the exact test POST is a handshake", () => {
  it.each([
    ["a Chatwoot payload", chatwootMessage],
    ["an unrelated object", { foo: 1 }],
    ["an empty object", {}],
    ["a token with another field", { token: TOKEN, foo: 1 }],
    ["an empty batch with another field", { events: [], token: TOKEN, foo: 1 }],
    ["events that are not a list", { events: {}, token: TOKEN }],
  ])("%s with a valid token is 400, never 200", async (_name, body) => {
    const got = await answer(
      await post(supporthunt(), "/webhooks/supporthunt", JSON.stringify(body), withToken),
    );
    expect(got.status, got.text).toBe(400);
    expect(got.json?.error).toBe("invalid_payload");
    expect(got.text).not.toContain(TOKEN);
  });

  it("a Chatwoot payload gets a hint naming the Chatwoot URL", async () => {
    const body = JSON.stringify(chatwootMessage);
    const got = await answer(await post(supporthunt(), "/webhooks/supporthunt", body, withToken));
    expect(got.json).toMatchObject({ error: "invalid_payload", detected: "chatwoot" });
    expect(got.json?.message).toBe(
      "This looks like a Chatwoot webhook, not a Support Hunt one: POST it to /webhooks/chatwoot.",
    );
  });

  it.each([
    ["the token in the body", { token: TOKEN }, { "content-type": "application/json" }],
    [
      "an empty batch and the token",
      { events: [], token: TOKEN },
      { "content-type": "application/json" },
    ],
    ["an empty batch, the token in a header", { events: [] }, withToken],
  ])("the test POST with %s answers the token as text", async (_name, body, headers) => {
    const got = await answer(
      await post(supporthunt(), "/webhooks/supporthunt", JSON.stringify(body), headers),
    );
    expect(got.status).toBe(200);
    expect(got.type).toContain("text/plain");
    expect(got.text).toBe(TOKEN);
  });

  it("any other body is queued (202), a repeat (200 JSON) or refused (4xx): never echoed", async () => {
    const env = supporthunt();
    const exactTestPost = (body: unknown) => {
      if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
      const keys = Object.keys(body);
      const { events } = body as { events?: unknown };
      return (
        keys.every((key) => key === "token" || key === "events") &&
        (events === undefined || (Array.isArray(events) && events.length === 0))
      );
    };
    const bodies = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(fc.constantFrom("token", "events", "foo", "event", "id"), fc.jsonValue()),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const got = await answer(
          await post(env, "/webhooks/supporthunt", JSON.stringify(body), withToken),
        );
        if (got.status === 200 && got.type.includes("text/plain")) {
          expect(exactTestPost(body), JSON.stringify(body)).toBe(true);
        } else if (got.status < 300) {
          expect(got.status, got.text).toBe(202);
          expect((got.json?.accepted as unknown[] | undefined)?.length, got.text).toBeGreaterThan(
            0,
          );
        } else {
          expect(got.status, got.text).toBe(400);
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe("other handshakes", () => {
  it("dotted: only a GET with type=subscribe and a challenge is answered with the challenge", async () => {
    const env = routedEnv();
    const post400 = await post(
      env,
      "/webhooks/dotted?type=subscribe&challenge=abc",
      JSON.stringify({ foo: 1 }),
    );
    expect(post400.status).toBe(400);
    for (const path of [
      "/webhooks/dotted",
      "/webhooks/dotted?type=subscribe",
      "/webhooks/dotted?challenge=abc",
      "/webhooks/chatwoot?type=subscribe&challenge=abc",
      "/webhooks/supporthunt?type=subscribe&challenge=abc",
    ]) {
      const got = await answer(await call(env, path));
      expect(got.status, path).toBe(404);
      expect(got.text, path).not.toBe("abc");
    }
  });

  it("Chatwoot family and dotted: a body without events is 400, whatever it carries", async () => {
    const env = routedEnv();
    for (const source of formatIds.filter((id) => id !== "supporthunt")) {
      for (const body of [
        {},
        { token: "x" },
        { events: [] },
        { type: "subscribe", challenge: "x" },
      ]) {
        const got = await answer(await post(env, `/webhooks/${source}`, JSON.stringify(body)));
        expect(got.status, `${source} ${JSON.stringify(body)}: ${got.text}`).toBe(400);
      }
    }
  });
});

describe("a payload sent to the wrong format says where it belongs", () => {
  const cases = [
    ["supporthunt", "chatwoot", chatwootMessage],
    ["chatwoot", "dotted", dottedMessage],
    ["hoory", "supporthunt", supporthuntText],
    ["dotted", "supporthunt", supporthuntText],
  ] as const;

  it.each(cases)("to /webhooks/%s: detected %s", async (source, detected, body) => {
    const got = await answer(await post(routedEnv(), `/webhooks/${source}`, JSON.stringify(body)));
    expect(got.status).toBe(400);
    expect(got.json).toMatchObject({ error: "invalid_payload", detected });
    expect(got.json?.message).toContain(`POST it to /webhooks/${detected}.`);
  });

  it.each(cases)("to /translate/%s/dotted: detected %s", async (source, detected, body) => {
    const got = await answer(
      await post(testEnv(), `/translate/${source}/dotted`, JSON.stringify(body)),
    );
    expect(got.status).toBe(400);
    expect(got.json).toMatchObject({ error: "invalid_payload", detected });
    expect(got.json?.message).toContain(`POST it to /translate/${detected}/dotted.`);
  });

  it("the message is plain: no schema jargon", async () => {
    const got = await answer(
      await post(routedEnv(), "/webhooks/supporthunt", JSON.stringify(chatwootMessage)),
    );
    expect(got.json?.message).not.toMatch(/schema|zod|expected|invalid_type|union/i);
  });

  it("a broken body of the same family gets no hint (Hoory and Chatwoot share a format)", async () => {
    const broken = { ...chatwootMessage, message_type: 42 };
    const got = await answer(await post(routedEnv(), "/webhooks/hoory", JSON.stringify(broken)));
    expect(got.status).toBe(400);
    expect(got.json).not.toHaveProperty("detected");
    expect(got.json?.message).toContain("not a valid Hoory webhook");
  });
});

describe("only JSON is read, on every POST route", () => {
  const admin = "door-admin";
  const env = () => routedEnv({ ADMIN_TOKEN: admin, PLAYGROUND: "true", DEV_SINK: "true" }) as Env;
  const body = JSON.stringify(chatwootMessage);
  const routes = [
    ...formatIds.map((id) => `/webhooks/${id}`),
    "/translate/chatwoot/dotted",
    "/translate/auto/dotted",
    "/playground/translate",
    "/deadletters/some-id/replay",
    "/dev/sink",
  ];

  it.each([
    "text/plain",
    "text/plain; charset=utf-8",
    "text/json",
    "application/jsonx",
    "application/x-www-form-urlencoded",
    "",
  ])("Content-Type %j is 415", async (type) => {
    for (const path of routes) {
      const headers: Record<string, string> = { authorization: `Bearer ${admin}` };
      if (type) headers["content-type"] = type;
      const got = await answer(await post(env(), path, body, headers));
      expect(got.status, `${path}: ${got.text}`).toBe(415);
      expect(got.json?.error).toBe("unsupported_media_type");
    }
  });

  it.each([
    "application/json",
    "application/json; charset=UTF-8",
    "APPLICATION/JSON",
    "application/cloudevents+json; charset=utf-8",
  ])("Content-Type %j is read", async (type) => {
    const got = await answer(
      await post(testEnv(), "/translate/chatwoot/dotted", body, { "content-type": type }),
    );
    expect(got.status, got.text).toBe(200);
  });

  it("a POST without a body needs no Content-Type (a replay)", async () => {
    const got = await call(env(), "/deadletters/no-such-letter/replay", {
      method: "POST",
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(got.status).toBe(404);
  });
});

describe("signing a test request", () => {
  it("a signature over other bytes than those sent (curl --data) is bad_signature, saying so", async () => {
    const secret = "door-hook-secret";
    const env = routedEnv({ WEBHOOK_SECRET_CHATWOOT: secret });
    const pretty = JSON.stringify(chatwootMessage, null, 2);
    // curl --data @file drops the newlines: the body sent is not the one that was signed.
    const sent = pretty.replaceAll("\n", "");
    const headers = {
      "content-type": "application/json",
      ...(await chatwootSigned(secret, pretty)),
    };
    const got = await answer(await post(env, "/webhooks/chatwoot", sent, headers));
    expect(got.status).toBe(401);
    expect(got.json?.reason).toBe("bad_signature");
    expect(got.json?.message).toContain("exact bytes");
    expect(got.json?.message).toContain("--data-binary");
    const right = await post(env, "/webhooks/chatwoot", pretty, headers);
    expect(right.status).toBe(202);
  });
});

describe("strangers learn nothing of the configuration", () => {
  const ADMIN = "door-admin-token";
  const dest = destination();
  const secretive = (vars: Record<string, unknown> = {}) =>
    testEnv({
      ROUTES: [
        {
          name: "crm-private-route",
          sources: ["hoory"],
          target: "dotted",
          url: dest.url.replace("127.0.0.1", "localhost"),
          secret: "CRM_PRIVATE_SECRET",
        },
      ],
      CRM_PRIVATE_SECRET: "whsec_BwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc=",
      WEBHOOK_SECRET_DOTTED: "dotted-secret",
      ADMIN_TOKEN: ADMIN,
      ...vars,
    });
  const broken = () =>
    secretive({
      ROUTES: [
        { name: "crm-private-route", sources: "*", target: "nope", url: "ftp://internal.corp" },
      ],
    });
  /** What this deployment is configured with. */
  const deployment = [
    "crm-private-route",
    "CRM_PRIVATE_SECRET",
    "BwcHBwcHBwcHBwcHBwcH",
    "localhost",
    "internal.corp",
  ];
  /** How it is configured (the API description may name these fields, never their values). */
  const configuration = ["ROUTES", "TARGET_FORMAT", "DESTINATION_URL", "unverified"];

  it("public /health answers only status and version, with the status code", async () => {
    const cases: Array<[Env, number, string]> = [
      [secretive(), 200, "ok"],
      [broken(), 500, "error"],
      [
        {
          ...secretive(),
          DB: { prepare: () => ({ first: () => Promise.reject(new Error("down")) }) },
        } as unknown as Env,
        503,
        "error",
      ],
    ];
    for (const [env, status, state] of cases) {
      const response = await call(env, "/health");
      expect(response.status).toBe(status);
      expect(await response.json()).toEqual({ status: state, version: pkg.version });
    }
  });

  it("the admin gets the details; a wrong token is 401", async () => {
    const detail = (await (
      await call(secretive(), "/health", { headers: { Authorization: `Bearer ${ADMIN}` } })
    ).json()) as { routes: Array<{ name: string }>; sources: { unverified: string[] } };
    expect(detail.routes[0]?.name).toBe("crm-private-route");
    expect(detail.sources.unverified).toContain("hoory");
    const errors = (await (await adminHealth(broken())).json()) as { errors: string[] };
    expect(errors.errors.join("\n")).toContain("ROUTES[0].target");
    const wrong = await call(secretive(), "/health", { headers: { Authorization: "Bearer no" } });
    expect(wrong.status).toBe(401);
  });

  it("no public answer names routes, destinations, secrets or unverified sources", async () => {
    const chatwoot = JSON.stringify(chatwootMessage);
    const requests: Array<[Env, string, RequestInit & { json?: unknown; text?: string }]> = [
      [secretive(), "/health", {}],
      [broken(), "/health", {}],
      [broken(), "/webhooks/hoory", { text: chatwoot }],
      [secretive(), "/webhooks/chatwoot", { text: chatwoot }],
      [secretive(), "/webhooks/hoory", { text: "{" }],
      [secretive(), "/webhooks/dotted", { text: chatwoot }],
      [secretive(), "/webhooks/dotted?type=subscribe&challenge=x", {}],
      [secretive(), "/webhooks/hoory", {}],
      [secretive(), "/webhooks/nope", { text: chatwoot }],
      [secretive(), "/nothing/here", {}],
      [secretive(), "/translate/hoory/dotted", { json: { foo: 1 } }],
      [secretive(), "/formats", {}],
      [secretive(), "/openapi.json", {}],
      [secretive(), "/docs", {}],
      [secretive(), "/deadletters", {}],
      [secretive(), "/events", {}],
      [secretive(), "/routes", {}],
      [secretive(), "/activity", {}],
      [secretive(), "/console", {}],
      [secretive(), "/console/app.js", {}],
      [secretive({ ADMIN_TOKEN: "" }), "/events", {}],
      [secretive({ ADMIN_TOKEN: "" }), "/console", {}],
      [secretive(), "/playground", {}],
      [secretive(), "/playground/examples", {}],
      [secretive(), "/dev/sink", {}],
    ];
    for (const [env, path, init] of requests) {
      const text = await (await call(env, path, init)).text();
      const described = path === "/openapi.json" || path === "/docs";
      for (const word of described ? deployment : [...deployment, ...configuration]) {
        expect(text.includes(word), `${path} reveals ${word}: ${text.slice(0, 300)}`).toBe(false);
      }
    }
  });
});

describe("the local sink", () => {
  it("answers the status its path names, to try dead letters locally", async () => {
    const env = testEnv({ DEV_SINK: "true" });
    const body = JSON.stringify({ hello: "sink" });
    const refused = await post(env, "/dev/sink/status/410", body);
    expect(refused.status).toBe(410);
    const fine = await post(env, "/dev/sink", body);
    expect(fine.status).toBe(200);
  });
});
