/**
 * What one value of a coverage list (mappings/README.md, "## Coverage") means to a consumer of
 * each target, read off the deliveries as that consumer reads them: the text shown, the author,
 * the reply target, the attachment's kind and link, privacy, the ids linked, the status. Each
 * check takes the sender's value and one translated event that carries it (an Outcome) and fails
 * when that meaning is lost in a target. Expectations come from the sender's payload, never from
 * our canonical event alone.
 */
import { expect } from "vitest";
import type { Delivery } from "../../src/translate/index.ts";
import type { Outcome } from "./outcomes.ts";
import { type Json, replyTarget, supporthuntEvent } from "./readers.ts";

type Meaning = (value: string, o: Outcome) => void;

const body = (d: Delivery | undefined): Json => (d as Delivery).body as Json;
const sh = (d: Delivery): Json => supporthuntEvent(d.body);
const src = (o: Outcome): Json => o.source.payload as Json;
const cw = (o: Outcome): Delivery[] => [...o.out.chatwoot, ...o.out.onehash];
const dottedMessage = (o: Outcome): Json => body(o.out.dotted[0]).data.message;
const shText = (o: Outcome): string =>
  o.out.supporthunt.map((d) => JSON.stringify(sh(d))).join("\n");
const dottedAll = (o: Outcome): string => JSON.stringify(o.out.dotted.map((d) => d.body));
/** A Chatwoot body's message (an automation webhook: its last message). */
const cwMessage = (o: Outcome): Json =>
  src(o).message_type !== undefined ? src(o) : (src(o).messages ?? []).at(-1);
const label = (o: Outcome, value: string, target: string) =>
  `${o.fixture} \`${value}\` → ${target}`;

/** Every Chatwoot-family delivery has the value at `path` equal to `expected`. */
function eachChatwoot(o: Outcome, value: string, read: (b: Json) => unknown, expected: unknown) {
  for (const d of cw(o)) expect(read(body(d)), label(o, value, "chatwoot")).toEqual(expected);
}

const contentTypeIn = {
  dotted: { input_select: "card", cards: "card", form: "form" } as Record<string, string>,
  supporthunt: {
    input_select: "button",
    cards: "carousel",
    form: "form",
    sticker: "image",
  } as Record<string, string>,
};

const chatwootAttributeMeanings: Record<string, Meaning> = {
  submitted_email: (v, o) => {
    const email = cwMessage(o).content_attributes.submitted_email;
    eachChatwoot(o, v, (b) => b.content_attributes.submitted_email, email);
    expect(dottedMessage(o).fields?.[0]?.value, label(o, v, "dotted")).toBe(email);
  },
  items: (v, o) => {
    const titles = (cwMessage(o).content_attributes.items ?? []).map((i: Json) => i.title);
    for (const t of titles) expect(dottedMessage(o).text, label(o, v, "dotted")).toContain(t);
    expect(shText(o), label(o, v, "supporthunt")).toContain(titles[0]);
  },
  submitted_values: (v, o) => {
    const values = cwMessage(o).content_attributes.submitted_values;
    expect(["postback", "field"], label(o, v, "dotted")).toContain(dottedMessage(o).type);
    const shown = JSON.stringify(dottedMessage(o));
    for (const s of values)
      expect(shown, label(o, v, "dotted")).toContain(String(s.value ?? s.title));
  },
  email: (v, o) => {
    const subject = cwMessage(o).content_attributes.email.subject;
    expect(dottedMessage(o).meta.subject, label(o, v, "dotted")).toBe(subject);
    for (const d of o.out.supporthunt)
      expect(sh(d).event.payload.message?.subject, label(o, v, "supporthunt")).toBe(subject);
  },
  deleted: (v, o) => {
    expect(
      o.out.dotted.map((d) => d.event),
      label(o, v, "dotted"),
    ).toEqual(["message.delete"]);
    eachChatwoot(o, v, (b) => b.content_attributes.deleted, true);
  },
  external_error: (v, o) => {
    const reason = cwMessage(o).content_attributes.external_error;
    expect(body(o.out.dotted[0]).data.error.message, label(o, v, "dotted")).toBe(reason);
    eachChatwoot(o, v, (b) => [b.status, b.content_attributes.external_error], ["failed", reason]);
  },
  translations: (v, o) => {
    const t = cwMessage(o).content_attributes.translations;
    for (const [lang, text] of Object.entries(t))
      expect(dottedMessage(o).meta[`translations.${lang}`], label(o, v, "dotted")).toBe(text);
    eachChatwoot(o, v, (b) => b.content_attributes.translations, t);
  },
  is_unsupported: (v, o) => {
    expect(dottedMessage(o).meta.unsupported, label(o, v, "dotted")).toBe(true);
    eachChatwoot(o, v, (b) => b.content_attributes.is_unsupported, true);
  },
  data: (v, o) => {
    const data = cwMessage(o).content_attributes.data;
    const id = data.meeting_id ?? data.call_sid;
    expect(dottedMessage(o).meta.callId, label(o, v, "dotted")).toBe(id);
    expect(sh(o.out.supporthunt[0] as Delivery).event.payload.call.id, label(o, v, "sh")).toBe(id);
    eachChatwoot(o, v, (b) => b.content_attributes.data, data);
  },
  type: (v, o) => {
    const provider = cwMessage(o).content_attributes.type;
    expect(dottedMessage(o).meta.callProvider, label(o, v, "dotted")).toBe(provider);
    expect(sh(o.out.supporthunt[0] as Delivery).event.payload.call.provider).toBe(provider);
  },
  is_reaction: (v, o) => {
    expect(dottedMessage(o).meta.reactionEmoji, label(o, v, "dotted")).toBe(cwMessage(o).content);
    eachChatwoot(o, v, (b) => b.content_attributes.is_reaction, true);
  },
  image_type: (v, o) => {
    expect(dottedMessage(o).meta.attachmentType, label(o, v, "dotted")).toBe("ig_story");
    eachChatwoot(
      o,
      v,
      (b) => b.content_attributes.image_type,
      cwMessage(o).content_attributes.image_type,
    );
  },
  automation_rule_id: (v, o) => {
    expect(dottedMessage(o).role, label(o, v, "dotted")).toBe("bot");
    for (const d of o.out.supporthunt) expect(sh(d).event.payload.message_by.type).toBe("bot");
  },
};
/** Keys kept as the source's own data: restored in the Chatwoot family, present in dotted's sourcePayload. */
for (const key of ["external_created_at", "cc_emails", "bcc_emails", "to_emails"]) {
  chatwootAttributeMeanings[key] = (v, o) => {
    const kept = cwMessage(o).content_attributes[key];
    eachChatwoot(o, v, (b) => b.content_attributes[key], kept);
    expect(dottedMessage(o).meta.sourcePayload, label(o, v, "dotted")).toContain(
      JSON.stringify(key),
    );
  };
}
/** What a message answers, in every target's own reading. */
for (const key of [
  "in_reply_to",
  "in_reply_to_external_id",
  "story_id",
  "story_url",
  "story_sender",
]) {
  const name = {
    in_reply_to: "id",
    in_reply_to_external_id: "externalId",
    story_id: "storyId",
    story_url: "storyUrl",
    story_sender: "storySender",
  }[key] as "id";
  chatwootAttributeMeanings[key] = (v, o) => {
    const sent = String(cwMessage(o).content_attributes[key]);
    for (const t of ["chatwoot", "onehash", "dotted", "supporthunt"] as const)
      for (const d of o.out[t]) expect(replyTarget(t, d.body)[name], label(o, v, t)).toBe(sent);
  };
}

