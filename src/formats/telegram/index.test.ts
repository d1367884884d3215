import fc from "fast-check";
import { describe, expect, it } from "vitest";
import photoUpdate from "../../../test/fixtures/telegram/message-photo-caption/source.json";
import textUpdate from "../../../test/fixtures/telegram/message-text/source.json";
import { fixtures } from "../../../test/fixtures.ts";
import type { CanonicalEvent } from "../../canonical/index.ts";
import { formatPath } from "../../errors/index.ts";
import { fromCanonical, readEvents, translate } from "../../translate/index.ts";
import { detectFormat } from "../index.ts";
import { telegramConversation } from "./conversation.ts";
import { telegram } from "./index.ts";
import { telegramUpdate, updateKinds } from "./schema.ts";

type Update = typeof textUpdate;

function issues(body: unknown): string[] {
  const result = telegramUpdate.safeParse(body);
  return result.success ? [] : result.error.issues.map((issue) => formatPath(issue.path));
}

/** The canonical event a Telegram body reads as (the first delivery's trace). */
async function canonicalOf(body: unknown): Promise<CanonicalEvent | undefined> {
  const result = await translate("telegram", "telegram", body, { trace: true });
  return result.ok ? result.value.trace?.[0]?.canonical : undefined;
}

const event = (fields: Partial<CanonicalEvent>): CanonicalEvent => ({
  kind: "message.created",
  id: "chatwoot:message_created:654",
  source: { format: "chatwoot", event: "message_created" },
  occurredAt: "2026-06-20T10:15:30.123Z",
  conversation: { id: 207 },
  contact: { id: 4, name: "Jane Doe" },
  ...fields,
});

const message = (fields: Partial<NonNullable<CanonicalEvent["message"]>>) =>
  event({
    message: {
      id: 654,
      text: "Here you go",
      direction: "outgoing",
      author: { role: "agent", id: 9, name: "Bob" },
      private: false,
      contentType: "text",
      attachments: [],
      ...fields,
    },
  });

describe("telegram schema and detection", () => {
  it("detects every Telegram fixture as telegram, and nothing else as telegram", () => {
    for (const fixture of fixtures) {
      const detected = detectFormat(fixture.body);
      const id = detected.ok ? detected.value.id : undefined;
      if (fixture.format === "telegram") expect(id, fixture.name).toBe("telegram");
      else expect(id, `${fixture.format}/${fixture.name}`).not.toBe("telegram");
    }
  });

  it.each([
    [{ update_id: 1 }],
    [{ update_id: 1, event: { id: 1 } }],
    [{ update_id: "1", message: {} }],
    [{ update_id: 1.5, message: {} }],
    [{ message: { message_id: 1 } }],
    [[{ update_id: 1, message: {} }]],
    [null],
  ])("does not detect %j", (body) => {
    expect(telegram.detect(body)).toBe(false);
  });

  it.each([
    ["update_id", (u: Update) => Object.assign(u, { update_id: -1 })],
    ["update_id", (u: Update) => Object.assign(u, { update_id: "815302101" })],
    ["message.chat.type", (u: Update) => Object.assign(u.message.chat, { type: "dm" })],
    ["message.chat", (u: Update) => Object.assign(u.message, { chat: undefined })],
    ["message.date", (u: Update) => Object.assign(u.message, { date: "2026-06-20" })],
    ["message.from.is_bot", (u: Update) => Object.assign(u.message.from, { is_bot: "no" })],
    ["message.text", (u: Update) => Object.assign(u.message, { text: 42 })],
    ["message.photo.0.file_id", (u: Update) => Object.assign(u.message, { photo: [{ width: 1 }] })],
  ])("names %s when it is wrong", (path, change) => {
    const body = structuredClone(textUpdate);
    change(body);
    expect(issues(body)).toContain(path);
  });

  it("requires an update object beside update_id, and accepts kinds it does not translate", async () => {
    expect(issues({ update_id: 5 })).toEqual([""]);
    expect(issues({ update_id: 5, message_created: { id: 1 } })).toEqual([""]);
    const inline = {
      update_id: 5,
      inline_query: { id: "1", from: textUpdate.message.from, query: "x", offset: "" },
    };
    expect(issues(inline)).toEqual([]);
    const result = await translate("telegram", "chatwoot", inline);
    expect(result.ok && result.value.skipped[0]?.reason).toBe(
      'Telegram event "inline_query" has no mapping to the canonical model',
    );
  });

  it("names each update by its kind, and its conversation by the chat", () => {
    for (const fixture of fixtures.filter((f) => f.format === "telegram")) {
      const events = readEvents(telegram, fixture.body);
      expect(events.ok, fixture.name).toBe(true);
      if (!events.ok) continue;
      const [wire] = events.value;
      expect(Object.keys(fixture.body as object)).toContain(wire?.name);
      // Updates of the kinds this format translates name a chat; the others (an inline query, a
      // poll, a business connection...) may name none, and are skipped anyway.
      if (!(updateKinds as readonly string[]).includes(wire?.name ?? "")) continue;
      const key = wire && telegramConversation(wire);
      expect(key, fixture.name).toMatch(/^-:-?\d+$/);
    }
    const inline = {
      name: "callback_query",
      payload: { update_id: 1, callback_query: { id: "q" } },
    };
    expect(telegramConversation(inline)).toBeUndefined();
  });
});

