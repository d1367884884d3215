/**
 * WhatsApp end to end: POST /webhooks/whatsapp signed as Meta signs (X-Hub-Signature-256), the
 * GET subscription handshake, /translate to and from whatsapp, and a route targeting whatsapp
 * whose deliveries a WhatsApp webhook consumer verifies. Signatures are checked with node:crypto,
 * the library Meta's own Node SDK computes them with, not with this product's helpers.
 */
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import { whatsapp } from "../../src/formats/whatsapp/index.ts";
import { readEvents } from "../../src/translate/index.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";
import batch from "../fixtures/whatsapp/batch-entries-changes/source.json";
import text from "../fixtures/whatsapp/messages-text/source.json";
import { call, consume, destination, received, testEnv, unique } from "./helpers.ts";

const APP_SECRET = "0f9c2b7e4d1a8c3b6e5f4a3d2c1b0a99";
const sign = (secret: string, body: string) =>
  `sha256=${createHmac("sha256", secret).update(body, "utf8").digest("hex")}`;

/** The text fixture with message ids of its own (so that it is no repeat of another test's). */
function freshText(): string {
  const body = structuredClone(text);
  const message = body.entry[0]?.changes[0]?.value.messages[0];
  if (message) message.id = `wamid.${unique()}`;
  return JSON.stringify(body);
}

function freshBatch(): string {
  const body = JSON.stringify(batch);
  return body.replace(/wamid\.[A-Za-z0-9+/=]+/g, (id) => `${id}${unique("x")}`);
}

const routed = (vars: Record<string, unknown> = {}) =>
  testEnv({
    TARGET_FORMAT: "chatwoot",
    DESTINATION_URL: destination().url,
    WEBHOOK_SECRET_WHATSAPP: APP_SECRET,
    ...vars,
  });

const post = (env: ReturnType<typeof routed>, body: string, headers: Record<string, string>) =>
  call(env, "/webhooks/whatsapp", { text: body, headers });

describe("POST /webhooks/whatsapp", () => {
  it("accepts a post signed with the app secret: every message and status of every entry and change", async () => {
    const body = freshBatch();
    const response = await post(routed(), body, { "X-Hub-Signature-256": sign(APP_SECRET, body) });
    expect(response.status).toBe(202);
    const result = (await response.json()) as { accepted: string[]; duplicates: string[] };
    expect(result.accepted).toHaveLength(5);
    expect(result.duplicates).toEqual([]);
  });

  it("answers a replayed post (same body, same signature) as repeats, queued once", async () => {
    const env = routed();
    const body = freshText();
    const headers = { "X-Hub-Signature-256": sign(APP_SECRET, body) };
    const first = await post(env, body, headers);
    expect(first.status).toBe(202);
    const again = await post(env, body, headers);
    expect(again.status).toBe(200);
    const repeat = (await again.json()) as { accepted: string[]; duplicates: string[] };
    expect(repeat.accepted).toEqual([]);
    expect(repeat.duplicates).toHaveLength(1);
  });

  it("refuses a missing, malformed or wrong signature with 401 and the reason", async () => {
    const env = routed();
    const body = freshText();
    const cases: Array<[Record<string, string>, string]> = [
      [{}, "missing_signature"],
      [{ "X-Hub-Signature-256": "abc" }, "bad_signature"],
      [{ "X-Hub-Signature-256": sign("another-app-secret", body) }, "bad_signature"],
      // The signature of another body (a replay with the body changed).
      [{ "X-Hub-Signature-256": sign(APP_SECRET, `${body} `) }, "bad_signature"],
      // SHA-1 (X-Hub-Signature's algorithm) is not what Meta puts in X-Hub-Signature-256.
      [
        {
          "X-Hub-Signature-256": `sha256=${createHmac("sha1", APP_SECRET).update(body).digest("hex")}`,
        },
        "bad_signature",
      ],
    ];
    for (const [headers, code] of cases) {
      const response = await post(env, body, headers);
      expect(response.status, code).toBe(401);
      const answer = (await response.json()) as { error: string; reason?: string; message: string };
      expect(JSON.stringify(answer)).toContain(code);
      expect(answer.message).not.toContain(APP_SECRET);
    }
  });

  it("accepts either secret during a rotation", async () => {
    const env = routed({ WEBHOOK_SECRET_WHATSAPP: `new-secret,${APP_SECRET}` });
    for (const secret of ["new-secret", APP_SECRET]) {
      const body = freshText();
      const response = await post(env, body, { "X-Hub-Signature-256": sign(secret, body) });
      expect(response.status).toBe(202);
    }
  });

  it("tells a WhatsApp post sent to another source's URL where it belongs", async () => {
    const response = await call(routed(), "/webhooks/chatwoot", { text: freshText() });
    expect(response.status).toBe(400);
    const answer = (await response.json()) as { message: string; detected?: string };
    expect(answer.detected).toBe("whatsapp");
    expect(answer.message).toContain("/webhooks/whatsapp");
  });
});