const dottedStatus: Record<string, string> = {
  open: "active",
  pending: "queued",
  snoozed: "snoozed",
  resolved: "closed",
};

/** A message's author as each target names it, from the canonical role the row's value implies. */
function authorIs(o: Outcome, v: string, role: "contact" | "agent" | "bot" | "system") {
  const shType = { contact: "visitor", agent: "user", bot: "bot", system: "bot" }[role];
  for (const d of o.out.supporthunt) {
    const p = sh(d).event.payload;
    expect((p.message_by ?? p.note_by).type, label(o, v, "supporthunt")).toBe(shType);
  }
  for (const d of o.out.dotted)
    expect(body(d).data.message.role, label(o, v, "dotted")).toBe(role === "system" ? "bot" : role);
  for (const d of cw(o))
    expect(body(d).message_type === "incoming", label(o, v, "chatwoot")).toBe(role === "contact");
}

/** The attachments of one kind reach every target with their kind and link. */
function attachmentsKeep(o: Outcome, v: string, kind: string, dottedKind = kind) {
  const meta = dottedMessage(o).meta;
  const types = Object.entries(meta)
    .filter(([k]) => /^attachment[0-9]*Type$/.test(k))
    .map(([, t]) => t);
  expect(types, label(o, v, "dotted")).toContain(dottedKind);
  for (const d of cw(o))
    expect(
      (body(d).attachments ?? []).map((a: Json) => a.file_type),
      label(o, v, "chatwoot"),
    ).toContain(kind);
}

