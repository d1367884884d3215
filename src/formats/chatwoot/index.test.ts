import { describe, expect, it } from "vitest";
import { fixtures } from "../../../test/fixtures.ts";
import type { CanonicalEvent } from "../../canonical/index.ts";
import { fromCanonical, translate } from "../../translate/index.ts";
import { chatwootFamily } from "./index.ts";
import { baseEvent, chatwootBody } from "./schema.ts";

type Body = Record<string, unknown> & { event: string };
// biome-ignore lint/suspicious/noExplicitAny: the tests walk translated JSON freely.
type Json = Record<string, any>;

const family = chatwootFamily.map((format) => format.id);
const familyFixtures = fixtures.filter((fixture) => family.includes(fixture.format));
const byId = (id: string) => {
  const format = chatwootFamily.find((candidate) => candidate.id === id);
  if (!format) throw new Error(`no format ${id}`);
  return format;
};
const fixture = (format: string, name: string) => {
  const found = familyFixtures.find((f) => f.format === format && f.name === name);
  if (!found) throw new Error(`no fixture ${format}/${name}`);
  return found.body as Body;
};

async function deliveries(source: string, target: string, body: unknown) {
  const result = await translate(source, target, body, { trace: true });
  if (!result.ok) throw new Error(JSON.stringify(result.error));
  return result.value;
}

const seconds = (t: unknown) => Math.floor(Date.parse(String(t)) / 1000);

describe("Chatwoot-family schema", () => {
  it("has fixtures for every member", () => {
    for (const id of family)
      expect(
        familyFixtures.some((f) => f.format === id),
        id,
      ).toBe(true);
  });

  it.each(familyFixtures.map((f) => [`${f.format}/${f.name}`, f.body]))(
    "accepts %s",
    (_name, body) => {
      const parsed = chatwootBody.safeParse(body);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    },
  );

  it("names the field of a wrong type", () => {
    const body = { ...fixture("chatwoot", "message-created-incoming"), message_type: "sideways" };
    const parsed = chatwootBody.safeParse(body);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path.join("."))).toContain("message_type");
  });

  it("names nested fields", () => {
    const body = fixture("chatwoot", "conversation-updated-assignee");
    const parsed = chatwootBody.safeParse({ ...body, status: "closed", labels: "vip" });
    const paths = parsed.error?.issues.map((i) => i.path.join("."));
    expect(paths).toEqual(expect.arrayContaining(["status", "labels"]));
    const message = fixture("chatwoot", "message-created-incoming");
    const noConversationId = chatwootBody.safeParse({
      ...message,
      conversation: { status: "open" },
    });
    expect(noConversationId.error?.issues.map((i) => i.path.join("."))).toContain("conversation");
  });

  it("rejects unknown events and says which are known", () => {
    const parsed = chatwootBody.safeParse({ event: "conversation_exploded", id: 1 });
    expect(parsed.success).toBe(false);
    const issue = parsed.error?.issues[0];
    expect(issue?.path).toEqual(["event"]);
    expect(issue?.message).toContain("message_created");
  });

  it("reads automation_event.<event> as <event>, and its conversation payload", () => {
    expect(baseEvent("automation_event.message_created")).toBe("message_created");
    expect(chatwootBody.safeParse(fixture("chatwoot", "automation-message-created")).success).toBe(
      true,
    );
  });
});

