/**
 * Telegram, read as each side's consumer reads it.
 *
 * Into telegram: every event of the corpus written as an Update is one a bot's webhook handler
 * can take (one update kind, an integer update_id of its own), with the text intact, the author on
 * the right side (is_bot), files re-sendable by the link the source gave, places and contact cards
 * as Telegram's own location, venue and contact, the reply's answered message, and never a
 * private note.
 *
 * From telegram: what the Telegram fixtures carry (read from the Update itself, not from the
 * canonical event) reaches every other target: the text or caption, the file_id a bot needs to
 * fetch a file, a button press as the contact's answer, an edit as an edit, the bot's membership
 * change as a conversation change.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { CanonicalEvent } from "../../src/canonical/index.ts";
import { telegramUpdate, updateKind } from "../../src/formats/telegram/schema.ts";
import { type Delivery, translateEvent } from "../../src/translate/index.ts";
import { format, type Outcome, translateCorpus } from "./outcomes.ts";
import { type Json, supporthuntEvent, targetConversationId } from "./readers.ts";

interface IntoTelegram {
  fixture: string;
  canonical: CanonicalEvent;
  updates: Json[];
}

let outcomes: Outcome[] = [];
const into: IntoTelegram[] = [];
beforeAll(async () => {
  outcomes = await translateCorpus();
  const telegram = format("telegram");
  for (const o of outcomes) {
    const result = await translateEvent(
      format(o.fixture.split("/")[0] as string),
      telegram,
      o.source,
    );
    if (!result.ok) throw new Error(`${o.fixture} → telegram: ${result.error.message}`);
    into.push({
      fixture: o.fixture,
      canonical: o.canonical,
      // As POSTed: JSON text.
      updates: result.value.deliveries.map((d) => JSON.parse(JSON.stringify(d.body))),
    });
  }
}, 180_000);

/** The Message an update carries (message, edited_message, channel_post, edited_channel_post). */
const messageOf = (update: Json): Json =>
  update.message ?? update.edited_message ?? update.channel_post ?? update.edited_channel_post;

const messages = () => into.filter((i) => i.canonical.message && i.updates.length > 0);

