/**
 * Hand-written TypeScript translations of single fixtures: the floor the JSONata mappings are
 * compared against. Each produces the same delivery bodies as the mappings for its fixture (the
 * bench checks equality once before timing). They handle only the shape of their fixture: they
 * show what the work costs when written by hand, not a second translator.
 */
import { spacedTime, uuid } from "../../src/translate/functions.ts";

export interface FloorDelivery {
  event: string;
  body: unknown;
}

export interface Floor {
  source: string;
  target: string;
  /** Fixture folder/name it reproduces. */
  fixture: string;
  translate(body: unknown): FloorDelivery[];
}

// biome-ignore lint/suspicious/noExplicitAny: hand-written code over raw JSON, as a developer would write it
type Json = any;

/** Support Hunt text message from a visitor → dotted `message.create.contact.chat`. */
function supporthuntToDotted(body: unknown): FloorDelivery[] {
  return (body as Json).events.map((e: Json) => {
    const at = new Date(`${e.timestamp.slice(0, 10)}T${e.timestamp.slice(11, 23)}Z`).toISOString();
    const canonicalId = `supporthunt:${e.conversation.id}:${e.timestamp}:${e.event.type}:${uuid(JSON.stringify(e.event.payload))}`;
    const organization = String(e.account.id);
    const conversation = String(e.conversation.id);
    const user = String(e.visitor.id);
    const event = "message.create.contact.chat";
    return {
      event,
      body: {
        id: uuid(canonicalId),
        event,
        timestamp: at,
        organization,
        activity: {
          "@context": "https://www.w3.org/ns/activitystreams",
          type: "Create",
          actor: { id: user, type: "Person" },
          object: { id: null, type: "Object" },
          published: at,
          summary: "Contact created a chat message",
        },
        data: {
          message: {
            id: null,
            conversation,
            organization,
            type: "chat",
            text: e.event.payload.message.text,
            role: "contact",
            user,
            isBackchannel: false,
            meta: {
              source: "supporthunt",
              sourcePayload: JSON.stringify({ bot: e.account.bot }),
            },
            createdAt: at,
          },
          conversation: {
            id: conversation,
            organization,
            type: "contact",
            contact: user,
            participants: [],
            meta: {},
          },
        },
      },
    };
  });
}

/** Message fields the canonical model carries; the others ride along in extra.dotted.message. */
const COVERED_MESSAGE_KEYS = new Set([
  "id",
  "conversation",
  "organization",
  "text",
  "role",
  "user",
  "meta",
  "actions",
  "items",
  "fields",
  "createdAt",
  "updatedAt",
]);

function without(object: Json, keys: ReadonlySet<string>): Json {
  const out: Json = {};
  for (const key of Object.keys(object)) if (!keys.has(key)) out[key] = object[key];
  return out;
}

/** Dotted `message.create.contact.chat` → Support Hunt batch with one visitor text message. */
function dottedToSupporthunt(body: unknown): FloorDelivery[] {
  const b = body as Json;
  const { message, conversation, links } = b.data;
  return [
    {
      event: "message",
      body: {
        events: [
          {
            event: {
              type: "message",
              payload: {
                message_by: { email: null, id: null, type: "visitor" },
                message: { type: "text", text: message.text },
                extra: {
                  dotted: {
                    message: without(message, COVERED_MESSAGE_KEYS),
                    conversation: { participants: conversation.participants },
                    data: { links },
                  },
                },
              },
            },
            conversation: { key: null, id: conversation.id },
            account: { key: null, id: b.organization, bot: { id: null } },
            visitor: { key: null, id: message.user },
            timestamp: spacedTime(b.timestamp),
          },
        ],
      },
    },
  ];
}

export const floors: Floor[] = [
  {
    source: "supporthunt",
    target: "dotted",
    fixture: "supporthunt/message-text",
    translate: supporthuntToDotted,
  },
  {
    source: "dotted",
    target: "supporthunt",
    fixture: "dotted/message-create-contact-chat",
    translate: dottedToSupporthunt,
  },
];
