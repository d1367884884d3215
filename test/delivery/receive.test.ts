/** Receiving: verification of every source, handshakes, validation, dedupe, configuration. */
import { describe, expect, it } from "vitest";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";
import supporthuntText from "../fixtures/supporthunt/message-text/source.json";
import {
  adminHealth,
  call,
  chatwootSigned,
  destination,
  hubSignature,
  testEnv,
  unique,
} from "./helpers.ts";

const chatwootText = JSON.stringify(chatwootMessage);

function dottedBody(id = crypto.randomUUID()) {
  return JSON.stringify({
    id,
    event: "message.create.contact.chat",
    timestamp: "2018-12-19T19:09:01.607Z",
    organization: "5c138790ec944f05ff5f6d77",
    data: {
      conversation: { id: "5c1a9740abcdb128d0e90e80", type: "contact", status: "queued" },
      message: {
        id: "5c1a974dabcdb128d0e90e93",
        conversation: "5c1a9740abcdb128d0e90e80",
        type: "chat",
        role: "contact",
        user: "5c1a99e410419f5fb88cb5f2",
        text: "Hi",
        createdAt: "2018-12-19T19:09:01.000Z",
      },
    },
  });
}

/** The Support Hunt fixture with a conversation id of its own (so it is not a repeat). */
function supportHuntBatch() {
  const batch = structuredClone(supporthuntText) as {
    events: Array<{ conversation: { id: number } }>;
  };
  (batch.events[0] as { conversation: { id: number } }).conversation.id = Math.floor(
    Math.random() * 2 ** 40,
  );
  return batch;
}

const routed = (vars: Record<string, unknown> = {}) =>
  testEnv({ TARGET_FORMAT: "dotted", DESTINATION_URL: destination().url, ...vars });

