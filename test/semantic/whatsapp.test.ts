/**
 * WhatsApp, read as consumers read it. The WhatsApp fixtures in every other target: a reaction
 * stays a reaction to the same wamid, a status is that status of that message, a failure is a
 * failure with Meta's reason, a quoted reply names the quoted wamid, a button or list reply keeps
 * the chosen id, several entries and changes are that many events of their own chats. And the
 * whole corpus translated into WhatsApp, read as a bot written for Meta's webhooks reads it: the
 * sender is one of the value's contacts, the contact's messages come as `messages` and the
 * business's as `smb_message_echoes`, the text arrives, nothing private is posted, and a status is
 * the canonical status.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { whatsapp } from "../../src/formats/whatsapp/index.ts";
import { type Delivery, fromCanonical, readEvents } from "../../src/translate/index.ts";
import { format, type Outcome, translateCorpus } from "./outcomes.ts";
import { type Json, supporthuntEvent } from "./readers.ts";

let outcomes: Outcome[] = [];
/** Every canonical event of the corpus with what the WhatsApp target made of it. */
let written: Array<{ o: Outcome; deliveries: Delivery[]; skipped: string[] }> = [];
beforeAll(async () => {
  outcomes = await translateCorpus();
  written = await Promise.all(
    outcomes.map(async (o) => {
      const result = await fromCanonical(whatsapp, o.canonical);
      if (!result.ok) throw new Error(`${o.fixture} → whatsapp: ${result.error.message}`);
      return {
        o,
        deliveries: result.value.deliveries,
        skipped: result.value.skipped.map((s) => s.reason),
      };
    }),
  );
}, 120_000);

const fromWhatsapp = (name: string): Outcome[] => {
  const found = outcomes.filter((o) => o.fixture === `whatsapp/${name}`);
  expect(found.length, name).toBeGreaterThan(0);
  return found;
};
const body = (d: Delivery | undefined) => d?.body as Json;
/** The one message or status of a WhatsApp fixture's (narrowed) event. */
const wire = (o: Outcome): Json => {
  const value = (o.source.payload as Json).entry[0].changes[0].value;
  return value.messages?.[0] ?? value.message_echoes?.[0] ?? value.statuses?.[0];
};

describe("WhatsApp in every other target", () => {
  it("a reaction stays a reaction to the same message, and one taken back is no emoji", () => {
    const [o] = fromWhatsapp("messages-reaction");
    const reacted = wire(o as Outcome).reaction.message_id;
    for (const target of ["chatwoot", "onehash"] as const) {
      expect(body(o?.out[target][0]).content).toBe("👍");
      expect(body(o?.out[target][0]).content_attributes).toMatchObject({
        is_reaction: true,
        in_reply_to_external_id: reacted,
      });
    }
    expect(body(o?.out.dotted[0]).data.message.meta).toMatchObject({
      reactionEmoji: "👍",
      reactionExternalId: reacted,
    });
    expect(supporthuntEvent(body(o?.out.supporthunt[0])).event.payload.message.text).toBe("👍");
    const [removed] = fromWhatsapp("messages-reaction-removed");
    expect(body(removed?.out.chatwoot[0]).content).toBe("");
    expect(removed?.out.supporthunt).toEqual([]);
  });

  it("a status is that status of that message; a failure carries Meta's reason", () => {
    let checked = 0;
    for (const o of outcomes.filter((x) => x.source.dispatch === "statuses")) {
      checked++;
      const status = wire(o);
      for (const d of o.out.chatwoot) {
        expect(body(d).status, o.fixture).toBe(status.status);
        expect(String(body(d).id), o.fixture).toBe(status.id);
      }
      if (status.status === "failed") {
        const reason = status.errors[0].error_data.details;
        expect(body(o.out.chatwoot[0]).content_attributes.external_error).toBe(reason);
        expect(body(o.out.dotted[0]).data.error.message).toBe(reason);
      } else {
        expect(o.out.dotted, o.fixture).toEqual([]);
        expect(o.skipped.dotted[0], o.fixture).toMatch(/no delivery receipts/);
      }
    }
    expect(checked).toBeGreaterThanOrEqual(6);
  });

  it("a quoted reply and a button or list reply name the answered message and the chosen id", () => {
    for (const name of [
      "messages-reply-context",
      "messages-interactive-button-reply",
      "messages-button",
    ]) {
      const [o] = fromWhatsapp(name);
      const quoted = wire(o as Outcome).context.id;
      expect(body(o?.out.chatwoot[0]).content_attributes.in_reply_to_external_id, name).toBe(
        quoted,
      );
      expect(body(o?.out.dotted[0]).data.message.meta.replyToExternalId, name).toBe(quoted);
    }
    const [list] = fromWhatsapp("messages-interactive-list-reply");
    expect(body(list?.out.chatwoot[0]).content).toBe("Express");
    expect(body(list?.out.chatwoot[0]).content_attributes.submitted_values).toEqual([
      { title: "Express", value: "ship-express" },
    ]);
    const [template] = fromWhatsapp("messages-button");
    expect(body(template?.out.dotted[0]).data.message).toMatchObject({
      type: "postback",
      text: "Stop promotions",
    });
    expect(body(template?.out.dotted[0]).data.message.meta.payload).toBe("STOP_PROMOTIONS");
  });

  it("several entries and changes in one post are that many events, each in its own chat", () => {
    const events = fromWhatsapp("batch-entries-changes");
    expect(events.map((o) => o.source.name)).toEqual([
      "messages.text",
      "messages.text",
      "statuses.read",
      "statuses.delivered",
      "messages.image",
    ]);
    expect(events.map((o) => String(o.canonical.conversation?.id))).toEqual([
      "16505551234",
      "31612345678",
      "16505551234",
      "16505551234",
      "16505551234",
    ]);
    expect(events.map((o) => o.canonical.inbox?.id)).toEqual([
      "106540352242922",
      "106540352242922",
      "106540352242922",
      "106540352242922",
      "106540352242923",
    ]);
  });

  it("media keep their WhatsApp id and type; a place its coordinates; a card its number", () => {
    const [image] = fromWhatsapp("messages-image");
    expect(image?.canonical.message?.attachments[0]).toMatchObject({
      type: "image",
      id: "2754859441498128",
    });
    const [voice] = fromWhatsapp("messages-audio-voice");
    expect(body(voice?.out.chatwoot[0]).attachments[0].file_type).toBe("audio");
    const [sticker] = fromWhatsapp("messages-sticker");
    expect(body(sticker?.out.chatwoot[0]).content_type).toBe("sticker");
    const [cards] = fromWhatsapp("messages-contacts");
    expect(body(cards?.out.chatwoot[0]).attachments.map((a: Json) => a.fallback_title)).toEqual([
      "+31 6 1234 5678",
      "+31 6 8765 4321",
    ]);
  });
});

