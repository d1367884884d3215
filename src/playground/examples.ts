import chatwootStatus from "../../test/fixtures/chatwoot/conversation-status-changed/source.json";
import chatwootAgentReply from "../../test/fixtures/chatwoot/message-created-agent-reply/source.json";
import chatwootImage from "../../test/fixtures/chatwoot/message-created-image-attachment/source.json";
import chatwootMessage from "../../test/fixtures/chatwoot/message-created-incoming/source.json";
import chatwootPrivateNote from "../../test/fixtures/chatwoot/message-created-private-note/source.json";
import dottedClosed from "../../test/fixtures/dotted/conversation-update-closed/source.json";
import dottedMessage from "../../test/fixtures/dotted/message-create-contact-chat/source.json";
import hooryMessage from "../../test/fixtures/hoory/message-created/source.json";
import onehashLegacy from "../../test/fixtures/onehash/message-created-legacy-sample/source.json";
import supporthuntBatch from "../../test/fixtures/supporthunt/batch-text-button-note/source.json";
import supporthuntButtons from "../../test/fixtures/supporthunt/message-button/source.json";
import supporthuntText from "../../test/fixtures/supporthunt/message-text/source.json";
import telegramPhoto from "../../test/fixtures/telegram/message-photo-caption/source.json";
import whatsappBatch from "../../test/fixtures/whatsapp/batch-entries-changes/source.json";

/** Shipped example payloads the playground offers (the same files the golden tests use). */
export const examples = [
  {
    id: "chatwoot-message",
    title: "Chatwoot: contact message",
    format: "chatwoot",
    body: chatwootMessage,
  },
  {
    id: "chatwoot-agent-reply",
    title: "Chatwoot: agent reply",
    format: "chatwoot",
    body: chatwootAgentReply,
  },
  {
    id: "chatwoot-private-note",
    title: "Chatwoot: private note",
    format: "chatwoot",
    body: chatwootPrivateNote,
  },
  {
    id: "chatwoot-image",
    title: "Chatwoot: message with an image",
    format: "chatwoot",
    body: chatwootImage,
  },
  {
    id: "chatwoot-status",
    title: "Chatwoot: conversation resolved",
    format: "chatwoot",
    body: chatwootStatus,
  },
  {
    id: "hoory-message",
    title: "Hoory: message (documented shape)",
    format: "hoory",
    body: hooryMessage,
  },
  {
    id: "onehash-legacy",
    title: "OneHash Chat: documented legacy sample",
    format: "onehash",
    body: onehashLegacy,
  },
  {
    id: "supporthunt-text",
    title: "Support Hunt: visitor text",
    format: "supporthunt",
    body: supporthuntText,
  },
  {
    id: "supporthunt-buttons",
    title: "Support Hunt: bot buttons",
    format: "supporthunt",
    body: supporthuntButtons,
  },
  {
    id: "supporthunt-batch",
    title: "Support Hunt: batch of three events",
    format: "supporthunt",
    body: supporthuntBatch,
  },
  {
    id: "dotted-message",
    title: "Dotted: contact chat message",
    format: "dotted",
    body: dottedMessage,
  },
  {
    id: "dotted-closed",
    title: "Dotted: conversation closed",
    format: "dotted",
    body: dottedClosed,
  },
  {
    id: "telegram-photo",
    title: "Telegram: photo with a caption",
    format: "telegram",
    body: telegramPhoto,
  },
  {
    id: "whatsapp-batch",
    title: "WhatsApp: messages and statuses of two business accounts in one post",
    format: "whatsapp",
    body: whatsappBatch,
  },
];
