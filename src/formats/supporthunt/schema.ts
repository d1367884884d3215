import { z } from "zod";
import { LIMITS } from "../../limits/index.ts";

/**
 * The Support Hunt wire format: a batch `{"events": [...]}` of events, each
 * `{event: {type, payload}, conversation, account, visitor, timestamp}`.
 *
 * Accepts what the events document shows, including its mixed id types: `message_by.id` is a
 * string or null, `assigned_to_user.id` is the string "8181", envelope ids are integers.
 * Unknown keys are kept (mappings may read them). An unknown event type or message subtype is an
 * error at its path (`events.0.event.type`, `events.0.event.payload.message.type`) that lists the
 * known values.
 */

const id = z.union([z.number().int(), z.string()], {
  error: "must be an id (an integer or a string)",
});
const text = z.string().nullish();
/** `"2023-09-01 14:13:32.141788"` (UTC); ISO-8601 is read too. */
const time = z
  .string({ error: 'must be a time "YYYY-MM-DD HH:MM:SS.ffffff" (UTC)' })
  .regex(/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/, {
    error: 'must be a time "YYYY-MM-DD HH:MM:SS.ffffff" (UTC)',
  });

/** Who did something: `{email, id, type}`; `type` is visitor, user (a human agent) or bot. */
const party = z.looseObject({ email: text, id: id.nullish(), type: text });

export const authorTypes = ["visitor", "user", "bot"] as const;
const author = party.extend({
  type: z.enum(authorTypes, {
    error: `must be the author type: ${authorTypes.join(", ")}`,
  }),
});

/** `[{type, name, value}]`: conversation or contact variables. */
const variables = z.array(
  z.looseObject({ type: text, name: z.string(), value: z.unknown().optional() }),
);
/** `{"¿·name·?": value}`: variables set by a script or an integration. */
const variableValues = z.record(z.string(), z.unknown());

const file = z.looseObject({ link: z.string(), mime_type: text, file_name: text });
const media = z.looseObject({ payload: file });

/** Each message subtype (`message.type`) and the shape of its `payload`. */
const messageTypes = {
  text: z.looseObject({ text: z.string() }),
  image: media,
  audio: media,
  video: media,
  document: media,
  form: z.looseObject({
    payload: z.looseObject({
      message: text,
      fields: z.array(
        z.looseObject({
          label: text,
          type: text,
          variable: text,
          is_optional: z.boolean().nullish(),
        }),
      ),
    }),
  }),
  file_upload: z.looseObject({
    payload: z.looseObject({
      title: text,
      allow_extensions: z.array(z.string()).nullish(),
      // The document's example carries a sentence here, so any scalar is accepted.
      max_file_size_in_kb: z.union([z.number(), z.string()]).nullish(),
      upload_file_limit: z.union([z.number(), z.string()]).nullish(),
      error_message: z.record(z.string(), z.unknown()).nullish(),
    }),
  }),
  calendar: z.looseObject({
    payload: z.looseObject({
      title: text,
      auto_open: z.boolean().nullish(),
      validation: z.looseObject({}).nullish(),
    }),
  }),
  list: z.looseObject({
    payload: z.looseObject({
      header: z.looseObject({ type: text, text }).nullish(),
      footer: text,
      title: text,
      list: z.looseObject({
        title: text,
        sections: z.array(
          z.looseObject({
            title: text,
            items: z.array(
              z.looseObject({ title: z.string(), description: text, next_dialog: id.nullish() }),
            ),
          }),
        ),
      }),
    }),
  }),
  javascript: z.looseObject({
    payload: z.looseObject({ script: z.string(), execute_at: text }),
  }),
  button: z.looseObject({
    payload: z.looseObject({
      title: text,
      search_enabled: z.boolean().nullish(),
      multi_select_enabled: z.boolean().nullish(),
      buttons_layout: text,
      buttons_order: text,
      buttons: z.array(
        z.looseObject({ title: z.string(), type: text, callback: text, next_dialog: id.nullish() }),
      ),
    }),
  }),
  carousel: z.looseObject({
    payload: z.looseObject({
      title: text,
      items: z.array(z.looseObject({ image: text, action: z.unknown().optional() })),
    }),
  }),
  slider: z.looseObject({
    payload: z.looseObject({
      title: text,
      min: z.union([z.number(), z.string()]).nullish(),
      max: z.union([z.number(), z.string()]).nullish(),
      step: z.union([z.number(), z.string()]).nullish(),
      unit: z.looseObject({}).nullish(),
    }),
  }),
  appointment_booking: z.looseObject({
    payload: z.looseObject({
      event_id: id.nullish(),
      title: text,
      duration: z.looseObject({ label: text, value: z.unknown().optional() }).nullish(),
    }),
  }),
  "calendly.response": z.looseObject({ payload: z.looseObject({ variables: variableValues }) }),
  "javascript.response": z.looseObject({ payload: z.looseObject({ variables: variableValues }) }),
  "slider.response": z.looseObject({
    payload: z.looseObject({ value: z.union([z.number(), z.string()]), text }),
  }),
  "appointment_booking.response": z.looseObject({
    payload: z.looseObject({
      event_id: id.nullish(),
      is_booking_confirmed: z.boolean().nullish(),
      is_booking_failed: z.boolean().nullish(),
      event_name: text,
      visitor_timezone: text,
      variables: variables.nullish(),
    }),
  }),
  "button.response": z.looseObject({
    payload: z.looseObject({ body: z.string(), callback: z.unknown().optional() }),
  }),
  "form.response": z.looseObject({
    payload: z.looseObject({
      fields: z.array(
        z.looseObject({ label: text, variable: text, type: text, value: z.unknown().optional() }),
      ),
    }),
  }),
  "file_upload.response": z.looseObject({
    payload: z.looseObject({ type: text, payload: file }),
  }),
} as const;

