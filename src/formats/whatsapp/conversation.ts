import { conversationKey, idText } from "../conversation.ts";
import type { WireEvent } from "../types.ts";

/**
 * The conversation a WhatsApp event belongs to: `<business phone number id>:<user's WhatsApp id>`
 * (a chat on WhatsApp is one user and one business number). A message names the user in
 * `from`, an echo (the business's message) in `to`, a status in `recipient_id`; other events
 * belong to no conversation.
 *
 * @example whatsappConversation(textMessageEvent) // "106540352242922:16505551234"
 */
export function whatsappConversation(event: WireEvent): string | undefined {
  const value = (event.payload as Payload | null | undefined)?.entry?.[0]?.changes?.[0]?.value;
  const user =
    value?.messages?.[0]?.from ??
    value?.message_echoes?.[0]?.to ??
    value?.statuses?.[0]?.recipient_id;
  return conversationKey(idText(value?.metadata?.phone_number_id), user);
}

interface Payload {
  entry?: Array<{
    changes?: Array<{
      value?: {
        metadata?: { phone_number_id?: unknown };
        messages?: Array<{ from?: unknown }>;
        message_echoes?: Array<{ to?: unknown }>;
        statuses?: Array<{ recipient_id?: unknown }>;
      };
    }>;
  }>;
}
