import { z } from "zod";
import { dispatchCheck } from "../../fastcheck/dispatch.ts";

/**
 * The Chatwoot wire format, shared by Chatwoot, MessageHub, Hoory and OneHash Chat.
 * Accepts what real senders post (integer ids, ISO times) and the documented samples
 * (string ids, `"2020-03-03 13:05:57 UTC"`, top-level `contact`, `conversation.display_id`).
 * Unknown keys are kept: mappings may read them.
 */

const id = z.union([z.number().int(), z.string().min(1)], {
  error: "must be an id (an integer or a non-empty string)",
});
const time = z.union([z.number(), z.string()], {
  error: "must be a time (unix seconds or a date string)",
});
const text = z.string().nullish();
const record = z.record(z.string(), z.unknown()).nullish();

const account = z.looseObject({ id: id.nullish(), name: text });

/** A contact, agent or bot: the fields the mappings read are typed, the rest is kept as is. */
const party = z.looseObject({
  id: id.nullish(),
  name: text,
  email: text,
  type: text,
  phone_number: text,
  identifier: text,
  avatar: text,
  thumbnail: text,
  additional_attributes: record,
  custom_attributes: record,
  account: account.nullish(),
});

/** Choices and form fields of rich messages (input_select, form, cards), and the contact's answers. */
const contentAttributes = z
  .looseObject({
    items: z
      .array(
        z.looseObject({
          title: text,
          name: text,
          label: text,
          description: text,
          media_url: text,
          type: text,
          required: z.boolean().nullish(),
          actions: z.array(z.looseObject({ text, uri: text })).nullish(),
        }),
      )
      .nullish(),
    /* A form's or a choice's answers are a list; a CSAT answer is an object. */
    submitted_values: z
      .union(
        [
          z.array(z.looseObject({ name: text, title: text, label: text })),
          z.record(z.string(), z.unknown()),
        ],
        { error: "must be a list of answers or an object" },
      )
      .nullish(),
    external_error: text,
  })
  .nullish();

const attachment = z.looseObject({
  id: id.nullish(),
  file_type: text,
  data_url: text,
  thumb_url: text,
  file_size: z.number().nullish(),
  extension: text,
});

const messageType = z.union(
  [z.enum(["incoming", "outgoing", "template", "activity"]), z.number().int().min(0).max(3)],
  { error: 'must be "incoming", "outgoing", "template" or "activity" (or 0-3)' },
);

/** The fields of a message the mappings read, wherever the message is. */
const messageFields = {
  content: text,
  content_type: text,
  content_attributes: contentAttributes,
  private: z.boolean().nullish(),
  status: text,
  created_at: time.nullish(),
  updated_at: time.nullish(),
  sender: party.nullish(),
  contact: party.nullish(),
  attachments: z.array(attachment).nullish(),
};

/** A message inside a conversation (push form): an automation webhook reads the last one. */
const pushMessage = z.looseObject({
  id: id.nullish(),
  message_type: messageType.nullish(),
  ...messageFields,
});

export const accountEvents = [
  "conversation_created",
  "conversation_updated",
  "conversation_status_changed",
  "message_created",
  "message_updated",
  "webwidget_triggered",
  "contact_created",
  "contact_updated",
  "conversation_typing_on",
  "conversation_typing_off",
  "inbox_created",
  "inbox_updated",
] as const;

/** Sent to agent-bot webhooks only, and by macros. */
export const otherEvents = [
  "conversation_resolved",
  "conversation_opened",
  "macro.executed",
] as const;

const changedAttributes = z
  .array(z.record(z.string(), z.unknown(), { error: "each changed attribute must be an object" }))
  .nullish();