export const messageSubtypes = Object.keys(messageTypes);

/** A discriminated union over `type` whose unknown-type error lists the known values. */
function byType(what: string, shapes: Record<string, z.ZodObject>) {
  const known = Object.keys(shapes);
  const options = Object.entries(shapes).map(([type, shape]) =>
    z.looseObject({ type: z.literal(type), ...shape.shape }),
  );
  return z.discriminatedUnion("type", options as unknown as [z.ZodObject, ...z.ZodObject[]], {
    error: (issue) => {
      if (issue.code !== "invalid_union") return undefined;
      const type = (issue.input as { type?: unknown } | undefined)?.type;
      const found =
        type === undefined
          ? `no ${what}`
          : `unknown ${what} ${JSON.stringify(type)?.slice(0, 100)}`;
      return `${found}; expected one of ${known.join(", ")}`;
    },
  });
}

/** Each event type (`event.type`) and the shape of its `payload`. */
const eventTypes = {
  conversation_create: z.looseObject({
    payload: z.looseObject({
      assigned_to_user: party.nullish(),
      created_at: time.nullish(),
      title: text,
      bot_id: id.nullish(),
      channel: z
        .looseObject({ name: z.unknown().optional(), provider: z.unknown().optional() })
        .nullish(),
      is_new_visitor: z.boolean().nullish(),
      is_closed: z.union([z.literal(0), z.literal(1), z.boolean()]).nullish(),
      external_key: text,
      browser: text,
      variables: variables.nullish(),
    }),
  }),
  message: z.looseObject({
    payload: z.looseObject({
      message_by: author,
      message: byType("message type", messageTypes),
    }),
  }),
  status: z.looseObject({
    payload: z.looseObject({
      closed_by: party.nullish(),
      status: z.enum(["Close", "Open"], { error: 'must be "Close" or "Open"' }),
    }),
  }),
  assignee_change: z.looseObject({
    payload: z.looseObject({
      changed_by: party.nullish(),
      to: party.nullish(),
      from: party.nullish(),
    }),
  }),
  variables: z.looseObject({
    payload: z.looseObject({ action_performed_by: party.nullish(), variables }),
  }),
  conversation_labels: z.looseObject({
    payload: z.looseObject({
      action_performed_by: party.nullish(),
      action: z.enum(["added", "deleted"], { error: 'must be "added" or "deleted"' }),
      labels: z.array(z.looseObject({ id })),
    }),
  }),
  note: z.looseObject({
    payload: z.looseObject({ note_by: party.nullish(), note: z.string() }),
  }),
} as const;

export const eventNames = Object.keys(eventTypes);

/** One element of `events`. */
export const supporthuntEvent = z.looseObject({
  event: byType("event type", eventTypes),
  conversation: z.looseObject({ key: text, id: id.nullish() }),
  account: z.looseObject({
    key: text,
    id: id.nullish(),
    bot: z.looseObject({ id: id.nullish() }).nullish(),
  }),
  visitor: z.looseObject({ key: text, id: id.nullish() }),
  timestamp: time.nullable(),
});

/**
 * A whole POST body. `events` may be empty and a `token` may ride along (the test POST sent when
 * events are enabled); a body without `events` is the handshake alone, which is not translated.
 */
export const supporthuntBody = z.looseObject({
  // The batch size is checked before any event is read, so an oversized batch costs nothing.
  events: z
    .array(z.unknown(), {
      error:
        'must be the array of events ({"events": [...]}); a test POST carrying only a token is answered by the receiving endpoint, not translated',
    })
    .max(LIMITS.batchEvents, {
      error: `at most ${LIMITS.batchEvents} events in one batch: send larger batches in parts`,
    })
    .pipe(z.array(supporthuntEvent)),
  token: z.union([z.string(), z.number()]).nullish(),
});

export type SupporthuntBody = z.infer<typeof supporthuntBody>;
