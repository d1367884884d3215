/**
 * Which values of each list (test/coverage/sender-values.json) a fixture's source payload
 * carries, read from the payload as the sender wrote it. The guard test uses these to check that
 * every value found in a fixture is listed, and that a row's fixtures really carry its value.
 */

// biome-ignore lint/suspicious/noExplicitAny: a sender's JSON read by path
type Json = any;
type Extract = (body: Json) => unknown[];

const list = (v: unknown): Json[] =>
  Array.isArray(v) ? v : v === undefined || v === null ? [] : [v];
const keys = (v: unknown): string[] =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? Object.keys(v) : [];

/** A Chatwoot body's message: itself, or an automation webhook's last message (push form). */
const chatwootMessages = (b: Json): Json[] =>
  typeof b?.message_type === "string" || typeof b?.message_type === "number"
    ? [b]
    : list(b?.messages).slice(-1);
const chatwootMessageType = (t: unknown) =>
  typeof t === "number" ? ["incoming", "outgoing", "activity", "template"][t] : t;
/** The conversation an event is about: itself for conversation events, else the message's. */
const chatwootConversation = (b: Json): Json =>
  String(b?.event ?? "").includes("conversation_") && !String(b?.event).includes("typing")
    ? b
    : (b?.conversation ?? undefined);
/** The `{previous_value, current_value}` of one key of a Chatwoot event's changed_attributes. */
const changed = (b: Json, key: string): Json[] =>
  list(b?.changed_attributes).flatMap((c: Json) => (c && key in c ? [c[key]] : []));
const isContactEvent = (b: Json) => String(b?.event ?? "").startsWith("contact_");
const socialKey = /^(social_[a-z]+_user_(name|id)|social_profiles|screen_name)$/;

const shEvents = (b: Json): Json[] => list(b?.events);
const shMessage = (e: Json) => e?.event?.payload?.message;

const tgKind = (b: Json) => keys(b).find((k) => k !== "update_id");
const tgMessage = (b: Json): Json => {
  const kind = tgKind(b);
  return kind && ["message", "edited_message", "channel_post", "edited_channel_post"].includes(kind)
    ? b[kind]
    : undefined;
};
/** The Message fields that are a kind of content (text or a file, place or card). */
const tgContent = new Set([
  "text",
  "photo",
  "video",
  "video_note",
  "animation",
  "voice",
  "audio",
  "document",
  "sticker",
  "location",
  "venue",
  "contact",
  "poll",
  "dice",
  "game",
  "story",
  "invoice",
  "paid_media",
  "checklist",
]);

const waChanges = (b: Json): Json[] => list(b?.entry).flatMap((e: Json) => list(e?.changes));
const waMessages = (b: Json): Json[] =>
  waChanges(b).flatMap((c: Json) => [
    ...list(c?.value?.messages),
    ...list(c?.value?.message_echoes),
  ]);

/** source → list name → the values a fixture body of that source carries. */
export const extractors: Record<string, Record<string, Extract>> = {
  chatwoot: {
    "Message.content_type": (b) => chatwootMessages(b).map((m) => m.content_type ?? "text"),
    "Message.message_type": (b) =>
      chatwootMessages(b).map((m) => chatwootMessageType(m.message_type)),
    "Message.status": (b) => chatwootMessages(b).map((m) => m.status),
    "Message.content_attributes": (b) =>
      chatwootMessages(b).flatMap((m) => keys(m.content_attributes)),
    "Attachment.file_type": (b) =>
      chatwootMessages(b).flatMap((m) => list(m.attachments).map((a: Json) => a?.file_type)),
    "Conversation.status": (b) => [chatwootConversation(b)?.status],
    "Conversation.priority": (b) => [
      chatwootConversation(b)?.priority,
      ...changed(b, "priority").flatMap((c: Json) => [c?.previous_value, c?.current_value]),
    ],
    "webhook event": (b) => [b?.event],
    "conversation changed_attributes": (b) =>
      isContactEvent(b) || String(b?.event).startsWith("inbox_")
        ? []
        : list(b?.changed_attributes).flatMap((c: Json) => keys(c)),
    "contact social keys": (b) =>
      [
        ...(isContactEvent(b) ? keys(b?.additional_attributes) : []),
        ...keys(b?.conversation?.meta?.sender?.additional_attributes),
      ].filter((k) => socialKey.test(k)),
    "conversation additional_attributes": (b) =>
      keys(chatwootConversation(b)?.additional_attributes).filter((k) =>
        ["browser", "referer", "initiated_at", "mail_subject", "type"].includes(k),
      ),
  },
  supporthunt: {
    "event.type": (b) => shEvents(b).map((e) => e?.event?.type),
    "message.type": (b) => shEvents(b).map((e) => shMessage(e)?.type),
    "message_by.type": (b) => shEvents(b).map((e) => e?.event?.payload?.message_by?.type),
    status: (b) =>
      shEvents(b)
        .filter((e) => e?.event?.type === "status")
        .map((e) => e?.event?.payload?.status),
    "conversation_labels.action": (b) =>
      shEvents(b)
        .filter((e) => e?.event?.type === "conversation_labels")
        .map((e) => e?.event?.payload?.action),
  },
  dotted: {
    event: (b) => [String(b?.event ?? "").replace(/^message\.create\..*$/, "message.create")],
    "conversation.type": (b) => [b?.data?.conversation?.type],
    "message.type": (b) => [b?.data?.message?.type],
    "message.role": (b) => [b?.data?.message?.role],
    "conversation.status": (b) => [b?.data?.conversation?.status],
    "message optional fields": (b) =>
      keys(b?.data?.message).filter((k) => ["isBackchannel", "touchpoint", "meta"].includes(k)),
  },
  telegram: {
    "Update kind": (b) => [tgKind(b)],
    "Message content": (b) => keys(tgMessage(b)).filter((k) => tgContent.has(k)),
    "Chat.type": (b) => [
      tgMessage(b)?.chat?.type,
      b?.callback_query?.message?.chat?.type,
      b?.my_chat_member?.chat?.type,
    ],
    "my_chat_member status": (b) => [b?.my_chat_member?.new_chat_member?.status],
  },
  whatsapp: {
    "change field": (b) => waChanges(b).map((c) => c?.field),
    "message type": (b) => waMessages(b).map((m) => m?.type),
    "interactive reply type": (b) =>
      waMessages(b)
        .filter((m) => m?.type === "interactive")
        .map((m) => m?.interactive?.type),
    status: (b) =>
      waChanges(b).flatMap((c) => list(c?.value?.statuses).map((s: Json) => s?.status)),
  },
};

/** The source a fixture folder's format reads as: the Chatwoot family shares the chatwoot lists. */
export const sourceOf = (format: string): string =>
  ["hoory", "messagehub", "onehash"].includes(format) ? "chatwoot" : format;

/**
 * The values of one list a fixture body carries (strings; absent and null values left out).
 *
 * @example valuesIn("chatwoot", "webhook event", { event: "message_created" }) // ["message_created"]
 */
export function valuesIn(source: string, listName: string, body: unknown): string[] {
  const extract = extractors[source]?.[listName];
  if (!extract) return [];
  return [
    ...new Set(
      extract(body).filter(
        (v): v is string | number => typeof v === "string" || typeof v === "number",
      ),
    ),
  ].map(String);
}
