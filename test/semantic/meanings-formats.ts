/**
 * The meaning checks of the Support Hunt, dotted, Telegram and WhatsApp coverage lists (the
 * Chatwoot lists: meanings.ts). Same contract: the sender's value and one translated event that
 * carries it; each check reads the deliveries as the target's consumer does.
 */
import { expect } from "vitest";
import type { Delivery } from "../../src/translate/index.ts";
import { attachmentsKeep, authorIs, body, dottedStatus, label } from "./meanings.ts";
import type { Outcome } from "./outcomes.ts";
import { type Json, targetConversationId } from "./readers.ts";

type Meaning = (value: string, o: Outcome) => void;
const src = (o: Outcome): Json => o.source.payload as Json;
const cw = (o: Outcome): Delivery[] => [...o.out.chatwoot, ...o.out.onehash];
const dotted = (o: Outcome): Json => body(o.out.dotted[0]).data;

/** A message's type in dotted and the content type in the Chatwoot family, by the source's kind. */
const dottedTypeOf: Record<string, string> = {
  button: "card",
  list: "card",
  carousel: "card",
  form: "form",
  "button.response": "postback",
};
const chatwootTypeOf: Record<string, string> = {
  button: "input_select",
  list: "input_select",
  carousel: "cards",
  form: "form",
  card: "input_select",
};

/** The text a person reads in the source, shown by dotted and the Chatwoot family. */
function textShown(o: Outcome, v: string) {
  const text = o.canonical.message?.text;
  if (typeof text !== "string" || text === "") return;
  expect(dotted(o).message.text, label(o, v, "dotted")).toContain(text);
  for (const d of cw(o)) expect(body(d).content, label(o, v, "chatwoot")).toBe(text);
}

const statusOfChange = (o: Outcome, v: string, expected: string) => {
  for (const d of o.out.dotted)
    expect(body(d).data.conversation.status, label(o, v, "dotted")).toBe(expected);
};

