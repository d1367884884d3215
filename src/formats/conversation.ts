/**
 * Conversation keys: what an ordered route (`ordered: true`) keeps in order. Each format reads
 * its own key from an event's payload (`FormatDefinition.conversation`); these helpers keep the
 * keys alike: `<scope>:<id>`, ids as text, never longer than `MAX_CONVERSATION_KEY`.
 */

/** Longest key kept (a key is a Durable Object storage value and shown in the console). */
export const MAX_CONVERSATION_KEY = 200;

/** A record's field as an object, or undefined. */
export function objectAt(value: unknown, key: string): Record<string, unknown> | undefined {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return undefined;
  const field = (value as Record<string, unknown>)[key];
  return typeof field === "object" && field !== null && !Array.isArray(field)
    ? (field as Record<string, unknown>)
    : undefined;
}

/** An id as text: a non-empty string or a finite number; anything else is no id. */
export function idText(value: unknown): string | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  if (typeof value === "string" && value.trim() !== "") return value.trim();
  return undefined;
}

/**
 * The key of a conversation `id` within `scope` (an account, an organization), or undefined when
 * there is no id. A missing scope is written `-`, so the key is still stable.
 *
 * @example conversationKey(1, 207) // "1:207"
 */
export function conversationKey(scope: unknown, id: unknown): string | undefined {
  const conversation = idText(id);
  if (conversation === undefined) return undefined;
  return `${idText(scope) ?? "-"}:${conversation}`.slice(0, MAX_CONVERSATION_KEY);
}
