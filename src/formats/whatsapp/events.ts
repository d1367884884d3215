import type { WireEvent } from "../types.ts";
import type { WhatsappBody, WhatsappValue } from "./schema.ts";

type Entry = WhatsappBody["entry"][number];
type Change = Entry["changes"][number];

/**
 * Splits a WhatsApp webhook into its events: every message and every status of every change of
 * every entry is one event, named `messages.<type>`, `message_echoes.<type>` (a message the
 * business sent from the WhatsApp Business app) or `statuses.<status>`; a `messages` change
 * holding only `errors` is one `errors` event; a change of another field (`account_update`,
 * `message_template_status_update`...) is one event named by its field. Each event's payload is
 * the same webhook narrowed to that one thing (one entry, one change, one message or status, the
 * message's sender in `contacts`), so a mapping reads Meta's own paths.
 *
 * @example whatsappEvents(twoMessagesAndAStatus).map((e) => e.name) // ["messages.text", "messages.image", "statuses.read"]
 */
export function whatsappEvents(body: WhatsappBody): WireEvent[] {
  return body.entry.flatMap((entry) =>
    entry.changes.flatMap((change) => changeEvents(body, entry, change)),
  );
}

function changeEvents(body: WhatsappBody, entry: Entry, change: Change): WireEvent[] {
  const { messages, message_echoes: echoes, statuses, contacts, ...rest } = change.value;
  const narrowed = (value: WhatsappValue) => ({
    ...body,
    entry: [{ ...entry, changes: [{ ...change, value }] }],
  });
  const events: WireEvent[] = [
    ...(messages ?? []).map((message) => {
      const sender = contacts?.filter((contact) => contact.wa_id === message.from);
      return {
        name: `messages.${message.type}`,
        dispatch: "messages",
        payload: narrowed({
          ...rest,
          ...(contacts ? { contacts: sender?.length ? sender : contacts } : {}),
          messages: [message],
        }),
      };
    }),
    ...(echoes ?? []).map((echo) => ({
      name: `message_echoes.${echo.type}`,
      dispatch: "message_echoes",
      payload: narrowed({ ...rest, message_echoes: [echo] }),
    })),
    ...(statuses ?? []).map((status) => ({
      name: `statuses.${status.status}`,
      dispatch: "statuses",
      payload: narrowed({ ...rest, statuses: [status] }),
    })),
  ];
  if (events.length > 0) return events;
  const name = change.field === "messages" && rest.errors?.length ? "errors" : change.field;
  return [{ name, payload: narrowed(change.value) }];
}
