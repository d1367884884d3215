import conversationOut from "../../../mappings/supporthunt/from-canonical/conversation.jsonata";
import messageOut from "../../../mappings/supporthunt/from-canonical/message.jsonata";
import conversationIn from "../../../mappings/supporthunt/to-canonical/conversation.jsonata";
import messageIn from "../../../mappings/supporthunt/to-canonical/message.jsonata";
import type { EventKind } from "../../canonical/index.ts";
import { type MappingFile, mapping } from "../../translate/mapping.ts";
import type { FormatDefinition } from "../types.ts";
import { supporthuntConversation } from "./conversation.ts";
import { type SupporthuntBody, supporthuntBody } from "./schema.ts";
import { supporthuntTransport } from "./transport.ts";

const dir = "mappings/supporthunt";
const conversation = mapping(`${dir}/to-canonical/conversation.jsonata`, conversationIn);
const message = mapping(`${dir}/to-canonical/message.jsonata`, messageIn);

/** Support Hunt `event.type` → the mapping that reads it. */
const toCanonical: Record<string, MappingFile> = {
  conversation_create: conversation,
  message,
  status: conversation,
  assignee_change: conversation,
  variables: conversation,
  conversation_labels: conversation,
  note: message,
};

const conversationTarget = mapping(`${dir}/from-canonical/conversation.jsonata`, conversationOut);
const fromCanonical: Partial<Record<EventKind, MappingFile>> = {
  "conversation.created": conversationTarget,
  "conversation.status_changed": conversationTarget,
  "conversation.updated": conversationTarget,
  "message.created": mapping(`${dir}/from-canonical/message.jsonata`, messageOut),
};

/**
 * Support Hunt (WotNot white-label): every POST is a batch `{"events": [...]}` and each element is
 * translated on its own. A test POST carrying only a token is not a translatable body.
 */
export const supporthunt: FormatDefinition = {
  id: "supporthunt",
  transport: supporthuntTransport,
  name: "Support Hunt",
  description:
    'Support Hunt batched events ({"events": [...]}): conversations, messages and their answers, notes, status, assignee, labels, variables.',
  schema: supporthuntBody,
  events: (body) =>
    (body as SupporthuntBody).events.map((payload) => ({
      name: (payload.event as { type: string }).type,
      payload,
    })),
  conversation: supporthuntConversation,
  detect: (body) =>
    typeof body === "object" &&
    body !== null &&
    !Array.isArray(body) &&
    Array.isArray((body as { events?: unknown }).events),
  toCanonical,
  fromCanonical,
  emits: [
    "conversation_create",
    "message",
    "note",
    "status",
    "assignee_change",
    "conversation_labels",
    "variables",
  ],
};
