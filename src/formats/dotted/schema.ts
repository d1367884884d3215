import { z } from "zod";
import { dispatchCheck } from "../../fastcheck/dispatch.ts";

/**
 * The dotted-topic wire format (Web1on1 / ChatShipper): an envelope
 * `{id, event, timestamp, organization, activity, data}` whose `event` is a dotted topic.
 * The topic decides what `data` must hold: message events `data.message` and `data.conversation`,
 * user events `data.user`, resource events `data.<resource>`. Everything else is tolerated and
 * kept (loose objects), so mappings may read what the platform adds.
 */

export const conversationTypes = ["contact", "bot", "agent", "system"] as const;

export const messageTypes = [
  "chat",
  "card",
  "mention",
  "postback",
  "tag",
  "search",
  "command",
  "form",
  "field",
  "results",
  "report",
  "status",
] as const;

/** The message events besides `message.create.<conversation type>.<message type>`. */
export const messageActions = ["update", "delete", "error"] as const;

export const userActions = [
  "create",
  "invite",
  "accept",
  "update",
  "delete",
  "login",
  "logout",
  "subscribe",
  "unsubscribe",
  "error",
] as const;

const crud = ["create", "update", "delete"] as const;

/** Resource → the actions it has events for (`service.error`, `contact.merge`...). */
export const resourceActions: Record<string, readonly string[]> = {
  bot: crud,
  botinstance: crud,
  conversation: [...crud, "merge"],
  organization: crud,
  contact: [...crud, "merge"],
  service: [...crud, "error"],
  channel: crud,
  form: crud,
  workflow: crud,
  article: crud,
  event: crud,
  file: crud,
};

type ConversationType = (typeof conversationTypes)[number];
type MessageType = (typeof messageTypes)[number];

/** A dotted topic taken apart. */
export type Topic =
  | {
      kind: "message";
      action: "create" | (typeof messageActions)[number];
      conversationType?: ConversationType;
      messageType?: MessageType;
    }
  | { kind: "user"; action: string }
  | { kind: "resource"; resource: string; action: string };

const isOneOf = <T extends string>(list: readonly T[], value: string | undefined): value is T =>
  value !== undefined && (list as readonly string[]).includes(value);

/** The platform's topics read so far (a few hundred at most: others are not kept). */
const topics = new Map<string, Topic>();

/** Reads a dotted topic; undefined when it is not one the platform sends. */
export function parseTopic(event: string): Topic | undefined {
  let topic = topics.get(event);
  if (!topic) {
    topic = readTopic(event);
    if (topic) topics.set(event, topic);
  }
  return topic;
}

function readTopic(event: string): Topic | undefined {
  const parts = event.split(".");
  const [head, action, conversationType, messageType] = parts;
  if (head === "message") {
    if (parts.length === 4 && action === "create")
      return isOneOf(conversationTypes, conversationType) && isOneOf(messageTypes, messageType)
        ? { kind: "message", action, conversationType, messageType }
        : undefined;
    return parts.length === 2 && isOneOf(messageActions, action)
      ? { kind: "message", action }
      : undefined;
  }
  if (parts.length !== 2 || head === undefined || action === undefined) return undefined;
  if (head === "user") return isOneOf(userActions, action) ? { kind: "user", action } : undefined;
  const actions = Object.hasOwn(resourceActions, head) ? resourceActions[head] : undefined;
  return actions && isOneOf(actions, action)
    ? { kind: "resource", resource: head, action }
    : undefined;
}

/** Every topic the platform sends, in the document's order. */
export const allTopics: readonly string[] = [
  ...conversationTypes.flatMap((conversation) =>
    messageTypes.map((message) => `message.create.${conversation}.${message}`),
  ),
  ...messageActions.map((action) => `message.${action}`),
  ...userActions.map((action) => `user.${action}`),
  ...Object.entries(resourceActions).flatMap(([resource, actions]) =>
    actions.map((action) => `${resource}.${action}`),
  ),
];

const expectedTopics = [
  `message.create.<${conversationTypes.join("|")}>.<${messageTypes.join("|")}>`,
  `message.<${messageActions.join("|")}>`,
  `user.<${userActions.join("|")}>`,
  ...Object.entries(resourceActions).map(
    ([resource, actions]) => `${resource}.<${actions.join("|")}>`,
  ),
].join(", ");

/** True for a string that is one of the platform's dotted topics. */
export const isTopic = (event: unknown): event is string =>
  typeof event === "string" && parseTopic(event) !== undefined;

