/**
 * The updates this format writes, handled by a real bot framework: grammY (the client whose
 * `@grammyjs/types` the fixtures are checked against) routes each one by its filter queries
 * (`message:text`, `message:photo`, `callback_query:data`...) exactly as it routes Telegram's own,
 * and reads the chat, the sender and the content where a bot reads them. No request leaves the
 * test: the bot is given its identity instead of asking Telegram (`botInfo`).
 */
import { Bot, type Context } from "grammy";
import { describe, expect, it } from "vitest";
import { fixtures } from "../../../test/fixtures.ts";
import { translate } from "../../translate/index.ts";
import { findFormat } from "../index.ts";

/** Every update written for the corpus: every fixture of every format translated into telegram. */
async function writtenUpdates(): Promise<
  Array<{ fixture: string; update: Record<string, never> }>
> {
  const out: Array<{ fixture: string; update: Record<string, never> }> = [];
  for (const fixture of fixtures) {
    if (!findFormat(fixture.format).ok) continue;
    const result = await translate(fixture.format, "telegram", fixture.body);
    if (!result.ok) throw new Error(`${fixture.format}/${fixture.name}: ${result.error.message}`);
    for (const delivery of result.value.deliveries) {
      out.push({
        fixture: `${fixture.format}/${fixture.name}`,
        update: JSON.parse(JSON.stringify(delivery.body)),
      });
    }
  }
  return out;
}

/** A bot that records which of its handlers each update reached, and what the context said. */
function recordingBot() {
  const bot = new Bot("0:test", {
    botInfo: {
      id: 6012345678,
      is_bot: true,
      first_name: "Acme Support",
      username: "acme_support_bot",
      can_join_groups: true,
      can_read_all_group_messages: false,
      supports_inline_queries: false,
      can_connect_to_business: false,
      has_main_web_app: false,
      has_topics_enabled: false,
      allows_users_to_create_topics: false,
      can_manage_bots: false,
      supports_join_request_queries: false,
    },
  });
  const seen: Array<{ filter: string; ctx: Context }> = [];
  const filters = [
    "message:text",
    "message:caption",
    "message:photo",
    "message:document",
    "message:voice",
    "message:audio",
    "message:video",
    "message:sticker",
    "message:location",
    "message:venue",
    "message:contact",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "callback_query:data",
    "my_chat_member",
  ] as const;
  for (const filter of filters) {
    bot.on(filter, (ctx, next) => {
      seen.push({ filter, ctx });
      return next();
    });
  }
  return { bot, seen };
}

describe("updates written in telegram, handled by grammY", () => {
  it("reach the handler of their kind and content, with the chat and the sender a bot reads", async () => {
    const updates = await writtenUpdates();
    expect(updates.length).toBeGreaterThan(100);
    for (const { fixture, update } of updates) {
      const { bot, seen } = recordingBot();
      await bot.handleUpdate(update as never);
      const message = (update.message ??
        update.edited_message ??
        update.channel_post ??
        update.edited_channel_post) as Record<string, never> | undefined;
      const expected = message
        ? (
            [
              "text",
              "caption",
              "photo",
              "document",
              "voice",
              "audio",
              "video",
              "sticker",
              "location",
              "venue",
              "contact",
            ] as const
          )
            .filter((key) => key in message)
            .map((key) =>
              update.message
                ? `message:${key}`
                : update.edited_message
                  ? "edited_message"
                  : update.channel_post
                    ? "channel_post"
                    : "edited_channel_post",
            )
        : update.callback_query
          ? ["callback_query:data"]
          : ["my_chat_member"];
      expect([...new Set(seen.map((s) => s.filter))], fixture).toEqual([...new Set(expected)]);
      const ctx = seen[0]?.ctx;
      const chat = (message?.chat ??
        (update.my_chat_member as { chat?: unknown } | undefined)?.chat) as
        | { id: unknown }
        | undefined;
      // Every update written here names its chat (a button press: the chat of the bot's message).
      expect(ctx?.chat?.id, fixture).toBeDefined();
      if (chat) expect(ctx?.chat?.id, fixture).toBe(chat.id);
      if (message && "text" in message) expect(ctx?.msg?.text, fixture).toBe(message.text);
      const from = message?.from as { id: unknown; is_bot: boolean } | undefined;
      if (from) expect([ctx?.from?.id, ctx?.from?.is_bot], fixture).toEqual([from.id, from.is_bot]);
    }
  });
});