export const formatMeanings: Record<string, Record<string, Meaning>> = {
  supporthunt: {
    "event.type": (v, o) => {
      if (v === "message" || v === "note") textShown(o, v);
      if (v === "note") expect(dotted(o).message.isBackchannel, label(o, v, "dotted")).toBe(true);
    },
    "message.type": (v, o) => {
      expect(dotted(o).message.type, label(o, v, "dotted")).toBe(
        dottedTypeOf[v] ?? (v.endsWith(".response") ? "field" : "chat"),
      );
      for (const d of cw(o))
        expect(body(d).content_type, label(o, v, "chatwoot")).toBe(chatwootTypeOf[v] ?? "text");
      if (v.endsWith(".response"))
        for (const d of cw(o))
          expect(
            body(d).content_attributes.submitted_values?.length,
            label(o, v, "cw"),
          ).toBeGreaterThan(0);
      if (["image", "audio", "video", "document"].includes(v))
        attachmentsKeep(o, v, v === "document" ? "file" : v);
      textShown(o, v);
    },
    "message_by.type": (v, o) => {
      authorIs(o, v, ({ visitor: "contact", user: "agent", bot: "bot" } as const)[v as "bot"]);
    },
    status: (v, o) => {
      statusOfChange(o, v, v === "Close" ? "closed" : "active");
      for (const d of cw(o))
        expect(body(d).status, label(o, v, "chatwoot")).toBe(v === "Close" ? "resolved" : "open");
    },
    "conversation_labels.action": (v, o) => {
      const labels = (src(o).event.payload.labels ?? []).map((l: Json) =>
        String(l.id ?? l.name ?? l),
      );
      const changes = JSON.stringify(dotted(o).changes);
      for (const l of labels) expect(changes, label(o, v, "dotted")).toContain(l);
      for (const d of cw(o))
        expect(JSON.stringify(body(d).changed_attributes), label(o, v, "chatwoot")).toContain(
          "label_list",
        );
    },
  },
  dotted: {
    "conversation.type": (v, o) => {
      const internal = v !== "contact";
      if (!o.canonical.message) return;
      expect(o.canonical.message.private, o.fixture).toBe(internal || o.canonical.message.private);
      if (internal) {
        for (const d of o.out.supporthunt) expect(d.event, label(o, v, "sh")).toBe("note");
        for (const d of cw(o)) expect(body(d).private, label(o, v, "chatwoot")).toBe(true);
      }
    },
    "message.type": (v, o) => {
      for (const d of o.out.dotted)
        expect(body(d).data.message.type, label(o, v, "dotted")).toBe(v);
      if (v === "card")
        for (const d of cw(o))
          expect(["input_select", "cards"], label(o, v, "chatwoot")).toContain(
            body(d).content_type,
          );
      if (v === "form")
        for (const d of cw(o)) expect(body(d).content_type, label(o, v, "cw")).toBe("form");
      if (v === "postback" || v === "field")
        for (const d of cw(o))
          expect(
            body(d).content_attributes.submitted_values?.length,
            label(o, v, "cw"),
          ).toBeGreaterThan(0);
      if (!["card", "form", "postback", "field"].includes(v)) textShown(o, v);
    },
    "message.role": (v, o) => authorIs(o, v, v as "contact"),
    "conversation.status": (v, o) => {
      const canonical = {
        queued: "pending",
        active: "open",
        closed: "resolved",
        snoozed: "snoozed",
      }[v];
      for (const d of cw(o)) expect(body(d).status, label(o, v, "chatwoot")).toBe(canonical);
      statusOfChange(o, v, dottedStatus[canonical ?? ""] ?? v);
    },
    "message optional fields": (v, o) => {
      const m = src(o).data.message;
      if (v === "isBackchannel") {
        for (const d of cw(o))
          expect(body(d).private, label(o, v, "chatwoot")).toBe(m.isBackchannel);
        if (m.isBackchannel)
          for (const d of o.out.supporthunt) expect(d.event, label(o, v, "sh")).toBe("note");
      }
      if (v === "touchpoint")
        expect(dotted(o).message.touchpoint, label(o, v, "dotted")).toBe(m.touchpoint);
      if (v === "meta")
        for (const [k, value] of Object.entries(m.meta))
          expect(dotted(o).message.meta[k], label(o, v, `dotted meta.${k}`)).toEqual(value);
    },
  },
  telegram: {
    "Update kind": (v, o) => {
      if (v === "callback_query") {
        expect(dotted(o).message.type, label(o, v, "dotted")).toBe("postback");
        expect(o.out.supporthunt[0]?.event, label(o, v, "sh")).toBe("message");
        return;
      }
      if (v === "my_chat_member") {
        const to = src(o).my_chat_member.new_chat_member.status;
        expect(JSON.stringify(dotted(o).changes), label(o, v, "dotted")).toContain(to);
        return;
      }
      textShown(o, v);
      const m = src(o)[v];
      for (const t of ["dotted", "chatwoot"] as const)
        for (const d of o.out[t])
          expect(targetConversationId(t, d.body), label(o, v, t)).toBe(String(m.chat.id));
    },
    "Message content": (v, o) => {
      const kind: Record<string, string> = {
        photo: "image",
        sticker: "image",
        video: "video",
        video_note: "video",
        animation: "video",
        voice: "audio",
        audio: "audio",
        document: "file",
        location: "location",
        venue: "location",
        contact: "contact",
      };
      if (v === "text") return textShown(o, v);
      attachmentsKeep(o, v, kind[v] ?? v);
      textShown(o, v);
    },
    "Chat.type": (v, o) => {
      const update = src(o);
      const chat = (update.message ?? update.channel_post ?? update.callback_query?.message)?.chat;
      for (const t of ["dotted", "chatwoot", "supporthunt"] as const)
        for (const d of o.out[t])
          expect(targetConversationId(t, d.body), label(o, v, t)).toBe(String(chat.id));
      if (v !== "private")
        expect(dotted(o).conversation.name, label(o, v, "dotted")).toBe(chat.title);
    },
    "my_chat_member status": (v, o) => {
      expect(JSON.stringify(dotted(o).changes), label(o, v, "dotted")).toContain(`"${v}"`);
      for (const d of cw(o))
        expect(JSON.stringify(body(d).changed_attributes), label(o, v, "chatwoot")).toContain(
          `"${v}"`,
        );
    },
  },
  whatsapp: {
    "change field": (v, o) => {
      const direction = v === "smb_message_echoes" ? "outgoing" : "incoming";
      if (o.canonical.kind === "message.created") {
        expect(o.canonical.message?.direction, o.fixture).toBe(direction);
        authorIs(o, v, direction === "incoming" ? "contact" : "agent");
      }
    },
    "message type": (v, o) => {
      const m = (src(o).entry[0].changes[0].value.messages ?? [])[0];
      const media: Record<string, string> = {
        image: "image",
        video: "video",
        audio: "audio",
        document: "file",
        sticker: "image",
        location: "location",
        contacts: "contact",
      };
      if (media[v]) attachmentsKeep(o, v, media[v] as string);
      if (v === "interactive" || v === "button")
        expect(dotted(o).message.type, label(o, v, "dotted")).toBe("postback");
      if (v === "reaction")
        expect(dotted(o).message.meta.reactionExternalId, label(o, v, "dotted")).toBe(
          m.reaction.message_id,
        );
      if (v === "unsupported" || v === "unknown") {
        expect(dotted(o).message.meta.unsupported, label(o, v, "dotted")).toBe(true);
        for (const d of cw(o))
          expect(body(d).content_attributes.is_unsupported, label(o, v, "cw")).toBe(true);
      }
      const text = m.text?.body ?? m.order?.text ?? m.system?.body;
      if (text) {
        expect(dotted(o).message.text, label(o, v, "dotted")).toContain(text);
        for (const d of cw(o)) expect(body(d).content, label(o, v, "chatwoot")).toBe(text);
      }
    },
    "interactive reply type": (v, o) => {
      const reply = src(o).entry[0].changes[0].value.messages[0].interactive[v];
      expect(dotted(o).message.text, label(o, v, "dotted")).toBe(reply.title);
      for (const d of cw(o))
        expect(
          JSON.stringify(body(d).content_attributes.submitted_values),
          label(o, v, "cw"),
        ).toContain(reply.id);
    },
    status: (v, o) => {
      for (const d of cw(o)) expect(body(d).status, label(o, v, "chatwoot")).toBe(v);
      if (v === "failed") {
        const error = src(o).entry[0].changes[0].value.statuses[0].errors[0];
        expect(dotted(o).error.message, label(o, v, "dotted")).toContain(
          error.error_data?.details ?? error.message,
        );
      }
    },
  },
};
