import { conversationKey, objectAt } from "../conversation.ts";
import type { WireEvent } from "../types.ts";

/**
 * The conversation a Chatwoot-family event belongs to: `<account id>:<conversation display id>`
 * (display ids are numbered per account). Messages carry the conversation in `conversation`,
 * except an automation rule's message event, whose body is the conversation; conversation
 * events are the conversation object; typing events carry it in `conversation`. Contacts,
 * inboxes and the widget belong to no conversation: undefined.
 *
 * @example chatwootConversation({ name: "message_created", payload: { account: { id: 1 }, message_type: "incoming", conversation: { id: 207 } } }) // "1:207"
 */
export function chatwootConversation(event: WireEvent): string | undefined {
  const body = event.payload as Record<string, unknown> | undefined;
  if (typeof body !== "object" || body === null) return undefined;
  const name = (event.dispatch ?? event.name).replace("automation_event.", "");
  let conversation: Record<string, unknown> | undefined;
  if (name.startsWith("message_")) {
    conversation = "message_type" in body ? objectAt(body, "conversation") : body;
  } else if (name.startsWith("conversation_typing_")) {
    conversation = objectAt(body, "conversation");
  } else if (name.startsWith("conversation_") || name === "macro.executed") {
    conversation = body;
  }
  if (!conversation) return undefined;
  // The same reading as the mappings' conversationId: the display id when there is one.
  const id = conversation.display_id ?? conversation.id;
  const account =
    objectAt(body, "account")?.id ??
    body.account_id ??
    objectAt(conversation, "account")?.id ??
    conversation.account_id;
  return conversationKey(account, id);
}
