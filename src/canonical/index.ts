import { z } from "zod";

/**
 * The canonical event: the contract between formats.
 *
 * Every format's `to-canonical` mappings produce this shape and every `from-canonical` mapping
 * consumes it, so a format only ever knows about itself and this model.
 * Times are ISO-8601 UTC with milliseconds (`2026-06-20T10:15:30.123Z`).
 */

/** An id as the source carried it: a number stays a number, anything else a string. */
export const Id = z.union([z.string(), z.number()]);

/** ISO-8601 UTC time with milliseconds, as produced by the `$iso()` mapping function. */
export const Time = z.iso.datetime();

/** Who wrote a message or performed an action. */
export const Role = z.enum(["contact", "agent", "bot", "system"]);

export const Party = z.object({
  role: Role,
  id: Id.nullish(),
  name: z.string().nullish(),
  email: z.string().nullish(),
});

export const Contact = z.object({
  id: Id.nullish(),
  name: z.string().nullish(),
  email: z.string().nullish(),
  phone: z.string().nullish(),
  identifier: z.string().nullish(),
  avatar: z.string().nullish(),
  /** Free-form attributes the platform keeps about the contact (Chatwoot `additional_attributes`). */
  attributes: z.record(z.string(), z.unknown()).nullish(),
  /** User-defined attributes (Chatwoot `custom_attributes`, Support Hunt contact variables). */
  customAttributes: z.record(z.string(), z.unknown()).nullish(),
  /**
   * The contact's handles on social networks, keyed by network: `instagram`, `facebook`,
   * `twitter`, `telegram`, `line`, `linkedin`, `github`... (Chatwoot `social_profiles`,
   * `social_instagram_user_name`, `social_telegram_user_name`, `screen_name`, `social_line_user_id`).
   *
   * @example { "instagram": "ana.souza", "telegram": "ana_s" }
   */
  socialProfiles: z.record(z.string(), z.string()).nullish(),
});

export const ConversationStatus = z.enum(["open", "pending", "snoozed", "resolved"]);

export const Conversation = z.object({
  id: Id.nullish(),
  /** A string key the platform also uses (Support Hunt `conversation.key`). */
  key: z.string().nullish(),
  status: ConversationStatus.nullish(),
  /** `contact` (with a consumer), `bot`, `agent` or `system` (dotted conversation types). */
  type: z.enum(["contact", "bot", "agent", "system"]).nullish(),
  channel: z.string().nullish(),
  inboxId: Id.nullish(),
  name: z.string().nullish(),
  /** The subject line of an e-mail conversation (Chatwoot `additional_attributes.mail_subject`). */
  subject: z.string().nullish(),
  labels: z.array(z.string()).nullish(),
  assignee: Party.nullish(),
  team: z.object({ id: Id.nullish(), name: z.string().nullish() }).nullish(),
  priority: z.string().nullish(),
  attributes: z.record(z.string(), z.unknown()).nullish(),
  customAttributes: z.record(z.string(), z.unknown()).nullish(),
  createdAt: Time.nullish(),
  updatedAt: Time.nullish(),
});

/**
 * Something carried with a message. `type`: image, audio, video, file; `location` (a place:
 * `latitude`, `longitude`, the place's name in `title`, `url` a maps link when the sender gave
 * one); `contact` (a shared contact card: the person's name in `title`, the number in `phone`);
 * or another platform type (fallback, share, story_mention, embed...).
 *
 * @example { "type": "location", "title": "Dam Square, Amsterdam", "latitude": 52.373, "longitude": 4.893 }
 * @example { "type": "contact", "title": "Jane Doe", "phone": "+31 6 1234 5678" }
 */
export const Attachment = z.object({
  type: z.string(),
  url: z.string().nullish(),
  id: Id.nullish(),
  mimeType: z.string().nullish(),
  fileName: z.string().nullish(),
  size: z.number().nullish(),
  thumbUrl: z.string().nullish(),
  /** A place's name (location), a shared contact's name (contact), a link's title. */
  title: z.string().nullish(),
  latitude: z.number().nullish(),
  longitude: z.number().nullish(),
  /** A shared contact card's phone number. */
  phone: z.string().nullish(),
});

/** A choice offered to the contact (a button, a list item, a card action). */
export const Option = z.object({
  title: z.string(),
  value: z.unknown().optional(),
  description: z.string().nullish(),
});

