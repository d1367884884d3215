import { z } from "zod";

/**
 * The Telegram Bot API `Update`, as a webhook POSTs it: `{"update_id": <integer>, <kind>: {...}}`
 * with exactly one kind (`message`, `edited_message`, `channel_post`, `edited_channel_post`,
 * `callback_query`, `my_chat_member`, or one of the others the Bot API defines). The kinds the
 * mappings read are typed here, field by field as the Bot API reference defines them; the Bot
 * API's other kinds are accepted as objects (and reported skipped by translation); an object
 * under any other key is not an Update. Unknown fields are kept.
 *
 * Ids are integers on the wire. A string id is accepted too: an Update this service writes for an
 * event from a platform with string ids (dotted) carries them as strings rather than inventing
 * numbers (see mappings/telegram/README.md).
 */

const id = z.union([z.number().int(), z.string().min(1)], {
  error: "must be an id (an integer)",
});
const unix = z.number({ error: "must be unix seconds (an integer)" }).int().min(0);
const text = z.string().nullish();
const count = z.number().int().min(0).nullish();

export const user = z.looseObject(
  {
    id,
    is_bot: z.boolean({ error: "must be true or false" }),
    first_name: z.string({ error: "must be the user's first name (a string)" }),
    last_name: text,
    username: text,
    language_code: text,
  },
  { error: "must be a User {id, is_bot, first_name}" },
);

export const chatTypes = ["private", "group", "supergroup", "channel"] as const;

export const chat = z.looseObject(
  {
    id,
    type: z.enum(chatTypes, { error: `must be one of ${chatTypes.join(", ")}` }),
    title: text,
    username: text,
    first_name: text,
    last_name: text,
  },
  { error: "must be a Chat {id, type}" },
);

const entity = z.looseObject({
  type: z.string(),
  offset: z.number().int().min(0),
  length: z.number().int().min(0),
  url: text,
  language: text,
  user: user.nullish(),
});
const entities = z.array(entity, { error: "must be a list of MessageEntity" }).nullish();

/** Every file the Bot API describes: a `file_id` to download or re-send it, never a URL. */
const file = {
  file_id: z.string({ error: "must be the file_id (a string)" }).min(1),
  file_unique_id: z.string({ error: "must be the file_unique_id (a string)" }),
  file_size: count,
};
const photoSize = z.looseObject({ ...file, width: z.number().int(), height: z.number().int() });
const document = z.looseObject({ ...file, file_name: text, mime_type: text });
const media = z.looseObject({
  ...file,
  duration: z.number().int().min(0),
  file_name: text,
  mime_type: text,
});
const sticker = z.looseObject({
  ...file,
  type: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  is_animated: z.boolean(),
  is_video: z.boolean(),
  emoji: text,
  set_name: text,
});
const location = z.looseObject({ latitude: z.number(), longitude: z.number() });

const origin = z.looseObject(
  {
    type: z.enum(["user", "hidden_user", "chat", "channel"], {
      error: "must be user, hidden_user, chat or channel",
    }),
    date: unix,
    sender_user: user.nullish(),
    sender_user_name: text,
    sender_chat: chat.nullish(),
    chat: chat.nullish(),
    message_id: z.number().int().nullish(),
    author_signature: text,
  },
  { error: "must be a MessageOrigin {type, date}" },
);

/** The fields of a Message the mappings read (all kinds of content are optional). */
const messageFields = {
  message_id: id,
  from: user.nullish(),
  sender_chat: chat.nullish(),
  chat,
  date: unix,
  edit_date: unix.nullish(),
  text,
  entities,
  caption: text,
  caption_entities: entities,
  photo: z.array(photoSize, { error: "must be a list of PhotoSize" }).nullish(),
  document: document.nullish(),
  animation: media.nullish(),
  audio: media.nullish(),
  voice: media.nullish(),
  video: media.nullish(),
  video_note: media.nullish(),
  sticker: sticker.nullish(),
  location: location.nullish(),
  venue: z.looseObject({ location, title: z.string(), address: z.string() }).nullish(),
  contact: z
    .looseObject({
      phone_number: z.string(),
      first_name: z.string(),
      last_name: text,
      user_id: z.number().int().nullish(),
      vcard: text,
    })
    .nullish(),
  forward_origin: origin.nullish(),
  media_group_id: text,
  quote: z.looseObject({ text: z.string() }).nullish(),
};

/** The answered message: a Message without a further `reply_to_message`. */
const repliedMessage = z.looseObject(messageFields, { error: "must be a Message" });

