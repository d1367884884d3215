import contactOut from "../../../mappings/chatwoot/from-canonical/contact.jsonata";
import conversationOut from "../../../mappings/chatwoot/from-canonical/conversation.jsonata";
import inboxOut from "../../../mappings/chatwoot/from-canonical/inbox.jsonata";
import messageOut from "../../../mappings/chatwoot/from-canonical/message.jsonata";
import typingOut from "../../../mappings/chatwoot/from-canonical/typing.jsonata";
import widgetOut from "../../../mappings/chatwoot/from-canonical/widget.jsonata";
import writers from "../../../mappings/chatwoot/from-canonical/writers.jsonata";
import contactIn from "../../../mappings/chatwoot/to-canonical/contact.jsonata";
import conversationIn from "../../../mappings/chatwoot/to-canonical/conversation.jsonata";
import inboxIn from "../../../mappings/chatwoot/to-canonical/inbox.jsonata";
import messageIn from "../../../mappings/chatwoot/to-canonical/message.jsonata";
import readers from "../../../mappings/chatwoot/to-canonical/readers.jsonata";
import typingIn from "../../../mappings/chatwoot/to-canonical/typing.jsonata";
import widgetIn from "../../../mappings/chatwoot/to-canonical/widget.jsonata";
import type { EventKind } from "../../canonical/index.ts";
import { type MappingFile, mapping } from "../../translate/mapping.ts";
import type { FormatDefinition } from "../types.ts";
import { chatwootConversation } from "./conversation.ts";
import { accountEvents, baseEvent, chatwootBody, knownEvents } from "./schema.ts";
import { chatwootTransport } from "./transport.ts";

const dir = "mappings/chatwoot";
const input = (name: string, text: string) => mapping(`${dir}/to-canonical/${name}.jsonata`, text);
const output = (name: string, text: string) =>
  mapping(`${dir}/from-canonical/${name}.jsonata`, text);

/** Shared functions the mappings call: `$readers("contact", sender)`, `$writers("account", $)`. */
const libraries = { readers: input("readers", readers), writers: output("writers", writers) };

const conversation = input("conversation", conversationIn);
const message = input("message", messageIn);
const contact = input("contact", contactIn);
const typing = input("typing", typingIn);

const toCanonical: Record<string, MappingFile> = {
  conversation_created: conversation,
  conversation_updated: conversation,
  conversation_status_changed: conversation,
  conversation_resolved: conversation,
  conversation_opened: conversation,
  "macro.executed": conversation,
  message_created: message,
  message_updated: message,
  contact_created: contact,
  contact_updated: contact,
  conversation_typing_on: typing,
  conversation_typing_off: typing,
  webwidget_triggered: input("widget", widgetIn),
  inbox_created: input("inbox", inboxIn),
  inbox_updated: input("inbox", inboxIn),
};

const conversationTarget = output("conversation", conversationOut);
const messageTarget = output("message", messageOut);
const contactTarget = output("contact", contactOut);
const typingTarget = output("typing", typingOut);
const inboxTarget = output("inbox", inboxOut);

const fromCanonical: Partial<Record<EventKind, MappingFile>> = {
  "conversation.created": conversationTarget,
  "conversation.updated": conversationTarget,
  "conversation.status_changed": conversationTarget,
  "message.created": messageTarget,
  "message.updated": messageTarget,
  "message.deleted": messageTarget,
  "message.failed": messageTarget,
  "contact.created": contactTarget,
  "contact.updated": contactTarget,
  "typing.started": typingTarget,
  "typing.stopped": typingTarget,
  "widget.opened": output("widget", widgetOut),
  "inbox.created": inboxTarget,
  "inbox.updated": inboxTarget,
};

function isChatwootBody(body: unknown): boolean {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  const event = (body as { event?: unknown }).event;
  return (
    typeof event === "string" &&
    knownEvents.includes(baseEvent(event) as (typeof knownEvents)[number])
  );
}

function isLegacySample(body: unknown): boolean {
  const record = body as { contact?: unknown; conversation?: { display_id?: unknown } };
  return (
    isChatwootBody(body) &&
    (record.contact !== undefined || record.conversation?.display_id !== undefined)
  );
}

interface Member {
  id: string;
  name: string;
  description: string;
  /** Chatwoot version whose wire format this platform emits (OneHash Chat runs 4.2). */
  wireVersion: string;
  detect: (body: unknown) => boolean;
}

function member({ id, name, description, wireVersion, detect }: Member): FormatDefinition {
  return {
    id,
    name,
    description,
    family: "chatwoot",
    transport: chatwootTransport,
    schema: chatwootBody,
    events: (body) => {
      const name = (body as { event: string }).event;
      return [{ name, dispatch: baseEvent(name), payload: body }];
    },
    conversation: chatwootConversation,
    detect,
    toCanonical,
    fromCanonical,
    accepts: [...knownEvents, ...accountEvents.map((event) => `automation_event.${event}`)],
    emits: [...accountEvents],
    variables: { wireVersion },
    libraries,
  };
}

/**
 * Chatwoot and the platforms built on it. They share one schema and one set of mapping files;
 * the ids exist so users can name the platform they run. `auto` detects OneHash's documented
 * legacy sample as `onehash` and any other Chatwoot-family body as `chatwoot`.
 */
export const chatwootFamily: readonly FormatDefinition[] = [
  member({
    id: "onehash",
    name: "OneHash Chat",
    description:
      "OneHash Chat (Chatwoot 4.2): accepts the real wire format and the documented legacy sample; emits the 4.2 wire format.",
    wireVersion: "4.2",
    detect: isLegacySample,
  }),
  member({
    id: "chatwoot",
    name: "Chatwoot",
    description: "Chatwoot account and agent-bot webhooks (current wire format).",
    wireVersion: "4.15",
    detect: isChatwootBody,
  }),
  member({
    id: "messagehub",
    name: "MessageHub",
    description: "MessageHub webhooks (Chatwoot wire format).",
    wireVersion: "4.15",
    detect: () => false,
  }),
  member({
    id: "hoory",
    name: "Hoory",
    description: "Hoory webhooks (Chatwoot wire format).",
    wireVersion: "4.15",
    detect: () => false,
  }),
];