describe("Chatwoot-family translation", () => {
  const roundTrips = familyFixtures.filter((f) => f.format !== "onehash");

  it.each(roundTrips.map((f) => [`${f.format}/${f.name}`, f]))(
    "%s → canonical → itself keeps event, text, direction, conversation id and time",
    async (_name, f) => {
      const body = f.body as Json;
      const out = await deliveries(f.format, f.format, body);
      expect(out.skipped).toEqual([]);
      const [delivery] = out.deliveries;
      const sent = delivery?.body as Json;
      // A macro's webhook carries the conversation: Chatwoot's own event for it is conversation_updated.
      const event =
        body.event === "macro.executed" ? "conversation_updated" : baseEvent(body.event);
      expect(delivery?.event).toBe(event);
      expect(sent.event).toBe(delivery?.event);
      if ("message_type" in body) {
        expect(sent.content).toBe(body.content ?? null);
        const direction = (t: unknown) => (t === "incoming" || t === 0 ? "incoming" : "outgoing");
        expect(direction(sent.message_type)).toBe(direction(body.message_type));
        expect(sent.conversation.id).toBe(body.conversation.id);
        const sourceSeconds =
          typeof body.created_at === "number" ? body.created_at : seconds(body.created_at);
        expect(seconds(sent.created_at)).toBe(sourceSeconds);
        expect(sent.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      } else if (body.event.includes("conversation_") && !body.event.includes("typing")) {
        expect(sent.id).toBe(body.id);
        expect(sent.status).toBe(body.status);
        if (typeof body.updated_at === "number")
          expect(Math.floor(sent.updated_at)).toBe(Math.floor(body.updated_at));
        expect(sent.timestamp).toBe(body.timestamp);
      }
    },
  );

  it("reads automation_event.conversation_created as conversation_created", async () => {
    const out = await deliveries(
      "chatwoot",
      "chatwoot",
      fixture("chatwoot", "automation-conversation-created"),
    );
    expect(out.trace?.[0]?.canonical?.kind).toBe("conversation.created");
    expect(out.deliveries[0]?.event).toBe("conversation_created");
  });

  it("reads automation_event.message_created (a conversation) as its last message", async () => {
    const out = await deliveries(
      "chatwoot",
      "chatwoot",
      fixture("chatwoot", "automation-message-created"),
    );
    const canonical = out.trace?.[0]?.canonical;
    expect(canonical?.kind).toBe("message.created");
    expect(canonical?.message?.id).toBe(654);
    expect(canonical?.message?.direction).toBe("incoming");
  });

  it("emits OneHash's legacy sample in the 4.2 wire format: integer ids, ISO times", async () => {
    const out = await deliveries(
      "onehash",
      "onehash",
      fixture("onehash", "message-created-legacy-sample"),
    );
    const sent = out.deliveries[0]?.body as Json;
    expect(sent.id).toBe(1);
    expect(sent.account.id).toBe(1);
    expect(sent.conversation.id).toBe(1);
    expect(sent.sender.id).toBe(1);
    expect(sent.created_at).toBe("2020-03-03T13:05:57.000Z");
    expect(sent.content_type).toBe("text");
    expect(sent.conversation).not.toHaveProperty("account");
    expect(sent.conversation.meta).not.toHaveProperty("assignee_type");
  });

  it("emits the 4.15 conversation (account, meta.assignee_type) for the others", async () => {
    const body = fixture("chatwoot", "conversation-updated-assignee");
    for (const target of ["chatwoot", "hoory", "messagehub"]) {
      const sent = (await deliveries("chatwoot", target, body)).deliveries[0]?.body as Json;
      expect(sent.account).toEqual({ id: 1, name: "Acme Inc" });
      expect(sent.meta.assignee_type).toBe("User");
      expect(sent.changed_attributes[0]).toEqual({
        assignee_id: { previous_value: null, current_value: 1 },
      });
    }
    const old = (await deliveries("chatwoot", "onehash", body)).deliveries[0]?.body as Json;
    expect(old).not.toHaveProperty("account");
    expect(old.meta).not.toHaveProperty("assignee_type");
  });

  it("keeps agent, bot, private note, attachment and rich content", async () => {
    const send = async (name: string) =>
      (await deliveries("chatwoot", "messagehub", fixture("chatwoot", name))).deliveries[0]
        ?.body as Json;
    expect((await send("message-created-agent-reply")).sender).toEqual({
      id: 1,
      name: "Helpdesk",
      email: "agent@acme.test",
      type: "user",
    });
    expect((await send("message-created-bot-reply")).sender).toEqual({
      id: 2,
      name: "Bot",
      type: "agent_bot",
    });
    expect((await send("message-created-private-note")).private).toBe(true);
    const image = await send("message-created-image-attachment");
    expect(image.attachments).toHaveLength(1);
    expect(image.attachments[0]).toMatchObject({ id: 41, file_type: "image", width: 1280 });
    const select = await send("message-created-input-select");
    expect(select.content_type).toBe("input_select");
    expect(select.content_attributes.items[0]).toEqual({
      title: "Track my order",
      value: "track_order",
    });
    const form = await send("message-updated-form-submitted");
    expect(form.message_type).toBe("template");
    expect(form.content_attributes.submitted_values[1]).toMatchObject({ value: "A-1042" });
  });
});

describe("Chatwoot-family from canonical", () => {
  const base: CanonicalEvent = {
    kind: "message.created",
    id: "dotted:message.create.contact.chat:5c1a974dabcdb128d0e90e93",
    source: { format: "dotted", event: "message.create.contact.chat" },
    occurredAt: "2026-06-20T10:15:30.123Z",
    conversation: { id: "5c1a9740abcdb128d0e90e80", status: "pending" },
    contact: { id: "5c1a99e410419f5fb88cb5f2", name: "Jenny Jones" },
    message: {
      id: "5c1a974dabcdb128d0e90e93",
      text: "Hi",
      direction: "incoming",
      author: { role: "contact", id: "5c1a99e410419f5fb88cb5f2", name: "Jenny Jones" },
      private: false,
      contentType: "text",
      attachments: [],
    },
    extra: { dotted: { touchpoint: "web" } },
  };
  const message = base.message as NonNullable<CanonicalEvent["message"]>;
  const emit = async (event: CanonicalEvent, target = "chatwoot") => {
    const result = await fromCanonical(byId(target), event);
    if (!result.ok) throw new Error(JSON.stringify(result.error));
    const delivery = result.value.deliveries[0];
    const parsed = chatwootBody.safeParse(delivery?.body);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
    return delivery as { event: string; body: Json };
  };

  it("keeps non-numeric ids as strings, missing ids as null, other formats' extra", async () => {
    const { event, body } = await emit(base);
    expect(event).toBe("message_created");
    expect(body.id).toBe("5c1a974dabcdb128d0e90e93");
    expect(body.conversation.id).toBe("5c1a9740abcdb128d0e90e80");
    expect(body.conversation.inbox_id).toBeNull();
    expect(body.inbox).toBeNull();
    expect(body.content_attributes.dotted).toEqual({ touchpoint: "web" });
    expect(Object.keys(body).at(-1)).toBe("event");
  });

  it("sends a deleted message as message_updated with content_attributes.deleted", async () => {
    const { event, body } = await emit({ ...base, kind: "message.deleted" });
    expect(event).toBe("message_updated");
    expect(body.content_attributes.deleted).toBe(true);
  });

  it("sends a failed message as message_updated with status failed and the error", async () => {
    const failed = {
      ...base,
      kind: "message.failed" as const,
      message: { ...message, direction: "outgoing" as const, error: "24h window closed" },
    };
    const { event, body } = await emit(failed);
    expect(event).toBe("message_updated");
    expect(body.status).toBe("failed");
    expect(body.content_attributes.external_error).toBe("24h window closed");
  });

  it("writes buttons, forms, carousels and answers per the contract", async () => {
    const rich = (interactive: unknown) =>
      emit({ ...base, message: { ...message, interactive } } as CanonicalEvent);
    const buttons = await rich({ type: "buttons", title: "Pick", options: [{ title: "Yes" }] });
    expect(buttons.body.content_type).toBe("input_select");
    expect(buttons.body.content_attributes.items).toEqual([{ title: "Yes", value: "Yes" }]);
    const form = await rich({ type: "form", fields: [{ name: "email", label: "Email" }] });
    expect(form.body.content_attributes.items).toEqual([
      { name: "email", label: "Email", type: "text" },
    ]);
    const cards = await rich({
      type: "carousel",
      items: [
        {
          title: "Lisbon",
          imageUrl: "https://x.test/a.jpg",
          options: [{ title: "Book", value: "https://x.test/b" }],
        },
      ],
    });
    expect(cards.body.content_attributes.items[0]).toEqual({
      title: "Lisbon",
      media_url: "https://x.test/a.jpg",
      actions: [{ type: "link", text: "Book", uri: "https://x.test/b" }],
    });
    const slider = await rich({ type: "slider", title: "How many nights?" });
    expect(slider.body.content_type).toBe("text");
    const answer = await emit({
      ...base,
      message: {
        ...message,
        text: "Yes",
        reply: { type: "buttons", values: [{ label: "Yes", value: "yes" }] },
      },
    });
    expect(answer.body.content_type).toBe("text");
    expect(answer.body.content_attributes.submitted_values).toEqual([
      { title: "Yes", value: "yes" },
    ]);
  });

  it("writes a bot without id or name (an automation) with no sender", async () => {
    const { body } = await emit({
      ...base,
      message: { ...message, direction: "outgoing", author: { role: "bot" } },
    });
    expect(body.message_type).toBe("outgoing");
    expect(body.sender).toBeNull();
  });
});