describe("telegram to canonical", () => {
  it("reads a photo's largest size: the file_id is the attachment's id, with no URL", async () => {
    const canonical = await canonicalOf(photoUpdate);
    expect(canonical?.message?.attachments).toEqual([
      { type: "image", id: photoUpdate.message.photo[2]?.file_id, size: 87221 },
    ]);
    expect(canonical?.message?.text).toBe(photoUpdate.message.caption);
  });

  it("reads a contact's message as incoming, in the private chat named after them", async () => {
    const canonical = await canonicalOf(textUpdate);
    expect(canonical).toMatchObject({
      kind: "message.created",
      id: "telegram:message:7771234:1021",
      occurredAt: "2026-06-20T10:15:30.000Z",
      conversation: { id: 7771234, name: "Jane Doe", channel: "Channel::Telegram" },
      contact: { id: 7771234, name: "Jane Doe", identifier: "janedoe" },
      message: { id: 1021, direction: "incoming", author: { role: "contact", id: 7771234 } },
      extra: { telegram: { update_id: 815302101, update: "message" } },
    });
  });
});

describe("canonical to telegram", () => {
  it("skips a private note: Telegram has no message only agents see", async () => {
    const result = await fromCanonical(telegram, message({ private: true }));
    expect(result.ok && result.value.deliveries).toEqual([]);
    expect(result.ok && result.value.skipped[0]?.reason).toContain(
      "Telegram has no message only agents see",
    );
  });

  it("sends a file from another platform by its URL in file_id, and reads the URL back", async () => {
    const url = "https://files.example.com/manual.pdf";
    const out = await fromCanonical(
      telegram,
      message({
        attachments: [{ type: "file", url, fileName: "manual.pdf", mimeType: "application/pdf" }],
      }),
    );
    const body = out.ok
      ? (out.value.deliveries[0]?.body as { message: Record<string, unknown> })
      : undefined;
    expect(body?.message.caption).toBe("Here you go");
    expect(body?.message.document).toMatchObject({ file_id: url, file_name: "manual.pdf" });
    expect(telegramUpdate.safeParse(body).success).toBe(true);
    const back = await canonicalOf(body);
    expect(back?.message?.attachments).toEqual([
      { type: "file", url, fileName: "manual.pdf", mimeType: "application/pdf" },
    ]);
  });

  it("sends one update per further attachment, with consecutive update_ids", async () => {
    const out = await fromCanonical(
      telegram,
      message({
        attachments: [
          { type: "location", latitude: 52.37, longitude: 4.89, title: "Dam Square" },
          { type: "image", url: "https://files.example.com/a.png" },
        ],
      }),
    );
    const bodies = out.ok
      ? out.value.deliveries.map((d) => d.body as { update_id: number; message: object })
      : [];
    expect(
      bodies.map((b) =>
        Object.keys(b.message).filter((k) => ["text", "venue", "photo"].includes(k)),
      ),
    ).toEqual([["text"], ["venue"], ["photo"]]);
    const ids = bodies.map((b) => b.update_id);
    expect(ids[1]).toBe((ids[0] as number) + 1);
    expect(ids[2]).toBe((ids[0] as number) + 2);
    expect(Number.isSafeInteger(ids[0])).toBe(true);
  });

  it("turns a rich message's options into an inline keyboard, one button a row", async () => {
    const out = await fromCanonical(
      telegram,
      message({
        interactive: {
          type: "buttons",
          options: [
            { title: "Blue", value: "blue" },
            { title: "Shop", value: "https://shop.example.com" },
          ],
        },
      }),
    );
    const body = out.ok
      ? (out.value.deliveries[0]?.body as { message: { reply_markup: unknown } })
      : undefined;
    // As POSTed: JSON text (an array built by a mapping may carry non-JSON properties).
    expect(JSON.parse(JSON.stringify(body?.message.reply_markup))).toEqual({
      inline_keyboard: [
        [{ text: "Blue", callback_data: "blue" }],
        [{ text: "Shop", url: "https://shop.example.com" }],
      ],
    });
  });

  it("keeps text, chat, time, direction and entities through telegram → telegram", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "grapheme", minLength: 1 }),
        fc.integer({ min: -1_000_000_000_000, max: 1_000_000_000_000 }),
        fc.integer({ min: 946684800, max: 4102444800 }),
        fc.boolean(),
        async (text, chatId, date, fromBot) => {
          const update = structuredClone(textUpdate) as Update & {
            message: { entities?: unknown };
          };
          update.message.text = text;
          update.message.chat.id = chatId;
          update.message.date = date;
          update.message.from.is_bot = fromBot;
          update.message.entities = [{ type: "bold", offset: 0, length: 1 }];
          const result = await translate("telegram", "telegram", update);
          expect(result.ok).toBe(true);
          if (!result.ok) return;
          const [delivery] = result.value.deliveries;
          const out = delivery?.body as typeof update;
          expect(telegramUpdate.safeParse(out).success).toBe(true);
          expect(out.update_id).toBe(update.update_id);
          expect(out.message.text).toBe(text);
          expect(out.message.chat.id).toBe(chatId);
          expect(out.message.date).toBe(date);
          expect(out.message.from.is_bot).toBe(fromBot);
          expect(out.message.entities).toEqual(update.message.entities);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("derives the same update_id from the same event, and another from another", async () => {
    const first = await fromCanonical(telegram, message({}));
    const again = await fromCanonical(telegram, message({}));
    const other = await fromCanonical(telegram, {
      ...message({}),
      id: "chatwoot:message_created:655",
    });
    const id = (r: typeof first) =>
      r.ok ? (r.value.deliveries[0]?.body as { update_id?: number } | undefined)?.update_id : 0;
    expect(id(again)).toBe(id(first));
    expect(id(other)).not.toBe(id(first));
  });

  it("skips a conversation change that is not the bot's membership", async () => {
    const result = await fromCanonical(
      telegram,
      event({
        kind: "conversation.updated",
        changes: [{ field: "status", from: "open", to: "resolved" }],
      }),
    );
    expect(result.ok && result.value.skipped[0]?.reason).toContain(
      "Telegram has no update for this conversation change",
    );
  });
});