describe("the corpus in WhatsApp, read as a WhatsApp webhook consumer", () => {
  const messages = () =>
    written.flatMap(({ o, deliveries }) =>
      deliveries
        .filter((d) => !d.event.startsWith("statuses."))
        .map((d, position) => ({ o, d, position })),
    );

  it("reads every delivery as a valid webhook of one event", () => {
    let checked = 0;
    for (const { o, deliveries } of written) {
      for (const d of deliveries) {
        checked++;
        const events = readEvents(whatsapp, d.body);
        expect(events.ok && events.value.length, `${o.fixture}: ${d.event}`).toBe(1);
      }
    }
    expect(checked).toBeGreaterThan(100);
  });

  it("posts the contact's messages as messages, from one of the value's contacts, and the business's as echoes", () => {
    for (const { o, d } of messages()) {
      const change = body(d).entry[0].changes[0];
      if (o.canonical.message?.direction === "incoming") {
        expect(change.field, o.fixture).toBe("messages");
        const [message] = change.value.messages;
        expect(
          change.value.contacts.map((c: Json) => c.wa_id),
          o.fixture,
        ).toContain(message.from);
      } else {
        expect(change.field, o.fixture).toBe("smb_message_echoes");
        expect(change.value.message_echoes[0].to, o.fixture).not.toBe("");
      }
    }
  });

  it("never posts a private message", () => {
    let checked = 0;
    for (const { o, deliveries, skipped } of written) {
      if (!o.canonical.message?.private || o.canonical.kind !== "message.created") continue;
      checked++;
      expect(deliveries, o.fixture).toEqual([]);
      expect(skipped[0], o.fixture).toMatch(/private/);
    }
    expect(checked).toBeGreaterThan(10);
  });

  it("keeps the text: a text body, a caption, a reply's title, an emoji, an order's note or a notice", () => {
    let checked = 0;
    for (const { o, d, position } of messages()) {
      const text = o.canonical.message?.text;
      if (position > 0 || typeof text !== "string" || text === "") continue;
      const change = body(d).entry[0].changes[0].value;
      const m = (change.messages ?? change.message_echoes)[0];
      const shown =
        m.text?.body ??
        m[m.type]?.caption ??
        m.interactive?.button_reply?.title ??
        m.interactive?.list_reply?.title ??
        m.interactive?.body?.text ??
        m.button?.text ??
        m.reaction?.emoji ??
        m.order?.text ??
        m.system?.body;
      if (o.canonical.message?.interactive && shown === undefined) continue;
      checked++;
      expect(shown, `${o.fixture}: ${d.event}`).toBe(text);
    }
    expect(checked).toBeGreaterThan(50);
  });

  it("reports a status as the canonical status of that message", () => {
    let checked = 0;
    for (const { o, deliveries } of written) {
      for (const d of deliveries.filter((x) => x.event.startsWith("statuses."))) {
        checked++;
        const status = body(d).entry[0].changes[0].value.statuses[0];
        expect(status.status, o.fixture).toBe(
          o.canonical.kind === "message.failed" ? "failed" : o.canonical.message?.status,
        );
        if (status.status === "failed") expect(status.errors.length).toBeGreaterThan(0);
      }
    }
    expect(checked).toBeGreaterThan(8);
  });

  it("skips what WhatsApp webhooks have no event for, with the reason", () => {
    for (const { o, deliveries, skipped } of written) {
      if (deliveries.length === 0) expect(skipped.length, o.fixture).toBeGreaterThan(0);
    }
    expect(format("whatsapp").fromCanonical["conversation.created"]).toBeUndefined();
  });
});