describe("POST /webhooks/:source", () => {
  it("accepts a valid payload with 202 and the accepted ids", async () => {
    const response = await call(routed(), "/webhooks/chatwoot", {
      text: chatwootText,
      headers: { "X-Chatwoot-Delivery": unique() },
    });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { accepted: string[]; duplicates: string[] };
    expect(body.accepted).toHaveLength(1);
    expect(body.duplicates).toEqual([]);
  });

  it("answers 404 for an unknown source and 400 for an invalid payload", async () => {
    const env = routed();
    const unknown = await call(env, "/webhooks/nope", { json: {} });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: string }).error).toBe("unknown_format");
    const invalid = await call(env, "/webhooks/chatwoot", { json: { event: "message_created" } });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { error: string }).error).toBe("invalid_payload");
  });

  it("reports repeats as duplicates (2xx) within 24 hours", async () => {
    const env = routed();
    const delivery = unique();
    const first = await call(env, "/webhooks/chatwoot", {
      text: chatwootText,
      headers: { "X-Chatwoot-Delivery": delivery },
    });
    const firstBody = (await first.json()) as { accepted: string[] };
    const again = await call(env, "/webhooks/chatwoot", {
      text: chatwootText,
      headers: { "X-Chatwoot-Delivery": delivery },
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ accepted: [], duplicates: firstBody.accepted });

    const id = crypto.randomUUID();
    expect((await call(env, "/webhooks/dotted", { text: dottedBody(id) })).status).toBe(202);
    expect((await call(env, "/webhooks/dotted", { text: dottedBody(id) })).status).toBe(200);

    const batch = supportHuntBatch();
    const shFirst = await call(env, "/webhooks/supporthunt", { json: batch });
    expect(shFirst.status).toBe(202);
    const shAgain = await call(env, "/webhooks/supporthunt", { json: batch });
    expect(shAgain.status).toBe(200);
  });

  it("when the queue fails part way: 503 saying every event is kept, and the retry queues the rest", {
    timeout: 60_000,
  }, async () => {
    // The real local queue, made to fail from its `failFrom`-th sendBatch call on.
    const failingQueue = (failFrom: number): Queue<DeliveryMessage> => {
      const real = testEnv().DELIVERY_QUEUE;
      let calls = 0;
      return {
        send: (body, options) => real.send(body, options),
        sendBatch: (messages, options) => {
          calls++;
          return calls >= failFrom
            ? Promise.reject(new Error("queue unavailable"))
            : real.sendBatch(messages, options);
        },
      } as Queue<DeliveryMessage>;
    };
    // 150 events (distinct content): 150 messages for one route, sent as 100 + 50.
    const template = (supporthuntText as { events: Array<Record<string, unknown>> }).events[0];
    const stamp = unique();
    const batch = {
      events: Array.from({ length: 150 }, (_, i) => ({ ...template, text: `${stamp} #${i}` })),
    };
    const env = routed();

    const partly = await call(
      { ...env, DELIVERY_QUEUE: failingQueue(2) },
      "/webhooks/supporthunt",
      {
        json: batch,
      },
    );
    expect(partly.status).toBe(503);
    const partial = (await partly.json()) as {
      error: string;
      message: string;
      stored: string[];
      queued: string[];
    };
    expect(partial.error).toBe("unavailable");
    expect(partial.stored).toHaveLength(150);
    expect(partial.queued).toEqual(partial.stored.slice(0, 100));
    expect(partial.message).toContain("refused 50 of 150 messages");
    expect(partial.message).toContain(
      "All 150 events accepted are stored, 50 of them not yet queued",
    );
    expect(partial.message).toContain("nothing is lost");

    // The sender's retry: every event is a repeat, and the 50 never queued are queued now.
    const sent: DeliveryMessage[] = [];
    const real = testEnv().DELIVERY_QUEUE;
    const recording = {
      send: (body, options) => real.send(body, options),
      sendBatch: (messages, options) => {
        sent.push(...[...messages].map((m) => m.body));
        return real.sendBatch(messages, options);
      },
    } as Queue<DeliveryMessage>;
    const retry = await call({ ...env, DELIVERY_QUEUE: recording }, "/webhooks/supporthunt", {
      json: batch,
    });
    expect(retry.status).toBe(200);
    const retried = (await retry.json()) as { accepted: string[]; duplicates: string[] };
    expect(retried.accepted).toEqual([]);
    expect(retried.duplicates).toEqual(partial.stored);
    expect(sent.map((m) => m.event).sort()).toEqual(partial.stored.slice(100).sort());

    const nothing = await call(
      { ...env, DELIVERY_QUEUE: failingQueue(1) },
      "/webhooks/supporthunt",
      {
        json: supportHuntBatch(),
      },
    );
    expect(nothing.status).toBe(503);
    const none = (await nothing.json()) as { message: string; queued: string[] };
    expect(none.queued).toEqual([]);
    expect(none.message).toContain("nothing is lost");
  });

  it("answers 503 when nothing can be routed (naming the configuration mistakes only in /health)", async () => {
    const none = await call(testEnv(), "/webhooks/chatwoot", { text: chatwootText });
    expect(none.status).toBe(503);
    expect(((await none.json()) as { error: string }).error).toBe("no_destination");

    const broken = await call(
      testEnv({ ROUTES: [{ name: "x", sources: "*", target: "nope", url: "ftp://a" }] }),
      "/webhooks/chatwoot",
      { text: chatwootText },
    );
    expect(broken.status).toBe(503);
    // The sender is not told what is wrong with the configuration; /health is.
    const text = await broken.text();
    expect(JSON.parse(text).error).toBe("invalid_config");
    expect(text).not.toContain("ROUTES");
    const health = (await (
      await adminHealth(
        testEnv({ ROUTES: [{ name: "x", sources: "*", target: "nope", url: "ftp://a" }] }),
      )
    ).json()) as { errors: string[] };
    expect(health.errors.join("\n")).toContain("ROUTES[0].target");
    expect(health.errors.join("\n")).toContain("ROUTES[0].url");

    const other = await call(
      testEnv({
        ROUTES: [
          { name: "only-hoory", sources: ["hoory"], target: "dotted", url: destination().url },
        ],
      }),
      "/webhooks/chatwoot",
      { text: chatwootText },
    );
    expect(other.status).toBe(503);
  });
});

