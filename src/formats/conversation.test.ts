/**
 * Conversation keys (what an ordered route keeps in order): every fixture event of a
 * conversation has one, events of no conversation have none, the events of one conversation
 * share it whatever their kind, and no input makes a key function throw.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fixtures } from "../../test/fixtures.ts";
import { chatwootConversation } from "./chatwoot/conversation.ts";
import { MAX_CONVERSATION_KEY } from "./conversation.ts";
import { dottedConversation } from "./dotted/conversation.ts";
import { findFormat, formats } from "./index.ts";
import { supporthuntConversation } from "./supporthunt/conversation.ts";

/**
 * Event names that belong to no conversation (contacts, inboxes, the widget, resources; Telegram
 * updates that name no chat: inline queries, payments, polls, business connections...).
 */
const NO_CONVERSATION =
  /^((contact|inbox|webwidget|channel(?!_post)|service|user|organization|form|resource|bot|botinstance|workflow|article|event|file|team|tag|field|template|account)[._]|(business_connection|chosen_inline_result|inline_query|managed_bot|poll|poll_answer|pre_checkout_query|purchased_paid_media|shipping_query|subscription)$)/;

describe("conversation keys of the fixtures", () => {
  for (const fixture of fixtures) {
    const format = findFormat(fixture.format);
    if (!format.ok) continue;
    const events = format.value.events(fixture.body);
    it(`${fixture.format}/${fixture.name}`, () => {
      for (const event of events) {
        const key = format.value.conversation?.(event);
        const base = (event.dispatch ?? event.name).replace("automation_event.", "");
        if (NO_CONVERSATION.test(base)) expect(key, base).toBeUndefined();
        else expect(key, base).toMatch(/^[^:]+:.+$/);
      }
    });
  }

  it("gives a Support Hunt batch about one conversation one key", () => {
    const batch = fixtures.find(
      (f) => f.format === "supporthunt" && f.name === "batch-one-conversation-every-event",
    );
    const format = findFormat("supporthunt");
    if (!batch || !format.ok) throw new Error("fixture missing");
    const keys = new Set(format.value.events(batch.body).map(supporthuntConversation));
    expect(keys.size).toBe(1);
  });
});

const id = fc.oneof(fc.integer({ min: 1, max: 1e9 }), fc.stringMatching(/^[a-z0-9]{1,24}$/));

describe("conversation key properties", () => {
  it("Chatwoot: a message, its conversation's events and typing share the key; other ids differ", () => {
    fc.assert(
      fc.property(id, id, id, (account, conversation, other) => {
        const accountObject = { id: account, name: "Acme" };
        const message = chatwootConversation({
          name: "message_created",
          dispatch: "message_created",
          payload: {
            account: accountObject,
            message_type: "incoming",
            conversation: { display_id: conversation, id: 99_999 },
          },
        });
        const changed = chatwootConversation({
          name: "conversation_status_changed",
          payload: { account: accountObject, id: conversation, messages: [] },
        });
        const typing = chatwootConversation({
          name: "conversation_typing_on",
          payload: { conversation: { id: conversation, account: accountObject } },
        });
        const automation = chatwootConversation({
          name: "automation_event.message_created",
          dispatch: "message_created",
          payload: { account: accountObject, id: conversation, messages: [{}] },
        });
        expect(message).toBeDefined();
        expect(new Set([message, changed, typing, automation]).size).toBe(1);
        const elsewhere = chatwootConversation({
          name: "message_created",
          payload: {
            account: accountObject,
            message_type: "incoming",
            conversation: { id: other },
          },
        });
        expect(elsewhere === message).toBe(String(other) === String(conversation));
      }),
    );
  });

  it("dotted: a message and its conversation's events share the key", () => {
    fc.assert(
      fc.property(id, id, (organization, conversation) => {
        const message = dottedConversation({
          name: "message.create.contact.chat",
          payload: { organization, data: { conversation: { id: conversation }, message: {} } },
        });
        const deleted = dottedConversation({
          name: "message.delete",
          payload: { organization, data: { message: { conversation } } },
        });
        expect(message).toBeDefined();
        expect(deleted).toBe(message);
      }),
    );
  });

  it("never throws and keeps keys short, whatever the payload", () => {
    const names = fc.constantFrom(
      "message_created",
      "conversation_updated",
      "conversation_typing_on",
      "automation_event.message_created",
      "message",
      "message.create.contact.chat",
      "contact_created",
    );
    fc.assert(
      fc.property(names, fc.anything(), (name, payload) => {
        for (const format of formats) {
          const key = format.conversation?.({ name, payload });
          if (key !== undefined) {
            expect(typeof key).toBe("string");
            expect(key.length).toBeLessThanOrEqual(MAX_CONVERSATION_KEY);
          }
        }
      }),
    );
    expect(
      supporthuntConversation({
        name: "message",
        payload: { conversation: { key: "x".repeat(500) } },
      })?.length,
    ).toBe(MAX_CONVERSATION_KEY);
  });
});
