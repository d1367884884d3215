import chatwootMessage from "../../test/fixtures/chatwoot/message-created-incoming/source.json";

/** Shipped example payloads the playground offers (the same files the golden tests use). */
export const examples = [
  {
    id: "chatwoot-message",
    title: "Chatwoot: contact message",
    format: "chatwoot",
    body: chatwootMessage,
  },
];