describe("inbound verification", () => {
  const secret = "cw-secret";
  const env = () => routed({ WEBHOOK_SECRET_CHATWOOT: `${secret}, old-secret` });

  it("Chatwoot family: accepts a right signature, with either rotated secret", async () => {
    for (const key of [secret, "old-secret"]) {
      // Another body each time: the same signed timestamp and body would be a repeat (200).
      const text = JSON.stringify({ ...JSON.parse(chatwootText), content: `signed with ${key}` });
      const response = await call(env(), "/webhooks/chatwoot", {
        text,
        headers: await chatwootSigned(key, text),
      });
      expect(response.status).toBe(202);
    }
  });

  it("Chatwoot family: rejects a missing, wrong or stale signature with the reason", async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{}, "missing_signature"],
      [{ ...(await chatwootSigned("wrong", chatwootText)) }, "bad_signature"],
      [{ ...(await chatwootSigned(secret, `${chatwootText} `)) }, "bad_signature"],
      [
        { ...(await chatwootSigned(secret, chatwootText, Math.floor(Date.now() / 1000) - 301)) },
        "stale_timestamp",
      ],
      [{ "X-Chatwoot-Signature": "sha256=abc" }, "missing_timestamp"],
    ];
    for (const [headers, reason] of cases) {
      const response = await call(env(), "/webhooks/chatwoot", { text: chatwootText, headers });
      expect(response.status, reason).toBe(401);
      const body = (await response.json()) as { reason: string; message: string };
      expect(body.reason).toBe(reason);
      expect(body.message).not.toContain(secret);
    }
  });

  it("a source without a secret is accepted unverified (and /health says so)", async () => {
    const response = await call(env(), "/webhooks/hoory", { text: chatwootText });
    expect(response.status).toBe(202);
    const health = (await (await adminHealth(env())).json()) as {
      sources: { verified: string[]; unverified: string[] };
    };
    expect(health.sources.verified).toEqual(["chatwoot"]);
    expect(health.sources.unverified).toContain("hoory");
  });

  it("dotted: X-Hub-Signature sha1 accepted when right, rejected when wrong or missing", async () => {
    const dotted = () => routed({ WEBHOOK_SECRET_DOTTED: "hub-secret" });
    const body = dottedBody();
    const right = await call(dotted(), "/webhooks/dotted", {
      text: body,
      headers: { "X-Hub-Signature": await hubSignature("hub-secret", body) },
    });
    expect(right.status).toBe(202);
    const wrong = await call(dotted(), "/webhooks/dotted", {
      text: body,
      headers: { "X-Hub-Signature": await hubSignature("nope", body) },
    });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { reason: string }).reason).toBe("bad_signature");
    const missing = await call(dotted(), "/webhooks/dotted", { text: body });
    expect(((await missing.json()) as { reason: string }).reason).toBe("missing_signature");
  });

  it("Support Hunt: the token from a header, the query or the body; wrong or missing is 401", async () => {
    const sh = () => routed({ WEBHOOK_SECRET_SUPPORTHUNT: "sh-token" });
    const fresh = () => {
      return supportHuntBatch();
    };
    const ways: Array<[string, RequestInit & { json: unknown }]> = [
      ["/webhooks/supporthunt", { json: fresh(), headers: { Authorization: "Bearer sh-token" } }],
      ["/webhooks/supporthunt", { json: fresh(), headers: { "X-Webhook-Token": "sh-token" } }],
      ["/webhooks/supporthunt?token=sh-token", { json: fresh() }],
      ["/webhooks/supporthunt", { json: { ...fresh(), token: "sh-token" } }],
    ];
    for (const [path, init] of ways) expect((await call(sh(), path, init)).status).toBe(202);
    const wrong = await call(sh(), "/webhooks/supporthunt", {
      json: fresh(),
      headers: { Authorization: "Bearer nope" },
    });
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { reason: string }).reason).toBe("bad_token");
    const missing = await call(sh(), "/webhooks/supporthunt", { json: fresh() });
    expect(((await missing.json()) as { reason: string }).reason).toBe("missing_token");
  });
});

