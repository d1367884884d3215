import { conversationKey, idText, objectAt } from "../conversation.ts";
import type { WireEvent } from "../types.ts";

/**
 * The conversation a dotted-topic event belongs to: `<organization>:<conversation id>`, read from
 * `data.conversation.id` (conversation and message events), else `data.message.conversation`.
 * Contacts, channels, services, users and other resources belong to no conversation.
 *
 * @example dottedConversation({ name: "message.create.contact.chat", payload: { organization: "5c13", data: { conversation: { id: "5c1a" } } } }) // "5c13:5c1a"
 */
export function dottedConversation(event: WireEvent): string | undefined {
  const data = objectAt(event.payload, "data");
  const id = idText(objectAt(data, "conversation")?.id) ?? objectAt(data, "message")?.conversation;
  const organization = (event.payload as { organization?: unknown } | undefined)?.organization;
  return conversationKey(organization, id);
}
