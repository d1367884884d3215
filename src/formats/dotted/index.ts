import contactOut from "../../../mappings/dotted/from-canonical/contact.jsonata";
import conversationOut from "../../../mappings/dotted/from-canonical/conversation.jsonata";
import inboxOut from "../../../mappings/dotted/from-canonical/inbox.jsonata";
import messageOut from "../../../mappings/dotted/from-canonical/message.jsonata";
import resourceOut from "../../../mappings/dotted/from-canonical/resource.jsonata";
import contactIn from "../../../mappings/dotted/to-canonical/contact.jsonata";
import conversationIn from "../../../mappings/dotted/to-canonical/conversation.jsonata";
import inboxIn from "../../../mappings/dotted/to-canonical/inbox.jsonata";
import messageIn from "../../../mappings/dotted/to-canonical/message.jsonata";
import resourceIn from "../../../mappings/dotted/to-canonical/resource.jsonata";
import type { EventKind } from "../../canonical/index.ts";
import { type MappingFile, mapping } from "../../translate/mapping.ts";
import type { FormatDefinition } from "../types.ts";
import { dottedConversation } from "./conversation.ts";
import { allTopics, dottedBody, isTopic, resourceActions, userActions } from "./schema.ts";
import { dottedTransport } from "./transport.ts";

const dir = "mappings/dotted";
const input = (name: string, text: string) => mapping(`${dir}/to-canonical/${name}.jsonata`, text);
const output = (name: string, text: string) =>
  mapping(`${dir}/from-canonical/${name}.jsonata`, text);

const message = input("message", messageIn);
const resource = input("resource", resourceIn);

/** Resources with a canonical counterpart have their own mapping; the others are resource.changed. */
const ownMappings: Record<string, MappingFile> = {
  conversation: input("conversation", conversationIn),
  contact: input("contact", contactIn),
  channel: input("inbox", inboxIn),
};

const toCanonical: Record<string, MappingFile> = {
  "message.create.*.*": message,
  "message.update": message,
  "message.delete": message,
  "message.error": message,
  "user.*": resource,
  ...Object.fromEntries(
    Object.keys(resourceActions).map((name) => [`${name}.*`, ownMappings[name] ?? resource]),
  ),
};

const messageTarget = output("message", messageOut);
const conversationTarget = output("conversation", conversationOut);
const contactTarget = output("contact", contactOut);
const inboxTarget = output("inbox", inboxOut);

/** typing.* and widget.opened are left out: dotted has no such events, so they are reported skipped. */
const fromCanonical: Partial<Record<EventKind, MappingFile>> = {
  "message.created": messageTarget,
  "message.updated": messageTarget,
  "message.deleted": messageTarget,
  "message.failed": messageTarget,
  "conversation.created": conversationTarget,
  "conversation.updated": conversationTarget,
  "conversation.status_changed": conversationTarget,
  "conversation.deleted": conversationTarget,
  "conversation.merged": conversationTarget,
  "contact.created": contactTarget,
  "contact.updated": contactTarget,
  "contact.deleted": contactTarget,
  "contact.merged": contactTarget,
  "inbox.created": inboxTarget,
  "inbox.updated": inboxTarget,
  "inbox.deleted": inboxTarget,
  "resource.changed": output("resource", resourceOut),
};

/** An envelope whose `event` is a dotted topic and that has `data` (not a Chatwoot `message_created`). */
function isDottedBody(body: unknown): boolean {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return false;
  const record = body as { event?: unknown; data?: unknown };
  return isTopic(record.event) && typeof record.data === "object" && record.data !== null;
}

export const dotted: FormatDefinition = {
  id: "dotted",
  transport: dottedTransport,
  name: "Dotted-topic",
  description:
    "Dotted-topic webhooks (Web1on1 / ChatShipper): an envelope {id, event, timestamp, organization, activity, data} whose event is a topic such as message.create.contact.chat.",
  schema: dottedBody,
  events: (body) => [{ name: (body as { event: string }).event, payload: body }],
  conversation: dottedConversation,
  detect: isDottedBody,
  toCanonical,
  fromCanonical,
  accepts: [...allTopics],
  // message.create.<conversation type>.<message type> can be any of the 48; resource.changed
  // from a dotted source gives back any user or resource topic.
  emits: [...allTopics],
  variables: { topics: { user: userActions, ...resourceActions } },
};