export const message = z.looseObject(
  { ...messageFields, reply_to_message: repliedMessage.nullish() },
  { error: "must be a Message {message_id, chat, date}" },
);

export const callbackQuery = z.looseObject(
  {
    id: z.string({ error: "must be the query id (a string)" }).min(1),
    from: user,
    message: repliedMessage.nullish(),
    inline_message_id: text,
    chat_instance: z.string({ error: "must be the chat_instance (a string)" }),
    data: text,
    game_short_name: text,
  },
  { error: "must be a CallbackQuery {id, from, chat_instance}" },
);

export const memberStatuses = [
  "creator",
  "administrator",
  "member",
  "restricted",
  "left",
  "kicked",
] as const;

const chatMember = z.looseObject(
  {
    status: z.enum(memberStatuses, { error: `must be one of ${memberStatuses.join(", ")}` }),
    user,
  },
  { error: "must be a ChatMember {status, user}" },
);

export const chatMemberUpdated = z.looseObject(
  {
    chat,
    from: user,
    date: unix,
    old_chat_member: chatMember,
    new_chat_member: chatMember,
  },
  { error: "must be a ChatMemberUpdated {chat, from, date, old_chat_member, new_chat_member}" },
);

/** The update kinds the mappings translate; the other kinds of the Bot API are reported skipped. */
const reactionType = z.looseObject({
  type: z.string({ error: "must be the reaction's type (emoji, custom_emoji, paid)" }),
  emoji: text,
});
/** A person's (or an anonymous chat's) changed reaction to a message: MessageReactionUpdated. */
export const messageReaction = z.looseObject(
  {
    chat,
    message_id: z.number().int(),
    user: user.optional(),
    actor_chat: chat.optional(),
    date: unix,
    old_reaction: z.array(reactionType),
    new_reaction: z.array(reactionType),
  },
  { error: "must be a MessageReactionUpdated" },
);

export const updateKinds = [
  "message",
  "edited_message",
  "channel_post",
  "edited_channel_post",
  "business_message",
  "edited_business_message",
  "guest_message",
  "callback_query",
  "my_chat_member",
  "message_reaction",
] as const;

/** The update kinds this format writes: a business or guest message is written as a `message`. */
export const writtenKinds = updateKinds.filter(
  (kind) =>
    !["business_message", "edited_business_message", "guest_message", "message_reaction"].includes(
      kind,
    ),
);

/**
 * Every update kind the Bot API defines (test/fixtures/telegram/types.ts checks the list against
 * `@grammyjs/types`). A body whose object is under another key is not an Update: 400.
 */
export const allUpdateKinds = [
  ...updateKinds,
  "business_connection",
  "deleted_business_messages",
  "stopped_message_generation",
  "message_reaction_count",
  "inline_query",
  "chosen_inline_result",
  "shipping_query",
  "pre_checkout_query",
  "purchased_paid_media",
  "poll",
  "poll_answer",
  "chat_member",
  "chat_join_request",
  "chat_boost",
  "removed_chat_boost",
  "managed_bot",
  "subscription",
] as const;

const known = new Set<string>(allUpdateKinds);

/** True for a key the Bot API defines as an update kind. */
export const isUpdateKind = (key: string | undefined): boolean =>
  key !== undefined && known.has(key);

/** The kind of an update: its one key besides `update_id` whose value is an object. */
export function updateKind(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  for (const [key, value] of Object.entries(body)) {
    if (key !== "update_id" && typeof value === "object" && value !== null && !Array.isArray(value))
      return key;
  }
  return undefined;
}

export const telegramUpdate = z
  .looseObject(
    {
      update_id: z
        .number({ error: "must be the update's id (a non-negative integer)" })
        .int()
        .min(0),
      message: message.optional(),
      edited_message: message.optional(),
      channel_post: message.optional(),
      edited_channel_post: message.optional(),
      business_message: message.optional(),
      edited_business_message: message.optional(),
      guest_message: message.optional(),
      callback_query: callbackQuery.optional(),
      my_chat_member: chatMemberUpdated.optional(),
      message_reaction: messageReaction.optional(),
    },
    { error: 'must be a Telegram Update {"update_id": ..., "message": {...}}' },
  )
  .superRefine((body, ctx) => {
    const kind = updateKind(body);
    if (!isUpdateKind(kind))
      ctx.addIssue({
        code: "custom",
        message: `${kind === undefined ? "no update object" : `unknown update kind "${kind.slice(0, 100)}"`}: an Update carries one object besides update_id, under one of ${allUpdateKinds.join(", ")}`,
      });
  });

export type TelegramUpdate = z.infer<typeof telegramUpdate>;