describe("handshakes", () => {
  it("dotted: GET ?type=subscribe&challenge=X answers 200 with X", async () => {
    const response = await call(testEnv(), "/webhooks/dotted?type=subscribe&challenge=abc123");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/plain");
    expect(await response.text()).toBe("abc123");
  });

  it("Support Hunt: a test POST with the token and no events echoes the token", async () => {
    const env = routed({ WEBHOOK_SECRET_SUPPORTHUNT: "sh-token" });
    for (const json of [{ token: "sh-token" }, { events: [], token: "sh-token" }]) {
      const response = await call(env, "/webhooks/supporthunt", { json });
      expect(response.status).toBe(200);
      expect(await response.text()).toBe("sh-token");
    }
    const wrong = await call(env, "/webhooks/supporthunt", { json: { token: "other" } });
    expect(wrong.status).toBe(401);
  });
});

describe("configuration and /health", () => {
  it("reports a bad configuration naming the field, with 500", async () => {
    const env = testEnv({
      ROUTES: JSON.stringify([
        { name: "a", sources: ["hoory"], target: "dotted", url: "https://example.com/a" },
        {
          name: "a",
          sources: ["nope"],
          target: "dotted",
          url: "https://example.com/b",
          secret: "MISSING_SECRET",
        },
      ]),
      MAX_ATTEMPTS: "zero",
    });
    const response = await adminHealth(env);
    expect(response.status).toBe(500);
    const body = (await response.json()) as { status: string; errors: string[] };
    expect(body.status).toBe("error");
    const text = body.errors.join("\n");
    expect(text).toContain("ROUTES[1].sources");
    expect(text).toContain("MAX_ATTEMPTS");
    expect((await call(testEnv({ ROUTES: "[not json" }), "/health")).status).toBe(500);
    expect(
      (
        (await (await adminHealth(testEnv({ TARGET_FORMAT: "dotted" }))).json()) as {
          errors: string[];
        }
      ).errors,
    ).toEqual(["DESTINATION_URL: must be set when TARGET_FORMAT is set"]);
  });

  it("lists routes without secrets", async () => {
    const env = testEnv({
      TARGET_FORMAT: "hoory",
      DESTINATION_URL: "https://example.com/hook?key=abc",
      DESTINATION_SECRET: "whsec_EmXGvFb8ioerNkdcIL5rN/CrjnjXSG8WgjQkDo0+V4w=",
    });
    const response = await adminHealth(env);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).not.toContain("EmXGvFb8ioerNkdcIL5rN");
    expect(text).not.toContain("key=abc");
    expect(JSON.parse(text).routes[0]).toMatchObject({
      name: "default",
      target: "hoory",
      signed: true,
    });
  });
});

describe("dev sink", () => {
  it("does not exist unless DEV_SINK is set; records and lists deliveries when it is", async () => {
    expect((await call(testEnv(), "/dev/sink")).status).toBe(404);
    const env = testEnv({ DEV_SINK: "true" });
    const marker = unique();
    const posted = await call(env, "/dev/sink", {
      json: { marker },
      headers: { "webhook-id": marker },
    });
    expect(posted.status).toBe(200);
    const list = (await (await call(env, "/dev/sink")).json()) as {
      deliveries: Array<{ headers: Record<string, string>; body: { marker: string } }>;
    };
    expect(list.deliveries[0]?.body.marker).toBe(marker);
    expect(list.deliveries[0]?.headers["webhook-id"]).toBe(marker);
  });

  it("keeps each body's exact text as raw, so a signature over it can be checked", async () => {
    const env = testEnv({ DEV_SINK: "true" });
    // Spacing, key order and escapes that parsing and serialising again would change.
    const raw = `{ "z": 1,\n  "marker": "${unique()}", "text": "caf\\u00e9 \u00e9", "n": 1.0 }\n`;
    const posted = await call(env, "/dev/sink", { text: raw });
    expect(posted.status).toBe(200);
    const list = (await (await call(env, "/dev/sink?limit=1")).json()) as {
      deliveries: Array<{ raw: string; body: unknown }>;
    };
    expect(list.deliveries[0]?.raw).toBe(raw);
    expect(list.deliveries[0]?.body).toEqual(JSON.parse(raw));
  });
});