export const meanings: Record<string, Record<string, Meaning>> = {
  chatwoot: {
    "Message.content_type": (v, o) => {
      eachChatwoot(o, v, (b) => b.content_type, v);
      const m = dottedMessage(o);
      expect(m.type, label(o, v, "dotted")).toBe(contentTypeIn.dotted[v] ?? "chat");
      const content = cwMessage(o).content;
      if (typeof content === "string" && content !== "")
        expect(m.text, label(o, v, "dotted")).toContain(content);
      const first = o.out.supporthunt[0];
      if (first && o.canonical.kind === "message.created")
        expect(sh(first).event.payload.message.type, label(o, v, "sh")).toBe(
          contentTypeIn.supporthunt[v] ?? "text",
        );
      if (v === "article")
        for (const item of cwMessage(o).content_attributes.items) {
          expect(m.text, label(o, v, "dotted")).toContain(item.link);
          expect(shText(o), label(o, v, "supporthunt")).toContain(item.link);
        }
      if (v === "integrations" || v === "voice_call")
        expect(m.meta.callType, label(o, v, "dotted")).toBe(v === "voice_call" ? "voice" : "video");
    },
    "Message.message_type": (v, o) => {
      eachChatwoot(o, v, (b) => b.message_type, v);
      const m = cwMessage(o);
      const role =
        v === "incoming"
          ? "contact"
          : v === "activity"
            ? "system"
            : v === "template" || !m.sender || m.sender.type === "agent_bot"
              ? "bot"
              : "agent";
      authorIs(o, v, role);
      if (v === "activity") {
        expect(dottedMessage(o).isBackchannel, label(o, v, "dotted")).toBe(true);
        expect(
          o.out.supporthunt.map((d) => d.event),
          label(o, v, "sh"),
        ).toEqual(["note"]);
      }
    },
    "Message.status": (v, o) => {
      if (v === "failed") {
        expect(o.out.dotted[0]?.event, label(o, v, "dotted")).toBe("message.error");
        eachChatwoot(o, v, (b) => b.status, "failed");
      } else if (v === "sent") {
        expect(o.canonical.message?.status, o.fixture).toBe("sent");
      } else {
        expect(
          o.out.dotted.map((d) => d.event),
          label(o, v, "dotted"),
        ).toEqual(["message.update"]);
        eachChatwoot(o, v, (b) => b.event, "message_updated");
      }
    },
    "Message.content_attributes": (v, o) => {
      const meaning = chatwootAttributeMeanings[v];
      expect(meaning, `a meaning for content_attributes.${v}`).toBeTypeOf("function");
      meaning?.(v, o);
    },
    "Attachment.file_type": (v, o) => {
      attachmentsKeep(o, v, v);
      for (const a of (cwMessage(o).attachments ?? []).filter((x: Json) => x.file_type === v)) {
        const shown =
          a.file_type === "location" ? String(a.coordinates_lat) : (a.data_url ?? a.fallback_title);
        expect(dottedAll(o), label(o, v, "dotted")).toContain(shown);
        if (o.canonical.kind === "message.created")
          expect(shText(o), label(o, v, "supporthunt")).toContain(shown);
      }
    },
    "Conversation.status": (v, o) => {
      for (const d of o.out.dotted)
        expect(body(d).data.conversation.status, label(o, v, "dotted")).toBe(dottedStatus[v]);
      for (const d of cw(o).filter((x) => x.event.startsWith("conversation_")))
        expect(body(d).status, label(o, v, "chatwoot")).toBe(v);
      for (const d of o.out.supporthunt.filter((x) => x.event === "status"))
        expect(sh(d).event.payload.status, label(o, v, "sh")).toBe(
          v === "resolved" ? "Close" : "Open",
        );
    },
    "Conversation.priority": (v, o) => {
      const now = src(o).priority;
      for (const d of o.out.dotted)
        expect(body(d).data.conversation.meta.priority, label(o, v, "dotted")).toBe(now);
      eachChatwoot(o, v, (b) => b.priority, now);
      expect(JSON.stringify(body(o.out.dotted[0]).data.changes), label(o, v, "dotted")).toContain(
        v,
      );
    },
    "conversation changed_attributes": (v, o) => {
      const field = o.canonical.changes?.map((c) => c.field) ?? [];
      expect(field.length, `${o.fixture}: ${v} is read as a change`).toBeGreaterThan(0);
      const names = cw(o).flatMap((d) =>
        (body(d).changed_attributes ?? []).flatMap((c: Json) => Object.keys(c)),
      );
      const written = v === "cached_label_list" ? "label_list" : v;
      expect(names, label(o, v, "chatwoot")).toContain(written);
      for (const d of o.out.dotted)
        expect(JSON.stringify(body(d).data), label(o, v, "dotted")).toMatch(
          /"changes"|"participants"/,
        );
    },
    "contact social keys": (v, o) => {
      const stored = src(o).additional_attributes[v];
      eachChatwoot(o, v, (b) => b.additional_attributes[v], stored);
      if (v === "social_telegram_user_id") return; // an id, not a handle: the table says where it goes
      const profiles = body(o.out.dotted[0]).data.contact.socialProfiles;
      const handles = typeof stored === "object" ? Object.values(stored) : [stored];
      for (const h of handles.filter((x) => typeof x === "string" && x !== ""))
        expect(Object.values(profiles), label(o, v, "dotted")).toContain(h);
    },
    "conversation additional_attributes": (v, o) => {
      const conversation = o.canonical.kind.startsWith("message.") ? src(o).conversation : src(o);
      const stored = conversation.additional_attributes[v];
      if (v === "mail_subject")
        for (const d of o.out.dotted)
          expect(body(d).data.conversation.meta.subject, label(o, v, "dotted")).toBe(stored);
      for (const d of cw(o)) {
        const b = body(d);
        const written = (o.canonical.kind.startsWith("message.") ? b.conversation : b)
          ?.additional_attributes?.[v];
        expect(written, label(o, v, "chatwoot")).toEqual(stored);
      }
    },
  },
};

export { attachmentsKeep, authorIs, body, dottedStatus, label };
