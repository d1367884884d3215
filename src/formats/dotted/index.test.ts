import fc from "fast-check";
import { describe, expect, it } from "vitest";
import example from "../../../test/fixtures/dotted/message-create-contact-chat/source.json";
import type { CanonicalEvent } from "../../canonical/index.ts";
import { formatPath } from "../../errors/index.ts";
import { uuid } from "../../translate/functions.ts";
import { fromCanonical, readEvents, translate } from "../../translate/index.ts";
import { dotted } from "./index.ts";
import { allTopics, conversationTypes, dottedBody, messageTypes } from "./schema.ts";

type Body = typeof example;

const copy = (): Body => structuredClone(example);

/** The example with one change applied. */
function withChange(change: (body: Record<string, unknown> & Body) => void): unknown {
  const body = copy() as Record<string, unknown> & Body;
  change(body);
  return body;
}

function issues(body: unknown): Array<{ path: string; message: string }> {
  const result = dottedBody.safeParse(body);
  return result.success
    ? []
    : result.error.issues.map((issue) => ({
        path: formatPath(issue.path),
        message: issue.message,
      }));
}

const messageCreateTopics = conversationTypes.flatMap((conversation) =>
  messageTypes.map((message) => `message.create.${conversation}.${message}`),
);

describe("dotted schema", () => {
  it("knows the 48 message.create topics", () => {
    expect(messageCreateTopics).toHaveLength(48);
    expect(allTopics).toEqual(expect.arrayContaining(messageCreateTopics));
  });

  it.each(messageCreateTopics)("accepts %s", (event) => {
    const [, , conversationType, messageType] = event.split(".");
    const body = withChange((b) => {
      b.event = event;
      b.data.conversation.type = conversationType as string;
      b.data.message.type = messageType as string;
    });
    expect(issues(body)).toEqual([]);
  });

  it.each(["message.update", "message.delete", "message.error"])(
    "accepts %s with a message and its conversation",
    (event) => {
      expect(
        issues(
          withChange((b) => {
            b.event = event;
          }),
        ),
      ).toEqual([]);
    },
  );

  it.each([
    "message.create.contact.video",
    "message.create.customer.chat",
    "message.create.contact",
    "message.create.contact.chat.extra",
    "message.create.*.*",
    "message.created",
    "message_created",
    "automation_event.message_created",
    "conversation.archive",
    "user.create.now",
    "users.login",
    "channel.merge",
    "toString.create",
    "",
    ".",
  ])("rejects the topic %j with an issue on event that says what is expected", (event) => {
    const found = issues(
      withChange((b) => {
        b.event = event;
      }),
    );
    expect(found).toHaveLength(1);
    expect(found[0]?.path).toBe("event");
    expect(found[0]?.message).toContain(
      "expected message.create.<contact|bot|agent|system>.<chat|",
    );
    expect(found[0]?.message).toContain("user.<create|invite|");
    expect(found[0]?.message).toContain("service.<create|update|delete|error>");
  });

  it.each([
    ["timestamp", (b: Body) => Object.assign(b, { timestamp: 1545246541 })],
    ["timestamp", (b: Body) => Object.assign(b, { timestamp: "yesterday" })],
    ["id", (b: Body) => Object.assign(b, { id: 42 })],
    ["event", (b: Body) => Object.assign(b, { event: 7 })],
    ["data", (b: Body) => Object.assign(b, { data: "message" })],
    ["organization", (b: Body) => Object.assign(b, { organization: 5 })],
    ["data.message.text", (b: Body) => Object.assign(b.data.message, { text: 42 })],
    ["data.message.text", (b: Body) => Object.assign(b.data.message, { text: undefined })],
    ["data.message.role", (b: Body) => Object.assign(b.data.message, { role: "visitor" })],
    ["data.message.type", (b: Body) => Object.assign(b.data.message, { type: "video" })],
    [
      "data.message.isBackchannel",
      (b: Body) => Object.assign(b.data.message, { isBackchannel: "no" }),
    ],
    [
      "data.message.createdAt",
      (b: Body) => Object.assign(b.data.message, { createdAt: 1545246541 }),
    ],
    ["data.message.meta", (b: Body) => Object.assign(b.data.message, { meta: "none" })],
    ["data.message", (b: Body) => Object.assign(b.data, { message: undefined })],
    ["data.conversation", (b: Body) => Object.assign(b.data, { conversation: undefined })],
    ["data.conversation.id", (b: Body) => Object.assign(b.data.conversation, { id: undefined })],
    ["data.conversation.id", (b: Body) => Object.assign(b.data.conversation, { id: 207 })],
    ["data.conversation.type", (b: Body) => Object.assign(b.data.conversation, { type: "group" })],
    [
      "data.conversation.participants",
      (b: Body) => Object.assign(b.data.conversation, { participants: {} }),
    ],
  ])("names %s when it has the wrong type", (path, change) => {
    const found = issues(withChange(change));
    expect(found.map((issue) => issue.path)).toContain(path);
    expect(found.every((issue) => issue.message.length > 0)).toBe(true);
  });

  it.each([
    ["user.login", "data.user"],
    ["user.subscribe", "data.user"],
    ["service.create", "data.service"],
    ["botinstance.delete", "data.botinstance"],
    ["contact.merge", "data.contact"],
    ["conversation.create", "data.conversation"],
  ])("%s requires %s", (event, path) => {
    const body = { id: "x1", event, timestamp: "2018-12-19T19:09:01.607Z", data: {} };
    expect(issues(body).map((issue) => issue.path)).toContain(path);
    const withResource = { ...body, data: { [path.slice(5)]: { id: "5c1a9740abcdb128d0e90e80" } } };
    expect(issues(withResource)).toEqual([]);
  });

  it("is tolerant elsewhere: no activity, no organization, extra keys, offsets in times", () => {
    const body = withChange((b) => {
      delete (b as { activity?: unknown }).activity;
      delete (b as { organization?: unknown }).organization;
      b.timestamp = "2018-12-19T20:09:01+01:00";
      Object.assign(b.data.message, { somethingNew: { nested: true } });
      Object.assign(b, { version: 2 });
    });
    expect(issues(body)).toEqual([]);
  });

  it("reports bad payloads through readEvents with the field named", () => {
    const result = readEvents(
      dotted,
      withChange((b) => Object.assign(b.data.message, { role: "visitor" })),
    );
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toContain("data.message.role");
  });
});