/** A rich message that asks the contact for something: buttons, a list, a form, a carousel... */
export const Interactive = z.object({
  /** buttons, list, form, carousel, calendar, slider, file_upload, appointment, script, card, other */
  type: z.string(),
  title: z.string().nullish(),
  options: z.array(Option).nullish(),
  fields: z
    .array(
      z.object({
        name: z.string().nullish(),
        label: z.string().nullish(),
        type: z.string().nullish(),
        required: z.boolean().nullish(),
      }),
    )
    .nullish(),
  items: z
    .array(
      z.object({
        title: z.string().nullish(),
        description: z.string().nullish(),
        imageUrl: z.string().nullish(),
        options: z.array(Option).nullish(),
      }),
    )
    .nullish(),
});

/** The contact's answer to an interactive message (Support Hunt `*.response`, a form submission). */
export const Reply = z.object({
  /** What was answered: button, list, form, slider, calendar, file_upload, appointment, script, calendly; `email` for an e-mail asked for (Chatwoot `input_email` answered: `submitted_email`)... */
  type: z.string(),
  values: z
    .array(
      z.object({ name: z.string().nullish(), label: z.string().nullish(), value: z.unknown() }),
    )
    .nullish(),
});

/**
 * An emoji reaction to an earlier message (WhatsApp `reaction`, Chatwoot `is_reaction`). The
 * reacting message's `text` is the emoji; a removed reaction has no `emoji` and a null `text`.
 *
 * @example { "emoji": "👍", "externalId": "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=" }
 */
export const Reaction = z.object({
  /** The emoji; absent, null or "" when the contact took the reaction back. */
  emoji: z.string().nullish(),
  /** The reacted-to message's id on the source platform (Chatwoot `in_reply_to`). */
  messageId: Id.nullish(),
  /** The channel's id for it (Chatwoot `in_reply_to_external_id`, WhatsApp `reaction.message_id`). */
  externalId: z.string().nullish(),
});

/**
 * What a message answers: a quoted earlier message or a story (Chatwoot `in_reply_to` /
 * `in_reply_to_external_id`, an Instagram story reply's `story_id` / `story_url` /
 * `story_sender`, WhatsApp `context.id`, Telegram `reply_to_message`). Distinct from
 * `Message.reply`, which is an answer to an interactive message.
 *
 * @example { "id": 5161, "externalId": "wamid.HBgL...", "text": "Is the blue one in stock?" }
 * @example { "story": { "id": "18004", "url": "https://lookaside.fbsbx.com/...", "sender": "17841400" } }
 */
export const ReplyTo = z.object({
  /** The answered message's id on the source platform (Chatwoot `in_reply_to`). */
  id: Id.nullish(),
  /** The channel's id for it (Chatwoot `in_reply_to_external_id`, WhatsApp `context.id`, Telegram `reply_to_message.message_id` as a string). */
  externalId: z.string().nullish(),
  /** The quoted text, when the source carries it. */
  text: z.string().nullish(),
  /** The story answered (an Instagram story reply). */
  story: z
    .object({
      id: z.string().nullish(),
      url: z.string().nullish(),
      /** Whose story it is (Chatwoot `story_sender`: the Instagram account id). */
      sender: z.string().nullish(),
    })
    .nullish(),
});

/**
 * A call or meeting a message stands for: a voice call (Chatwoot `voice_call`, its
 * `content_attributes.data`) or a video meeting an agent started (Chatwoot `integrations`, Dyte:
 * `content_attributes.type` and `data`). Times are not repeated here: the message has them.
 *
 * @example { "type": "video", "provider": "dyte", "id": "bbb4f6a1-...", "room": "acme-support-207" }
 * @example { "type": "voice", "id": "CA5f3e...", "status": "completed", "direction": "inbound", "duration": 94, "from": "+15551234567", "to": "+15557654321" }
 */
export const Call = z.object({
  type: z.enum(["voice", "video"]),
  /** Who runs it (`dyte`), when the source names it. */
  provider: z.string().nullish(),
  /** The provider's id for the call or meeting (Twilio call SID, Dyte meeting id). */
  id: z.string().nullish(),
  /** A meeting's room name. */
  room: z.string().nullish(),
  /** The call's state as the provider reports it (`ringing`, `in-progress`, `completed`...). */
  status: z.string().nullish(),
  direction: z.enum(["inbound", "outbound"]).nullish(),
  /** Seconds. */
  duration: z.number().nullish(),
  from: z.string().nullish(),
  to: z.string().nullish(),
});

/**
 * A link a message offers to read (a Chatwoot `article` message's help-center articles).
 *
 * @example { "title": "Returns", "description": "How to return an item", "url": "https://help.acme.example/returns" }
 */
export const Link = z.object({
  title: z.string().nullish(),
  description: z.string().nullish(),
  url: z.string(),
});

