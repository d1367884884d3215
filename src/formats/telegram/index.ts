import memberOut from "../../../mappings/telegram/from-canonical/member.jsonata";
import messageOut from "../../../mappings/telegram/from-canonical/message.jsonata";
import callbackIn from "../../../mappings/telegram/to-canonical/callback.jsonata";
import memberIn from "../../../mappings/telegram/to-canonical/member.jsonata";
import messageIn from "../../../mappings/telegram/to-canonical/message.jsonata";
import reactionIn from "../../../mappings/telegram/to-canonical/reaction.jsonata";
import type { EventKind } from "../../canonical/index.ts";
import { type MappingFile, mapping } from "../../translate/mapping.ts";
import type { FormatDefinition } from "../types.ts";
import { telegramConversation } from "./conversation.ts";
import {
  allUpdateKinds,
  isUpdateKind,
  telegramUpdate,
  updateKind,
  writtenKinds,
} from "./schema.ts";
import { telegramTransport } from "./transport.ts";

const dir = "mappings/telegram";
const input = (name: string, text: string) => mapping(`${dir}/to-canonical/${name}.jsonata`, text);
const output = (name: string, text: string) =>
  mapping(`${dir}/from-canonical/${name}.jsonata`, text);

const message = input("message", messageIn);

/** Update kind → the mapping that reads it; any other kind is reported skipped. */
const toCanonical: Record<string, MappingFile> = {
  message,
  edited_message: message,
  channel_post: message,
  edited_channel_post: message,
  business_message: message,
  edited_business_message: message,
  guest_message: message,
  callback_query: input("callback", callbackIn),
  message_reaction: input("reaction", reactionIn),
  my_chat_member: input("member", memberIn),
};

const messageTarget = output("message", messageOut);

/** Telegram has no update for deleted or failed messages, typing, contacts or inboxes: skipped. */
const fromCanonical: Partial<Record<EventKind, MappingFile>> = {
  "message.created": messageTarget,
  "message.updated": messageTarget,
  "conversation.updated": output("member", memberOut),
};

/** An object with an integer `update_id` and one update object beside it. */
function isTelegramUpdate(body: unknown): boolean {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  return (
    Number.isInteger((body as { update_id?: unknown }).update_id) && isUpdateKind(updateKind(body))
  );
}

/**
 * Telegram Bot API webhooks: each POST is one `Update` (`{"update_id", <kind>: {...}}`), which
 * is one event named by its kind. See mappings/telegram/README.md.
 */
export const telegram: FormatDefinition = {
  id: "telegram",
  transport: telegramTransport,
  name: "Telegram",
  description:
    'Telegram Bot API webhook updates ({"update_id", "message" | "edited_message" | "channel_post" | "callback_query" | "my_chat_member" | ...}), one update per POST.',
  schema: telegramUpdate,
  events: (body) => {
    const name = updateKind(body) ?? "update";
    return [{ name, payload: body }];
  },
  conversation: telegramConversation,
  detect: isTelegramUpdate,
  toCanonical,
  fromCanonical,
  accepts: [...allUpdateKinds],
  emits: [...writtenKinds],
};