describe("dotted detect and events", () => {
  it("detects a dotted envelope", () => {
    expect(dotted.detect(example)).toBe(true);
    expect(dotted.events(example)).toEqual([
      { name: "message.create.contact.chat", payload: example },
    ]);
  });

  it.each([
    { event: "message_created", data: {} },
    { event: "automation_event.message_created", data: {} },
    { event: "automation_event.x", data: {} },
    { event: "message.create.contact.chat" },
    { event: "message.create.contact.chat", data: null },
    { events: [] },
    [],
    null,
    "message.create.contact.chat",
  ])("does not detect %j", (body) => {
    expect(dotted.detect(body)).toBe(false);
  });
});

describe("dotted translation", () => {
  const arbitraryMessage = fc.record({
    conversationType: fc.constantFrom(...conversationTypes),
    messageType: fc.constantFrom(
      "chat",
      "mention",
      "tag",
      "search",
      "command",
      "results",
      "report",
      "status",
      "card",
      "form",
      "postback",
      "field",
    ),
    role: fc.constantFrom("contact", "agent", "bot"),
    text: fc.oneof(fc.string({ unit: "grapheme" }), fc.constant(null)),
    seconds: fc.integer({ min: 946684800, max: 4102444800 }),
    millis: fc.integer({ min: 0, max: 999 }),
    conversationId: fc.stringMatching(/^[0-9a-f]{24}$/),
    backchannel: fc.boolean(),
  });

  it("keeps event, text, role, conversation id and time to the second (dotted → canonical → dotted)", async () => {
    await fc.assert(
      fc.asyncProperty(arbitraryMessage, async (m) => {
        const event = `message.create.${m.conversationType}.${m.messageType}`;
        const timestamp = new Date(m.seconds * 1000 + m.millis).toISOString();
        const body = withChange((b) => {
          b.event = event;
          b.timestamp = timestamp;
          b.data.conversation.type = m.conversationType;
          b.data.conversation.id = m.conversationId;
          Object.assign(b.data.message, {
            type: m.messageType,
            role: m.role,
            text: m.text,
            conversation: m.conversationId,
            isBackchannel: m.backchannel,
          });
        });
        const result = await translate("dotted", "dotted", body);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.value.deliveries).toHaveLength(1);
        const delivery = result.value.deliveries[0] as { event: string; body: Body };
        expect(delivery.event).toBe(event);
        expect(delivery.body.event).toBe(event);
        expect(delivery.body.data.message.text).toBe(m.text ?? ""); // a created message always has a text
        expect(delivery.body.data.message.role).toBe(m.role);
        expect(delivery.body.data.message.isBackchannel).toBe(m.backchannel);
        expect(delivery.body.data.conversation.id).toBe(m.conversationId);
        expect(delivery.body.data.message.conversation).toBe(m.conversationId);
        expect(delivery.body.timestamp.slice(0, 19)).toBe(timestamp.slice(0, 19));
        expect(dottedBody.safeParse(delivery.body).success).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it("gives byte-identical output for the same event, with an envelope id derived from it", async () => {
    const first = await translate("dotted", "dotted", example);
    const second = await translate("dotted", "dotted", copy());
    expect(JSON.stringify(second)).toBe(JSON.stringify(first));
    const body = first.ok ? (first.value.deliveries[0]?.body as Body) : undefined;
    expect(body?.id).toBe(uuid(`dotted:${example.id}`));
  });

  it("reads the example as an incoming contact message in a pending conversation", async () => {
    const result = await translate("dotted", "dotted", example, { trace: true });
    const canonical = result.ok ? result.value.trace?.[0]?.canonical : undefined;
    expect(canonical).toMatchObject({
      kind: "message.created",
      id: "dotted:774ae370-02cc-11e7-ac41-c38ce8763025",
      occurredAt: "2018-12-19T19:09:01.607Z",
      account: { id: "5c138790ec944f05ff5f6d77" },
      conversation: { id: "5c1a9740abcdb128d0e90e80", status: "pending", type: "contact" },
      message: {
        text: "Hi, is the blue model still available?",
        direction: "incoming",
        author: { role: "contact", id: "5c1a99e410419f5fb88cb5f2" },
        private: false,
      },
      extra: { dotted: { message: { type: "chat", touchpoint: "web" } } },
    });
  });

  const event = (fields: Partial<CanonicalEvent>): CanonicalEvent => ({
    kind: "message.created",
    id: "chatwoot:message_created:654",
    source: { format: "chatwoot", event: "message_created" },
    occurredAt: "2026-06-20T10:15:30.123Z",
    ...fields,
  });

  it.each(["typing.started", "typing.stopped", "widget.opened"] as const)(
    "reports %s as skipped",
    async (kind) => {
      const result = await fromCanonical(dotted, event({ kind }));
      expect(result.ok && result.value.deliveries).toEqual([]);
      expect(result.ok && result.value.skipped[0]?.reason).toContain("Dotted-topic has no event");
    },
  );

  it("skips a resource.changed that dotted has no topic for", async () => {
    const result = await fromCanonical(
      dotted,
      event({ kind: "resource.changed", resource: { type: "label", action: "create", data: {} } }),
    );
    expect(result.ok && result.value.skipped[0]?.reason).toBe("dotted has no label.create event");
  });

  it("writes a message from another format: numeric ids as strings, a missing id as null, extra in meta", async () => {
    const result = await fromCanonical(
      dotted,
      event({
        account: { id: 1 },
        conversation: { id: 207, status: "resolved" },
        contact: { id: 4, name: "Jane Doe" },
        message: {
          id: null,
          text: null,
          direction: "outgoing",
          author: { role: "agent", id: 9, name: "Bob" },
          private: true,
          contentType: "text",
          attachments: [
            { type: "image", url: "https://example.com/a.png", mimeType: "image/png" },
            { type: "file", url: "https://example.com/b.pdf", fileName: "b.pdf" },
          ],
        },
        extra: { chatwoot: { source_id: "abc" } },
      }),
    );
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    const delivery = result.value.deliveries[0] as { event: string; body: Body };
    expect(delivery.event).toBe("message.create.contact.chat");
    expect(delivery.body.organization).toBe("1");
    expect(delivery.body.activity.summary).toBe("Agent Bob created a chat message");
    expect(delivery.body.data.conversation).toMatchObject({
      id: "207",
      status: "closed",
      contact: "4",
    });
    expect(delivery.body.data.message).toMatchObject({
      id: null,
      conversation: "207",
      user: "9",
      role: "agent",
      isBackchannel: true,
      text: "https://example.com/a.png\nhttps://example.com/b.pdf",
      meta: {
        attachmentUrl: "https://example.com/a.png",
        attachmentType: "image",
        attachmentMimeType: "image/png",
        attachment2Url: "https://example.com/b.pdf",
        attachment2Type: "file",
        attachment2FileName: "b.pdf",
        source: "chatwoot",
        sourcePayload: '{"source_id":"abc"}',
      },
    });
    expect(dottedBody.safeParse(delivery.body).success).toBe(true);
  });
});