export const Message = z.object({
  id: Id.nullish(),
  /** The text, verbatim. */
  text: z.string().nullable(),
  /** An e-mail message's subject line (Chatwoot `content_attributes.email.subject`). */
  subject: z.string().nullish(),
  direction: z.enum(["incoming", "outgoing"]),
  author: Party,
  /**
   * Visible to agents only, never to the contact: a private note, a Chatwoot activity message, a
   * dotted backchannel message, a message in a dotted conversation without a contact (a team or
   * bot chat) or a dotted mention. Contact-facing targets write it as a note, never as a message
   * to the contact.
   */
  private: z.boolean(),
  /** Chatwoot content type (`text` when the source has none). */
  contentType: z.string(),
  attachments: z.array(Attachment),
  interactive: Interactive.nullish(),
  reply: Reply.nullish(),
  /** Set when the message is a reaction to another message (its text is the emoji). */
  reaction: Reaction.nullish(),
  /** What this message answers (a quoted message, a story); see `ReplyTo`. */
  replyTo: ReplyTo.nullish(),
  /** Links offered to read (articles): each target shows them where it shows text. */
  links: z.array(Link).nullish(),
  /** The call or meeting this message stands for; see `Call`. */
  call: Call.nullish(),
  /**
   * The text in other languages, keyed by language code (Chatwoot `content_attributes.translations`).
   *
   * @example { "en": "Hi, is the blue model still available?" }
   */
  translations: z.record(z.string(), z.string()).nullish(),
  /**
   * The channel sent a message the source platform cannot show (Chatwoot `is_unsupported`,
   * WhatsApp `unsupported`): `text` is null, and the contact did write something.
   */
  unsupported: z.boolean().nullish(),
  /** Delivery status: sent, delivered, read, failed. */
  status: z.string().nullish(),
  error: z.string().nullish(),
  createdAt: Time.nullish(),
  updatedAt: Time.nullish(),
});

/**
 * One attribute that changed: `field` is `status`, `assignee`, `labels`, `custom_attributes`,
 * `team`, `priority` or the platform's name. Each field appears at most once per event.
 * An `assignee` change is one change whatever the platform stores: `to` is who is assigned after
 * it (a party whose `role` says the kind: `agent` or `bot`), or `null` for nobody; `from` who was
 * before. A bot-to-human handoff is `{field: "assignee", from: {role: "bot", ...}, to: {role: "agent", ...}}`.
 */
export const Change = z.object({
  field: z.string(),
  from: z.unknown().optional(),
  to: z.unknown().optional(),
  /** For list fields (labels) when only the difference is known. */
  added: z.array(z.unknown()).nullish(),
  removed: z.array(z.unknown()).nullish(),
});

export const EventKind = z.enum([
  "conversation.created",
  "conversation.updated",
  "conversation.status_changed",
  "conversation.deleted",
  "conversation.merged",
  "message.created",
  "message.updated",
  "message.deleted",
  "message.failed",
  "contact.created",
  "contact.updated",
  "contact.deleted",
  "contact.merged",
  "typing.started",
  "typing.stopped",
  "widget.opened",
  "inbox.created",
  "inbox.updated",
  "inbox.deleted",
  "resource.changed",
]);
export type EventKind = z.infer<typeof EventKind>;

export const CanonicalEvent = z.object({
  kind: EventKind,
  /** Identity of the source event, stable across repeats: targets derive their envelope ids from it. */
  id: z.string().min(1),
  source: z.object({ format: z.string(), event: z.string() }),
  occurredAt: Time.nullish(),
  account: z
    .object({ id: Id.nullish(), name: z.string().nullish(), key: z.string().nullish() })
    .nullish(),
  inbox: z.object({ id: Id.nullish(), name: z.string().nullish() }).nullish(),
  /** Who performed the action (closed the conversation, changed the assignee, is typing...). */
  actor: Party.nullish(),
  conversation: Conversation.nullish(),
  contact: Contact.nullish(),
  message: Message.nullish(),
  changes: z.array(Change).nullish(),
  /** For `resource.changed`: a resource event with no canonical counterpart (dotted `bot.create`, `user.login`...). */
  resource: z.object({ type: z.string(), action: z.string(), data: z.unknown() }).nullish(),
  /**
   * What the source carries that has no canonical slot, keyed by source format id
   * (for example `extra.supporthunt.payload` for a Support Hunt carousel). Targets put it in their
   * documented place (`content_attributes`, `meta`) instead of dropping it.
   */
  extra: z.record(z.string(), z.unknown()).nullish(),
});

export type CanonicalEvent = z.infer<typeof CanonicalEvent>;
