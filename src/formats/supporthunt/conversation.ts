import { conversationKey, idText, objectAt } from "../conversation.ts";
import type { WireEvent } from "../types.ts";

/**
 * The conversation a Support Hunt event belongs to: `<account id>:<conversation key>` (each
 * element of a batch names its `conversation` `{key, id}`; the key when there is one).
 *
 * @example supporthuntConversation({ name: "message", payload: { conversation: { key: "42bb", id: 7 }, account: { id: 476 } } }) // "476:42bb"
 */
export function supporthuntConversation(event: WireEvent): string | undefined {
  const conversation = objectAt(event.payload, "conversation");
  if (!conversation) return undefined;
  return conversationKey(
    objectAt(event.payload, "account")?.id,
    idText(conversation.key) ?? conversation.id,
  );
}
