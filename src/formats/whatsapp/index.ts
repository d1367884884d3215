import messageOut from "../../../mappings/whatsapp/from-canonical/message.jsonata";
import messageIn from "../../../mappings/whatsapp/to-canonical/message.jsonata";
import statusIn from "../../../mappings/whatsapp/to-canonical/status.jsonata";
import type { EventKind } from "../../canonical/index.ts";
import { type MappingFile, mapping } from "../../translate/mapping.ts";
import type { FormatDefinition } from "../types.ts";
import { whatsappConversation } from "./conversation.ts";
import { whatsappEvents } from "./events.ts";
import { messageTypes, statusNames, type WhatsappBody, whatsappBody } from "./schema.ts";
import { whatsappTransport } from "./transport.ts";

const dir = "mappings/whatsapp";
const message = mapping(`${dir}/to-canonical/message.jsonata`, messageIn);

/** What `events` dispatches on: a message (sent by a user, or echoed from the business) or a status. */
const toCanonical: Record<string, MappingFile> = {
  messages: message,
  message_echoes: message,
  statuses: mapping(`${dir}/to-canonical/status.jsonata`, statusIn),
};

const messageTarget = mapping(`${dir}/from-canonical/message.jsonata`, messageOut);
/** Conversation, contact, typing and inbox events have no WhatsApp webhook: reported skipped. */
const fromCanonical: Partial<Record<EventKind, MappingFile>> = {
  "message.created": messageTarget,
  "message.updated": messageTarget,
  "message.failed": messageTarget,
};

const kinds = [...messageTypes, "unsupported"];

/** `{"object": "whatsapp_business_account", "entry": [...]}`: Meta's envelope, nothing else has it. */
function isWhatsappBody(body: unknown): boolean {
  return (
    typeof body === "object" &&
    body !== null &&
    (body as { object?: unknown }).object === "whatsapp_business_account" &&
    Array.isArray((body as { entry?: unknown }).entry)
  );
}

/**
 * WhatsApp Cloud API webhooks (Meta's Graph webhook for a WhatsApp Business Account). One post may
 * hold several entries, changes, messages and statuses: each message and status is an event.
 */
export const whatsapp: FormatDefinition = {
  id: "whatsapp",
  transport: whatsappTransport,
  name: "WhatsApp Cloud API",
  description:
    'WhatsApp Cloud API webhooks ({"object": "whatsapp_business_account", "entry": [...]}): messages users send (text, media, location, contacts, reactions, button and list replies), messages the business sent (smb_message_echoes) and message statuses (sent, delivered, read, failed).',
  schema: whatsappBody,
  events: (body) => whatsappEvents(body as WhatsappBody),
  conversation: whatsappConversation,
  detect: isWhatsappBody,
  toCanonical,
  fromCanonical,
  accepts: [
    ...kinds.map((kind) => `messages.${kind}`),
    ...kinds.map((kind) => `message_echoes.${kind}`),
    ...statusNames.map((status) => `statuses.${status}`),
  ],
  emits: [
    ...kinds.map((kind) => `messages.${kind}`),
    ...kinds.map((kind) => `message_echoes.${kind}`),
    ...statusNames.map((status) => `statuses.${status}`),
  ],
};
