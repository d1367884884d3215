import type { CanonicalEvent } from "./index.ts";

/**
 * Canonical events a route's test send can use (`POST /routes/:name/test {"sample": "message"}`):
 * made-up people and ids, every timestamp the same, nothing from real traffic.
 */
const at = "2026-01-15T10:00:00.000Z";
const contact = { id: 9001, name: "Test Contact", email: "test.contact@example.com" };
const account = { id: 1, name: "Test account" };
const inbox = { id: 1, name: "Test inbox" };
const conversation = {
  id: 4242,
  status: "open" as const,
  type: "contact" as const,
  channel: "api",
  inboxId: 1,
  createdAt: at,
  updatedAt: at,
};

export const SAMPLES = {
  /** A contact's text message. */
  message: {
    kind: "message.created",
    id: "sample:message",
    source: { format: "sample", event: "message.created" },
    occurredAt: at,
    account,
    inbox,
    conversation,
    contact,
    message: {
      id: 77001,
      text: "This is a test message from the webhook translator.",
      direction: "incoming",
      author: { role: "contact", id: contact.id, name: contact.name },
      private: false,
      contentType: "text",
      attachments: [],
      createdAt: at,
    },
  },
  /** A conversation resolved by an agent. */
  conversation: {
    kind: "conversation.status_changed",
    id: "sample:conversation",
    source: { format: "sample", event: "conversation.status_changed" },
    occurredAt: at,
    account,
    inbox,
    actor: { role: "agent", id: 5, name: "Test Agent" },
    conversation: { ...conversation, status: "resolved" },
    contact,
    changes: [{ field: "status", from: "open", to: "resolved" }],
  },
  /** A new contact. */
  contact: {
    kind: "contact.created",
    id: "sample:contact",
    source: { format: "sample", event: "contact.created" },
    occurredAt: at,
    account,
    contact,
  },
} satisfies Record<string, CanonicalEvent>;

export type SampleName = keyof typeof SAMPLES;
export const SAMPLE_NAMES = Object.keys(SAMPLES) as SampleName[];