describe("GET /webhooks/whatsapp (Meta's subscription check)", () => {
  const check = (query: string, vars: Record<string, unknown> = {}) =>
    call(
      testEnv({ WEBHOOK_VERIFY_TOKEN_WHATSAPP: "my-verify-token", ...vars }),
      `/webhooks/whatsapp?${query}`,
    );

  it("echoes hub.challenge as text/plain when hub.verify_token matches", async () => {
    const response = await check(
      "hub.mode=subscribe&hub.verify_token=my-verify-token&hub.challenge=1158201444",
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await response.text()).toBe("1158201444");
  });

  it("refuses with 403 a wrong or missing token, another mode, or no configured token", async () => {
    for (const [query, vars] of [
      ["hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1", {}],
      ["hub.mode=subscribe&hub.challenge=1", {}],
      ["hub.mode=unsubscribe&hub.verify_token=my-verify-token&hub.challenge=1", {}],
      [
        "hub.mode=subscribe&hub.verify_token=my-verify-token&hub.challenge=1",
        { WEBHOOK_VERIFY_TOKEN_WHATSAPP: "" },
      ],
    ] as const) {
      const response = await check(query, vars);
      expect(response.status, query).toBe(403);
      const body = await response.text();
      expect(body, query).not.toContain('1"');
      expect(body).not.toContain("my-verify-token");
    }
  });

  it("accepts either verify token during a rotation, and has no GET without hub.mode", async () => {
    const vars = { WEBHOOK_VERIFY_TOKEN_WHATSAPP: "new-token,my-verify-token" };
    for (const token of ["new-token", "my-verify-token"]) {
      const response = await check(
        `hub.mode=subscribe&hub.verify_token=${token}&hub.challenge=42`,
        vars,
      );
      expect(await response.text()).toBe("42");
    }
    expect((await check("")).status).toBe(404);
  });
});

describe("/translate with whatsapp", () => {
  it("translates a WhatsApp post into each event's target body, and a Chatwoot message into WhatsApp", async () => {
    const toChatwoot = await call(testEnv(), "/translate/whatsapp/chatwoot", {
      text: JSON.stringify(batch),
    });
    expect(toChatwoot.status).toBe(200);
    const translated = (await toChatwoot.json()) as { deliveries: Array<{ event: string }> };
    expect(translated.deliveries.map((d) => d.event)).toEqual([
      "message_created",
      "message_created",
      "message_updated",
      "message_updated",
      "message_created",
    ]);

    const toWhatsapp = await call(testEnv(), "/translate/auto/whatsapp", { json: chatwootMessage });
    expect(toWhatsapp.status).toBe(200);
    const back = (await toWhatsapp.json()) as {
      deliveries: Array<{ event: string; body: unknown }>;
    };
    expect(back.deliveries[0]?.event).toBe("messages.text");
    expect(readEvents(whatsapp, back.deliveries[0]?.body).ok).toBe(true);
  });

  it("detects a WhatsApp post (auto)", async () => {
    const response = await call(testEnv(), "/translate/auto/dotted", { text: freshText() });
    const answer = (await response.json()) as { source: string; detected: boolean };
    expect(answer).toMatchObject({ source: "whatsapp", detected: true });
  });
});

describe("a route targeting whatsapp", () => {
  it("delivers Meta's envelope signed with X-Hub-Signature-256, as a WhatsApp webhook consumer verifies it", async () => {
    const dest = destination("200");
    const env = testEnv({
      WA_OUT_SECRET: "consumer-app-secret",
      ROUTES: [
        {
          name: "wa-bot",
          sources: ["chatwoot"],
          target: "whatsapp",
          url: dest.url,
          nativeSecret: "WA_OUT_SECRET",
        },
      ],
    });
    const response = await call(env, "/webhooks/chatwoot", {
      text: JSON.stringify(chatwootMessage),
      headers: { "X-Chatwoot-Delivery": unique() },
    });
    expect(response.status).toBe(202);
    const { accepted } = (await response.json()) as { accepted: string[] };
    const messages: DeliveryMessage[] = accepted.map((event) => ({ v: 1, event, route: "wa-bot" }));
    await consume(env, messages);

    const [delivery] = await received(dest.key);
    expect(delivery?.headers["x-hub-signature-256"]).toBe(
      sign("consumer-app-secret", delivery?.body ?? ""),
    );
    const body = JSON.parse(delivery?.body ?? "{}");
    expect(body.object).toBe("whatsapp_business_account");
    const value = body.entry[0].changes[0].value;
    expect(body.entry[0].changes[0].field).toBe("messages");
    expect(value.messages[0]).toMatchObject({
      type: "text",
      text: { body: chatwootMessage.content },
    });
    expect(value.contacts[0].wa_id).toBe(value.messages[0].from);
  });
});