/** Ids a sender may not know are sent as null (never invented), so null is accepted. */
const conversation = z.looseObject({
  id: id.nullish(),
  display_id: id.nullish(),
  inbox_id: id.nullish(),
  status: z.enum(["open", "resolved", "pending", "snoozed"]).nullish(),
  channel: text,
  labels: z.array(z.string()).nullish(),
  meta: z
    .looseObject({ sender: party.nullish(), assignee: party.nullish(), team: party.nullish() })
    .nullish(),
  messages: z.array(pushMessage).nullish(),
  additional_attributes: record,
  custom_attributes: record,
  priority: text,
  account: account.nullish(),
  account_id: id.nullish(),
  created_at: time.nullish(),
  updated_at: time.nullish(),
  timestamp: time.nullish(),
});

const message = z.looseObject({
  id: id.nullable(),
  message_type: messageType,
  ...messageFields,
  conversation: conversation.refine((c) => c.id !== undefined || c.display_id !== undefined, {
    message: "a conversation needs an id (or display_id)",
  }),
  account: account.nullish(),
  inbox: party.nullish(),
});

/** A contact event: the contact (a party whose id may be null, never invented) + its changes. */
const contact = party.extend({ id: id.nullable(), changed_attributes: changedAttributes });

const conversationEvent = conversation
  .extend({ changed_attributes: changedAttributes })
  .refine((c) => c.id !== undefined || c.display_id !== undefined, {
    message: "a conversation event needs the conversation id (or display_id)",
    path: ["id"],
  });

const widget = z.looseObject({
  id: id.nullish(),
  contact: party,
  inbox: party.nullish(),
  account: account.nullish(),
  current_conversation: conversation.nullish(),
  source_id: text,
  event_info: record,
});

const typing = z.looseObject({
  user: party.nullish(),
  conversation,
  is_private: z.boolean().nullish(),
});

/** Chatwoot's own inbox events carry the inbox's settings and channel, without its id or name. */
const inbox = z.looseObject({ id: id.nullish(), name: text });

/** The schema for the payload of each event (after `automation_event.` is taken off). */
const payloadByEvent: Record<string, z.ZodType> = {
  conversation_created: conversationEvent,
  conversation_updated: conversationEvent,
  conversation_status_changed: conversationEvent,
  conversation_resolved: conversationEvent,
  conversation_opened: conversationEvent,
  "macro.executed": z.looseObject({}),
  message_created: message,
  message_updated: message,
  webwidget_triggered: widget,
  contact_created: contact,
  contact_updated: contact,
  conversation_typing_on: typing,
  conversation_typing_off: typing,
  inbox_created: inbox,
  inbox_updated: inbox,
};

export const knownEvents = [...accountEvents, ...otherEvents];

/** `automation_event.message_created` → `message_created`. */
export function baseEvent(name: string): string {
  return name.startsWith("automation_event.") ? name.slice("automation_event.".length) : name;
}

/**
 * The name of a body's payload schema (a key of `payloads`). An automation rule's webhook carries
 * the conversation whatever its rule event, so `automation_event.message_created` without a
 * message_type is a conversation payload.
 */
function payloadName(body: { event: string; message_type?: unknown }): string | undefined {
  const base = baseEvent(body.event);
  if (base !== body.event && base.startsWith("message_") && body.message_type === undefined)
    return "automation_conversation";
  // Own keys only: an event named "valueOf" or "__proto__" must not reach Object.prototype.
  return Object.hasOwn(payloadByEvent, base) ? base : undefined;
}

const payloads: Record<string, z.ZodType> = {
  ...payloadByEvent,
  automation_conversation: conversationEvent,
};

/** A body: its `event` names the payload schema the whole body must also pass (`payloadName`). */
export const chatwootBody = z
  .looseObject({
    event: z.string({ error: 'must be the event name, a string such as "message_created"' }),
  })
  .check(
    dispatchCheck<{ event: string; message_type?: unknown }>({
      pick: payloadName,
      names: Object.keys(payloads),
      schema: (name) => payloads[name] as z.ZodType,
      unknown: (body, ctx) =>
        ctx.addIssue({
          code: "custom",
          path: ["event"],
          message: `unknown event "${body.event.slice(0, 100)}"; expected one of ${knownEvents.join(", ")} (optionally prefixed with "automation_event.")`,
        }),
    }),
  );
