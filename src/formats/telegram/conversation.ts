import { conversationKey, objectAt } from "../conversation.ts";
import type { WireEvent } from "../types.ts";

/**
 * The conversation a Telegram update belongs to: its chat, `-:<chat id>` (an update names no
 * account: one source is one bot). Messages and posts name `chat`, a button press the chat of
 * the message it was pressed on, a membership change its `chat`; an inline button press (no
 * message) belongs to no conversation.
 *
 * @example telegramConversation({ name: "message", payload: { message: { chat: { id: 7771234 } } } }) // "-:7771234"
 */
export function telegramConversation(event: WireEvent): string | undefined {
  const update = objectAt(event.payload, event.name);
  const chat = objectAt(update, "chat") ?? objectAt(objectAt(update, "message"), "chat");
  return conversationKey(undefined, chat?.id);
}