describe("into telegram", () => {
  it("writes updates a bot can take: valid, one kind each, a safe integer update_id of their own", () => {
    const owner = new Map<number, string>();
    let checked = 0;
    for (const { fixture, canonical, updates } of into) {
      for (const update of updates) {
        checked++;
        const parsed = telegramUpdate.safeParse(update);
        expect(parsed.success, `${fixture}: ${JSON.stringify(parsed.error?.issues)}`).toBe(true);
        const kinds = Object.keys(update).filter((k) => k !== "update_id");
        expect(kinds, fixture).toEqual([updateKind(update)]);
        expect(Number.isSafeInteger(update.update_id) && update.update_id >= 0, fixture).toBe(true);
        const seen = owner.get(update.update_id);
        expect(seen === undefined || seen === canonical.id, `${fixture}: update_id reused`).toBe(
          true,
        );
        owner.set(update.update_id, canonical.id);
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("keep the text, as the text or the first file's caption", () => {
    for (const { fixture, canonical, updates } of messages()) {
      const text = canonical.message?.text;
      if (typeof text !== "string" || text === "" || canonical.message?.reply) continue;
      const first = messageOf(updates[0]);
      expect(first?.text ?? first?.caption, fixture).toBe(text);
    }
  });

  it("put the author on the right side: a contact is a person, everyone else writes through the bot", () => {
    for (const { fixture, canonical, updates } of messages()) {
      for (const update of updates) {
        const from = messageOf(update)?.from ?? update.callback_query?.from;
        if (!from) continue; // a channel post is the channel's
        expect(from.is_bot, fixture).toBe(canonical.message?.direction === "outgoing");
      }
    }
  });

  it("never send a private note or an internal message", () => {
    let checked = 0;
    for (const { fixture, canonical, updates } of into) {
      if (!canonical.message?.private) continue;
      checked++;
      expect(updates, fixture).toEqual([]);
    }
    expect(checked).toBeGreaterThan(10);
  });

  it("keep the conversation as the chat", () => {
    for (const { fixture, canonical, updates } of messages()) {
      const id = canonical.conversation?.id;
      if (id === undefined || id === null) continue;
      for (const update of updates) {
        const chat = messageOf(update)?.chat ?? update.callback_query?.message?.chat;
        expect(String(chat?.id), fixture).toBe(String(id));
      }
    }
  });

  it("keep every file by its link (or Telegram file_id), with its kind", () => {
    const kinds: Record<string, string[]> = {
      image: ["photo", "sticker"],
      video: ["video"],
      audio: ["voice", "audio"],
      file: ["document"],
    };
    let checked = 0;
    for (const { fixture, canonical, updates } of messages()) {
      for (const a of canonical.message?.attachments ?? []) {
        const expected = kinds[a.type];
        const fileId = a.url ?? a.id;
        if (!expected || !fileId) continue;
        checked++;
        const files = updates.flatMap((u) => {
          const m = messageOf(u) ?? {};
          return expected.map((k) => (k === "photo" ? m.photo?.at(-1) : m[k])).filter(Boolean);
        });
        expect(
          files.map((f: Json) => f.file_id),
          `${fixture}: ${a.type}`,
        ).toContain(fileId);
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it("send a place as a location (a venue when it has a name) and a card as a contact", () => {
    let checked = 0;
    for (const { fixture, canonical, updates } of messages()) {
      const sent = updates.map(messageOf);
      for (const a of canonical.message?.attachments ?? []) {
        if (a.type === "location" && typeof a.latitude === "number") {
          checked++;
          const place = sent.find(
            (m) => m?.location?.latitude === a.latitude && m?.location?.longitude === a.longitude,
          );
          expect(place, `${fixture}: the place's coordinates`).toBeDefined();
          if (a.title) expect(place?.venue?.title, fixture).toBe(a.title);
        }
        if (a.type === "contact" && typeof a.phone === "string") {
          checked++;
          const phones = sent.filter((m) => m?.contact).map((m) => m.contact.phone_number);
          expect(phones, fixture).toContain(a.phone);
        }
      }
    }
    expect(checked).toBeGreaterThan(6);
  });

  it("answer the message a reply answers", () => {
    let checked = 0;
    for (const { fixture, canonical, updates } of messages()) {
      const replyTo = canonical.message?.replyTo;
      if (!replyTo || (replyTo.id == null && replyTo.externalId == null)) continue;
      checked++;
      const answered = messageOf(updates[0])?.reply_to_message;
      const numeric = /^-?\d+$/.test(replyTo.externalId ?? "")
        ? Number(replyTo.externalId)
        : replyTo.id;
      expect(answered?.message_id, fixture).toBe(numeric);
    }
    expect(checked).toBeGreaterThan(3);
  });
});

describe("from telegram", () => {
  const fromTelegram = () => outcomes.filter((o) => o.fixture.startsWith("telegram/"));
  const update = (o: Outcome) => o.source.payload as Json;
  const body = (d: Delivery | undefined) => d?.body as Json;

  it("the text or caption arrives in every target", () => {
    let checked = 0;
    for (const o of fromTelegram()) {
      const m = messageOf(update(o));
      const text = m?.text ?? m?.caption;
      if (typeof text !== "string") continue;
      checked++;
      for (const d of o.out.chatwoot) expect(body(d).content, o.fixture).toBe(text);
      expect(body(o.out.dotted[0]).data.message.text.startsWith(text), o.fixture).toBe(true);
      const shown = o.out.supporthunt.map((d) => JSON.stringify(supporthuntEvent(d.body)));
      if (o.canonical.kind === "message.created")
        expect(shown.join(), o.fixture).toContain(JSON.stringify(text).slice(1, -1));
    }
    expect(checked).toBeGreaterThan(10);
  });

  it("the file_id a bot fetches a file with reaches every target that delivers the message", () => {
    let checked = 0;
    for (const o of fromTelegram()) {
      const m = messageOf(update(o)) ?? {};
      const file = m.photo?.at(-1) ?? m.document ?? m.voice ?? m.video ?? m.audio ?? m.sticker;
      if (!file) continue;
      for (const target of ["chatwoot", "onehash", "dotted", "supporthunt"] as const) {
        for (const d of o.out[target]) {
          checked++;
          expect(JSON.stringify(d.body), `${o.fixture} → ${target}`).toContain(file.file_id);
        }
      }
    }
    expect(checked).toBeGreaterThan(15);
  });

  it("a button press is the contact's answer: the button's text and its data", () => {
    const [o] = fromTelegram().filter((x) => x.fixture === "telegram/callback-query");
    const query = update(o as Outcome).callback_query;
    const button = query.message.reply_markup.inline_keyboard
      .flat()
      .find((b: Json) => b.callback_data === query.data);
    const cw = body(o?.out.chatwoot[0]);
    expect(cw.message_type).toBe("incoming");
    expect(cw.content).toBe(button.text);
    expect(cw.content_attributes.submitted_values).toEqual([
      { title: button.text, value: query.data },
    ]);
    expect(body(o?.out.dotted[0]).data.message.type).toBe("postback");
    const sh = supporthuntEvent(o?.out.supporthunt[0]?.body);
    expect([sh.event.type, sh.event.payload.message.payload.body]).toEqual([
      "message",
      button.text,
    ]);
  });

  it("an edit is an edit, in the same conversation", () => {
    const [o] = fromTelegram().filter((x) => x.fixture === "telegram/edited-message");
    const edited = update(o as Outcome).edited_message;
    expect(o?.out.chatwoot.map((d) => d.event)).toEqual(["message_updated"]);
    expect(body(o?.out.chatwoot[0]).content).toBe(edited.text);
    expect(o?.out.dotted.map((d) => d.event)).toEqual(["message.update"]);
    expect(targetConversationId("dotted", body(o?.out.dotted[0]))).toBe(String(edited.chat.id));
  });

  it("the bot blocked by a person is a conversation change naming the new status", () => {
    const [o] = fromTelegram().filter((x) => x.fixture === "telegram/my-chat-member-blocked");
    const change = update(o as Outcome).my_chat_member;
    expect(body(o?.out.chatwoot[0]).changed_attributes).toEqual([
      {
        bot_status: {
          previous_value: change.old_chat_member.status,
          current_value: change.new_chat_member.status,
        },
      },
    ]);
    expect(o?.skipped.supporthunt[0]).toContain("bot_status");
  });

  it("a channel post is the channel's own message, read as incoming", () => {
    const [o] = fromTelegram().filter((x) => x.fixture === "telegram/channel-post");
    const post = update(o as Outcome).channel_post;
    const cw = body(o?.out.chatwoot[0]);
    expect([cw.message_type, cw.content, cw.conversation.id]).toEqual([
      "incoming",
      post.text,
      post.chat.id,
    ]);
  });
});
