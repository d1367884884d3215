/**
 * Telegram end to end, through the Worker with real local bindings (D1, the queue producer) and
 * the local destination server: POST /webhooks/telegram with the secret-token header (good, bad,
 * missing, a replayed update_id), POST /translate with telegram as source, target and `auto`,
 * and a route whose target is telegram, delivered with the header a bot's webhook handler checks.
 */
import { describe, expect, it } from "vitest";
import { call, consume, destination, received, testEnv } from "../../../test/delivery/helpers.ts";
import chatwootMessage from "../../../test/fixtures/chatwoot/message-created-incoming/source.json";
import photoUpdate from "../../../test/fixtures/telegram/message-photo-caption/source.json";
import textUpdate from "../../../test/fixtures/telegram/message-text/source.json";
import type { DeliveryMessage } from "../../enqueue/index.ts";
import { telegramUpdate } from "./schema.ts";
import { SECRET_HEADER } from "./transport.ts";

const SECRET = "tg_secret-Token_0123456789";

/** The text fixture as a new update (its own update_id, so no earlier run makes it a repeat). */
function freshUpdate(): typeof textUpdate {
  const update = structuredClone(textUpdate);
  update.update_id = Math.floor(Math.random() * 2 ** 40);
  return update;
}

const routed = (vars: Record<string, unknown> = {}) =>
  testEnv({
    TARGET_FORMAT: "chatwoot",
    DESTINATION_URL: destination().url,
    WEBHOOK_SECRET_TELEGRAM: SECRET,
    ...vars,
  });

const post = (env: ReturnType<typeof routed>, body: unknown, headers: Record<string, string>) =>
  call(env, "/webhooks/telegram", { text: JSON.stringify(body), headers });

describe("POST /webhooks/telegram", () => {
  it("accepts an update carrying the configured secret token (202)", async () => {
    const response = await post(routed(), freshUpdate(), { [SECRET_HEADER]: SECRET });
    expect(response.status).toBe(202);
    const body = (await response.json()) as { accepted: string[]; duplicates: string[] };
    expect(body.accepted).toHaveLength(1);
    expect(body.duplicates).toEqual([]);
  });

  it("accepts either value of a rotation", async () => {
    const env = routed({ WEBHOOK_SECRET_TELEGRAM: `new-token,${SECRET}` });
    for (const token of ["new-token", SECRET]) {
      expect((await post(env, freshUpdate(), { [SECRET_HEADER]: token })).status).toBe(202);
    }
  });

  it.each([
    ["missing_token", {}],
    ["missing_token", { [SECRET_HEADER]: "" }],
    ["bad_token", { [SECRET_HEADER]: `${SECRET}x` }],
    ["bad_token", { [SECRET_HEADER]: SECRET.slice(0, -1) }],
    ["bad_token", { [SECRET_HEADER]: SECRET.toUpperCase() }],
    ["bad_token", { Authorization: `Bearer ${SECRET}`, [SECRET_HEADER]: "nope" }],
  ])("refuses %s with 401 and keeps nothing (%j)", async (reason, headers) => {
    const env = routed();
    const update = freshUpdate();
    const response = await post(env, update, headers);
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: string; reason: string; message: string };
    expect(body.reason).toBe(reason);
    expect(body.message).not.toContain(SECRET);
    // Nothing was kept: the same update with the right token is new, not a repeat.
    expect((await post(env, update, { [SECRET_HEADER]: SECRET })).status).toBe(202);
  });

  it("answers a replayed update_id as a repeat (200, the original's id), even with another body", async () => {
    const env = routed();
    const update = freshUpdate();
    const first = (await (await post(env, update, { [SECRET_HEADER]: SECRET })).json()) as {
      accepted: string[];
    };
    const again = await post(env, update, { [SECRET_HEADER]: SECRET });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ accepted: [], duplicates: first.accepted });
    // Telegram re-sends an update with the same update_id: that id is what makes it a repeat.
    const edited = { ...update, message: { ...update.message, text: "changed" } };
    const third = await post(env, edited, { [SECRET_HEADER]: SECRET });
    expect(third.status).toBe(200);
  });

  it("accepts unverified when no secret is configured, and 400s an invalid update naming the field", async () => {
    const env = routed({ WEBHOOK_SECRET_TELEGRAM: undefined });
    expect((await post(env, freshUpdate(), {})).status).toBe(202);
    const broken = freshUpdate() as unknown as { message: { chat: { type: string } } };
    broken.message.chat.type = "secret";
    const response = await post(env, broken, {});
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: string; issues: Array<{ path: string }> };
    expect(body.error).toBe("invalid_payload");
    expect(body.issues.map((issue) => issue.path)).toContain("message.chat.type");
  });

  it("tells a sender who posts a Telegram update to another format's URL where it belongs", async () => {
    const response = await call(routed(), "/webhooks/chatwoot", { json: freshUpdate() });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { detected: string; message: string };
    expect(body.detected).toBe("telegram");
    expect(body.message).toContain("/webhooks/telegram");
  });
});

