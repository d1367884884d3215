import { z } from "zod";
import { dispatchCheck } from "../../fastcheck/dispatch.ts";

/**
 * The WhatsApp Cloud API webhook (Meta's Graph webhook for a WhatsApp Business Account):
 * `{object: "whatsapp_business_account", entry: [{id, changes: [{field, value}]}]}`. A `messages`
 * change's value holds `metadata` (the business number), `contacts`, and `messages` (what users
 * sent), `statuses` (what became of the business's messages) or `errors`.
 *
 * Written from Meta's webhook reference (mappings/whatsapp/README.md has the facts). Objects are
 * loose: Meta adds fields, and mappings may read them. A message of a known type must carry the
 * object its type names (`type: "image"` → `image: {id, ...}`), reported at its path; a type
 * Meta adds later is accepted as it is.
 */

const text = z.string().nullish();
/** Meta writes unix seconds as a string ("1749416383"); a number is read too. */
const timestamp = z.union([z.string().regex(/^\d+$/), z.number().int().nonnegative()], {
  error: 'must be unix seconds, as a string of digits ("1749416383")',
});

const media = z.looseObject({ id: z.string(), mime_type: text, sha256: text, caption: text });

const contactCard = z.looseObject({
  name: z.looseObject({ formatted_name: text, first_name: text, last_name: text }).nullish(),
  phones: z.array(z.looseObject({ phone: text, wa_id: text, type: text })).nullish(),
  emails: z.array(z.looseObject({ email: text, type: text })).nullish(),
  org: z.looseObject({ company: text }).nullish(),
});

/** Each message type Meta documents and the object it carries under its own name. */
const messageBodies = {
  text: z.looseObject({ body: z.string() }),
  image: media,
  audio: media.extend({ voice: z.boolean().nullish() }),
  video: media,
  document: media.extend({ filename: text }),
  sticker: media.extend({ animated: z.boolean().nullish() }),
  location: z.looseObject({
    latitude: z.number(),
    longitude: z.number(),
    name: text,
    address: text,
    url: text,
  }),
  contacts: z.array(contactCard).min(1),
  reaction: z.looseObject({ message_id: z.string(), emoji: text }),
  interactive: z.looseObject({
    type: z.string(),
    button_reply: z.looseObject({ id: z.string(), title: z.string() }).nullish(),
    list_reply: z.looseObject({ id: z.string(), title: z.string(), description: text }).nullish(),
  }),
  button: z.looseObject({ payload: text, text: z.string() }),
} as const;
export const messageTypes = Object.keys(messageBodies);
/** The schema a message of `type` must also pass: its object; any other type ("other"): none. */
const bodyOf = (type: string): z.ZodType =>
  type in messageBodies
    ? z.looseObject({ [type]: messageBodies[type as keyof typeof messageBodies] })
    : z.looseObject({});
/** A name as Meta writes them (`text`, `button_reply`, `smb_message_echoes`): no free text. */
const name = (what: string) =>
  z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, {
    error: `must be ${what}: lower-case letters, digits and _ (at most 64)`,
  });

/** `{code, title, message, error_data: {details}}`: why a message is unsupported or failed. */
export const whatsappError = z.looseObject({
  code: z.number().int().nullish(),
  title: text,
  message: text,
  error_data: z.looseObject({ details: text }).nullish(),
});

const messageFields = {
  from: z.string(),
  id: z.string(),
  timestamp,
  type: name('a message type such as "text" or "image"'),
  context: z.looseObject({ from: text, id: text }).nullish(),
  errors: z.array(whatsappError).nullish(),
};
const typedBody = () =>
  dispatchCheck<{ type: string }>({
    pick: (message) => (messageTypes.includes(message.type) ? message.type : "other"),
    names: [...messageTypes, "other"],
    schema: bodyOf,
  });

/** A message a user sent (`value.messages[]`). */
export const whatsappMessage = z.looseObject(messageFields).check(typedBody());
/** A message the business sent from the WhatsApp Business app (`value.message_echoes[]`): `from` the business, `to` the user. */
export const whatsappEcho = z.looseObject({ ...messageFields, to: z.string() }).check(typedBody());

export const statusNames = ["sent", "delivered", "read", "failed"] as const;
export const whatsappStatus = z.looseObject({
  id: z.string(),
  // Meta documents four; a value it adds later (deleted, played...) is kept and skipped.
  status: name('a status such as "sent" or "read"'),
  timestamp,
  recipient_id: z.string(),
  errors: z.array(whatsappError).nullish(),
});

export const whatsappValue = z.looseObject({
  messaging_product: z.string().nullish(),
  metadata: z.looseObject({ display_phone_number: text, phone_number_id: z.string() }).nullish(),
  contacts: z
    .array(z.looseObject({ wa_id: z.string(), profile: z.looseObject({ name: text }).nullish() }))
    .nullish(),
  messages: z.array(whatsappMessage).nullish(),
  message_echoes: z.array(whatsappEcho).nullish(),
  statuses: z.array(whatsappStatus).nullish(),
  errors: z.array(whatsappError).nullish(),
});

export const whatsappBody = z.looseObject({
  object: z.literal("whatsapp_business_account", {
    error: 'must be "whatsapp_business_account" (a WhatsApp Cloud API webhook)',
  }),
  entry: z
    .array(
      z.looseObject({
        id: z.string(),
        changes: z.array(
          z.looseObject({
            field: name('a webhook field such as "messages"'),
            value: whatsappValue,
          }),
        ),
      }),
    )
    .min(1, { error: "must hold at least one entry" }),
});
export type WhatsappBody = z.infer<typeof whatsappBody>;
export type WhatsappValue = z.infer<typeof whatsappValue>;