const time = z.iso.datetime({
  offset: true,
  error: 'must be an ISO-8601 time such as "2018-12-19T19:09:01.607Z"',
});
const id = z.string({ error: "must be an id (a string)" }).min(1, "must not be empty");
const text = z.string().nullish();
const meta = z.record(z.string(), z.unknown(), { error: "must be an object" }).nullish();

const message = z.looseObject(
  {
    id: id.nullish(),
    conversation: id.nullish(),
    organization: id.nullish(),
    type: z.enum(messageTypes, { error: `must be one of ${messageTypes.join(", ")}` }),
    role: z.enum(["contact", "agent", "bot"], { error: "must be contact, agent or bot" }),
    user: id.nullish(),
    text: z.string({ error: "must be the message text, a string or null" }).nullable(),
    isBackchannel: z.boolean({ error: "must be true or false" }).nullish(),
    touchpoint: text,
    meta,
    actions: z.array(z.looseObject({}), { error: "must be a list of actions" }).nullish(),
    createdAt: time.nullish(),
    updatedAt: time.nullish(),
  },
  { error: "must be the message object" },
);

const conversation = z.looseObject(
  {
    id: z.string({ error: "must be the conversation id (a string) or null" }).min(1).nullable(),
    organization: id.nullish(),
    type: z
      .enum(conversationTypes, { error: `must be one of ${conversationTypes.join(", ")}` })
      .nullish(),
    contact: id.nullish(),
    name: text,
    status: z.string({ error: "must be a status such as queued, active or closed" }).nullish(),
    participants: z
      .array(z.looseObject({ user: id.nullish(), role: text }), {
        error: "must be a list of participants",
      })
      .nullish(),
    meta,
    createdAt: time.nullish(),
    updatedAt: time.nullish(),
  },
  { error: "must be the conversation object" },
);

const resource = z.looseObject(
  { id: id.nullish(), meta, createdAt: time.nullish(), updatedAt: time.nullish() },
  { error: "must be the resource object" },
);

const links = z.record(z.string(), z.unknown(), { error: "must be an object of URLs" }).nullish();

/** The name of what `data` must hold for a topic: "message", "user" or the resource ("bot"...). */
const dataName = (topic: Topic): string =>
  topic.kind === "resource" ? topic.resource : topic.kind;

const dataNames = ["message", "user", ...Object.keys(resourceActions)];

const dataSchemas = new Map<string, z.ZodType>();

/** What `data` must hold, by `dataName` (built once per name: zod schemas are costly to make). */
function dataSchema(name: string): z.ZodType {
  let schema = dataSchemas.get(name);
  if (!schema) {
    schema = makeDataSchema(name);
    dataSchemas.set(name, schema);
  }
  return schema;
}

function makeDataSchema(name: string): z.ZodType {
  if (name === "message") return z.looseObject({ message, conversation, links });
  if (name === "user") return z.looseObject({ user: resource, channel: resource.nullish(), links });
  return z.looseObject({ [name]: name === "conversation" ? conversation : resource, links });
}

const activity = z.looseObject(
  {
    type: text,
    actor: z.looseObject({ id: text, type: text }).nullish(),
    object: z.looseObject({ id: text, type: text }).nullish(),
    published: time.nullish(),
    summary: text,
  },
  { error: "must be an ActivityStreams object" },
);

export const dottedBody = z
  .looseObject(
    {
      id: z.string({ error: "must be the id of this webhook call (a string)" }).min(1),
      event: z
        .string({
          error: 'must be the dotted topic, a string such as "message.create.contact.chat"',
        })
        .superRefine((event, ctx) => {
          if (!parseTopic(event))
            ctx.addIssue({
              code: "custom",
              message: `unknown event "${event.slice(0, 100)}"; expected ${expectedTopics}`,
            });
        }),
      // Always sent by the platform; null when we write an event whose source has no time.
      timestamp: time.nullable(),
      organization: id.nullish(),
      activity: activity.nullish(),
      data: z.looseObject({}, { error: "must be an object" }),
    },
    { error: "must be a dotted-topic envelope {id, event, timestamp, data}" },
  )
  .check(
    dispatchCheck<{ event: string }>({
      // An unknown topic is reported by `event`'s own check.
      pick: (body) => {
        const topic = parseTopic(body.event);
        return topic && dataName(topic);
      },
      names: dataNames,
      schema: dataSchema,
      at: ["data"],
    }),
  );