describe("POST /translate with telegram", () => {
  it("translates an update into Chatwoot, and detects it with auto", async () => {
    for (const source of ["telegram", "auto"]) {
      const response = await call(routed(), `/translate/${source}/chatwoot`, { json: photoUpdate });
      expect(response.status).toBe(200);
      const body = (await response.json()) as {
        detected?: boolean;
        deliveries: Array<{
          event: string;
          body: { content: string; conversation: { id: number } };
        }>;
      };
      expect(body.deliveries[0]?.event).toBe("message_created");
      expect(body.deliveries[0]?.body.content).toBe("This one, but in blue 💙");
      expect(body.deliveries[0]?.body.conversation.id).toBe(7771234);
      if (source === "auto") expect(body.detected).toBe(true);
    }
  });

  it("writes a Chatwoot message as an Update the schema accepts", async () => {
    const response = await call(routed(), "/translate/chatwoot/telegram", {
      json: chatwootMessage,
    });
    expect(response.status).toBe(200);
    const { deliveries } = (await response.json()) as {
      deliveries: Array<{ event: string; body: unknown }>;
    };
    expect(deliveries.map((d) => d.event)).toEqual(["message"]);
    expect(telegramUpdate.safeParse(deliveries[0]?.body).success).toBe(true);
  });
});

describe("a route whose target is telegram", () => {
  it("delivers the Update with the route's native secret in X-Telegram-Bot-Api-Secret-Token", async () => {
    const bot = destination();
    const env = testEnv({
      BOT_TOKEN: "bot_webhook-token-42",
      ROUTES: [
        {
          name: "bot",
          sources: ["chatwoot"],
          target: "telegram",
          url: bot.url,
          nativeSecret: "BOT_TOKEN",
        },
      ],
    });
    const response = await call(env, "/webhooks/chatwoot", {
      text: JSON.stringify(chatwootMessage),
      headers: { "X-Chatwoot-Delivery": crypto.randomUUID() },
    });
    expect(response.status).toBe(202);
    const { accepted } = (await response.json()) as { accepted: string[] };
    const messages: DeliveryMessage[] = accepted.map((event) => ({ v: 1, event, route: "bot" }));
    const result = await consume(env, messages);
    expect(result.explicitAcks).toHaveLength(1);
    const [delivery] = await received(bot.key);
    expect(delivery?.headers["x-telegram-bot-api-secret-token"]).toBe("bot_webhook-token-42");
    const update = JSON.parse(delivery?.body ?? "{}");
    expect(telegramUpdate.safeParse(update).success).toBe(true);
    expect(update.message.text).toBe(chatwootMessage.content);
    expect(update.message.chat.id).toBe(chatwootMessage.conversation.id);
  });

  it("sends no secret-token header when the route has no secret", async () => {
    const bot = destination();
    const env = testEnv({
      ROUTES: [{ name: "bot", sources: "*", target: "telegram", url: bot.url }],
    });
    const response = await post(env, freshUpdate(), {});
    const { accepted } = (await response.json()) as { accepted: string[] };
    await consume(
      env,
      accepted.map((event) => ({ v: 1 as const, event, route: "bot" })),
    );
    const [delivery] = await received(bot.key);
    expect(delivery?.headers).not.toHaveProperty("x-telegram-bot-api-secret-token");
    expect(JSON.parse(delivery?.body ?? "{}").message.text).toBe(textUpdate.message.text);
  });
});
