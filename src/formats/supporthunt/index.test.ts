import { describe, expect, it } from "vitest";
import { fixtures } from "../../../test/fixtures.ts";
import type { CanonicalEvent } from "../../canonical/index.ts";
import { fromCanonical, readEvents, toCanonical, translate } from "../../translate/index.ts";
import { supporthunt } from "./index.ts";
import { eventNames, messageSubtypes, supporthuntBody } from "./schema.ts";

// biome-ignore lint/suspicious/noExplicitAny: tests poke at wire payloads freely
type Wire = any;

const examples = fixtures.filter((fixture) => fixture.format === "supporthunt");
const clone = <T>(value: T): T => structuredClone(value);
const base = examples.find((fixture) => fixture.name === "message-text")?.body as {
  events: Array<Record<string, unknown>>;
};

/** A one-event batch built from the TEXT example with `change` applied to its event. */
function batch(change: (event: Wire) => void): unknown {
  const body = clone(base);
  change(body.events[0]);
  return body;
}

function issuesOf(body: unknown) {
  const result = supporthuntBody.safeParse(body);
  expect(result.success).toBe(false);
  return (result.error?.issues ?? []).map((issue) => ({
    path: issue.path.join("."),
    message: issue.message,
  }));
}

/** Every event of a body → canonical (none may be skipped). */
async function decode(body: unknown): Promise<CanonicalEvent[]> {
  const events = readEvents(supporthunt, body);
  if (!events.ok) throw new Error(events.error.message);
  const out: CanonicalEvent[] = [];
  for (const event of events.value) {
    const canonical = await toCanonical(supporthunt, event);
    if (!canonical.ok) throw new Error(canonical.error.message);
    if ("skip" in canonical.value) throw new Error(canonical.value.skip);
    out.push(canonical.value);
  }
  return out;
}

async function encode(event: CanonicalEvent) {
  const result = await fromCanonical(supporthunt, event);
  if (!result.ok) throw new Error(result.error.message);
  for (const delivery of result.value.deliveries) {
    const parsed = supporthuntBody.safeParse(delivery.body);
    expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
  }
  return result.value;
}

describe("Support Hunt schema", () => {
  it("has every documented example as a fixture (28 and a batch)", () => {
    expect(examples.length).toBeGreaterThanOrEqual(29);
    const subtypes = new Set(
      examples.flatMap((f) =>
        (f.body as { events: Wire[] }).events.map((e) => e.event.payload.message?.type),
      ),
    );
    for (const subtype of messageSubtypes) expect(subtypes, subtype).toContain(subtype);
    const types = new Set(
      examples.flatMap((f) => (f.body as { events: Wire[] }).events.map((e) => e.event.type)),
    );
    for (const type of eventNames) expect(types, type).toContain(type);
  });

  it.each(examples)("accepts $name", ({ body }) => {
    const result = supporthuntBody.safeParse(body);
    expect(result.success, JSON.stringify(result.error?.issues)).toBe(true);
  });

  it("accepts the test POST with an empty batch and a token", () => {
    expect(supporthuntBody.safeParse({ events: [], token: "s3cret" }).success).toBe(true);
  });

  it("rejects a body without events, saying what is expected", () => {
    const [issue] = issuesOf({ token: "s3cret" });
    expect(issue?.path).toBe("events");
    expect(issue?.message).toContain('{"events": [...]}');
  });

  it("rejects an unknown event type at its path and lists the known ones", () => {
    const [issue] = issuesOf(batch((e) => (e.event.type = "sla_breached")));
    expect(issue?.path).toBe("events.0.event.type");
    expect(issue?.message).toContain('unknown event type "sla_breached"');
    for (const name of eventNames) expect(issue?.message).toContain(name);
  });

  it("rejects an unknown message subtype at its path and lists the known ones", () => {
    const [issue] = issuesOf(batch((e) => (e.event.payload.message.type = "sticker")));
    expect(issue?.path).toBe("events.0.event.payload.message.type");
    expect(issue?.message).toContain('unknown message type "sticker"');
    for (const subtype of ["text", "carousel", "form.response", "file_upload.response"])
      expect(issue?.message).toContain(subtype);
  });

  it.each([
    ["events.0.timestamp", (e: Wire) => (e.timestamp = 1693577625)],
    ["events.0.timestamp", (e: Wire) => (e.timestamp = "yesterday")],
    ["events.0.conversation.id", (e: Wire) => (e.conversation.id = 7.5)],
    ["events.0.event.payload.message.text", (e: Wire) => (e.event.payload.message.text = 42)],
    [
      "events.0.event.payload.message_by.type",
      (e: Wire) => (e.event.payload.message_by.type = "ai"),
    ],
    ["events.0.account", (e: Wire) => delete e.account],
  ])("names %s when it is wrong", (path, change) => {
    expect(issuesOf(batch(change)).map((issue) => issue.path)).toContain(path);
  });

  it("names the field inside a subtype's payload", () => {
    const status = clone(examples.find((f) => f.name === "status-close")?.body) as Wire;
    status.events[0].event.payload.status = "Closed";
    expect(issuesOf(status)).toEqual([
      { path: "events.0.event.payload.status", message: 'must be "Close" or "Open"' },
    ]);
    const labels = clone(
      examples.find((f) => f.name === "conversation-labels-deleted")?.body,
    ) as Wire;
    labels.events[0].event.payload.labels[0].id = { id: 2014 };
    expect(issuesOf(labels).map((issue) => issue.path)).toEqual([
      "events.0.event.payload.labels.0.id",
    ]);
    const image = clone(examples.find((f) => f.name === "message-image")?.body) as Wire;
    delete image.events[0].event.payload.message.payload.link;
    expect(issuesOf(image).map((issue) => issue.path)).toEqual([
      "events.0.event.payload.message.payload.link",
    ]);
  });

  it("accepts the document's mixed id types and extra keys", () => {
    const body = batch((e) => {
      e.event.payload.message_by = { email: null, id: 8292, type: "user", name: "Nikunj" };
      e.conversation.id = "7525695";
      e.visitor.id = null;
      e.account.region = "eu";
    });
    expect(supporthuntBody.safeParse(body).success).toBe(true);
  });
});

describe("Support Hunt format", () => {
  it("detects a batch and nothing else", () => {
    expect(supporthunt.detect({ events: [] })).toBe(true);
    expect(supporthunt.detect({ token: "x" })).toBe(false);
    expect(supporthunt.detect({ event: "message_created" })).toBe(false);
    expect(supporthunt.detect([{ events: [] }])).toBe(false);
  });

  it("splits a batch into one event per element, named by event type", () => {
    const body = examples.find((f) => f.name === "batch-text-button-note")?.body;
    const events = readEvents(supporthunt, body);
    expect(events.ok && events.value.map((event) => event.name)).toEqual([
      "message",
      "message",
      "note",
    ]);
  });

  it("translates a batch of 3 events into 3 deliveries, each a one-event batch", async () => {
    const body = examples.find((f) => f.name === "batch-text-button-note")?.body;
    const result = await translate("supporthunt", "supporthunt", body);
    if (!result.ok) throw new Error(result.error.message);
    expect(result.value.deliveries.map((d) => d.event)).toEqual(["message", "message", "note"]);
    for (const delivery of result.value.deliveries)
      expect((delivery.body as { events: unknown[] }).events).toHaveLength(1);
  });

  it("gives every event a distinct, repeatable canonical id", async () => {
    const ids = [];
    for (const { body } of examples) ids.push(...(await decode(body)).map((event) => event.id));
    expect(new Set(ids).size).toBe(ids.length);
    const again = [];
    for (const { body } of examples) again.push(...(await decode(body)).map((event) => event.id));
    expect(again).toEqual(ids);
  });

  it.each(examples)(
    "round trip $name: type, text, direction, conversation and time survive",
    async ({ body }) => {
      const originals = (body as { events: Wire[] }).events;
      const decoded = await decode(body);
      expect(decoded).toHaveLength(originals.length);
      for (const [index, canonical] of decoded.entries()) {
        const original = originals[index];
        const { deliveries, skipped } = await encode(canonical);
        expect(skipped).toEqual([]);
        expect(deliveries).toHaveLength(1);
        const sent = (deliveries[0] as { body: { events: Wire[] } }).body.events[0];
        expect(sent.event.type).toBe(original.event.type);
        expect(sent.event.payload.message?.type).toBe(original.event.payload.message?.type);
        expect(sent.conversation.id).toBe(original.conversation.id);
        expect(sent.timestamp.slice(0, 19)).toBe(original.timestamp.slice(0, 19));
        const [back] = await decode(deliveries[0]?.body);
        expect(back?.kind).toBe(canonical.kind);
        expect(back?.message?.text).toBe(canonical.message?.text);
        expect(back?.message?.direction).toBe(canonical.message?.direction);
        expect(back?.changes).toEqual(canonical.changes);
      }
    },
  );
});

describe("Support Hunt from other formats' canonical events", () => {
  const common = {
    id: "chatwoot:message_created:700",
    source: { format: "chatwoot", event: "message_created" },
    occurredAt: "2026-06-20T10:15:20.123Z",
    account: { id: 1, name: "Acme" },
    conversation: { id: 207 },
    contact: { id: 4, name: "Jane" },
    extra: { chatwoot: { source_id: "abc" } },
  };
  const message = (fields: Record<string, unknown>): CanonicalEvent => ({
    ...common,
    kind: "message.created",
    message: {
      text: null,
      direction: "outgoing",
      author: { role: "agent", id: 7, email: "mara@acme.test" },
      private: false,
      contentType: "text",
      attachments: [],
      ...fields,
    },
  });
  const bodyOf = (delivery: { body: unknown } | undefined) =>
    (delivery as { body: { events: Wire[] } }).body.events[0];

  it("sends text first, then one media message per attachment; other extra rides along", async () => {
    const { deliveries } = await encode(
      message({
        text: "Here are the photos",
        attachments: [
          { type: "image", url: "https://x.test/a.jpg", mimeType: "image/jpeg" },
          { type: "file", url: "https://x.test/b.pdf", fileName: "b.pdf" },
        ],
      }),
    );
    expect(deliveries.map((d) => bodyOf(d).event.payload.message.type)).toEqual([
      "text",
      "image",
      "document",
    ]);
    const first = bodyOf(deliveries[0]);
    expect(first.event.payload.message_by).toEqual({
      email: "mara@acme.test",
      id: "7",
      type: "user",
    });
    expect(first.event.payload.extra).toEqual({ chatwoot: { source_id: "abc" } });
    expect(first.conversation).toEqual({ key: null, id: 207 });
    expect(first.account).toEqual({ key: null, id: 1, bot: { id: null } });
    expect(first.visitor).toEqual({ key: null, id: 4 });
    expect(first.timestamp).toBe("2026-06-20 10:15:20.123000");
  });

  it("turns buttons into a button message and an answer into button.response", async () => {
    const buttons = await encode(
      message({
        text: "Pick one",
        interactive: {
          type: "buttons",
          title: "Pick one",
          options: [
            { title: "Track", value: "track" },
            { title: "Docs", value: "https://docs.test" },
          ],
        },
      }),
    );
    expect(bodyOf(buttons.deliveries[0]).event.payload.message).toEqual({
      type: "button",
      payload: {
        title: "Pick one",
        buttons: [
          { title: "Track", type: "branch", callback: "", value: "track" },
          {
            title: "Docs",
            type: "web_url",
            callback: '{"web_url":"https://docs.test","browser_window":"new"}',
          },
        ],
      },
    });
    const answer = await encode(
      message({
        text: "Track",
        direction: "incoming",
        author: { role: "contact", id: 4 },
        reply: { type: "buttons", values: [{ label: "Track", value: "track" }] },
      }),
    );
    const sent = bodyOf(answer.deliveries[0]);
    expect(sent.event.payload.message_by).toEqual({ email: null, id: null, type: "visitor" });
    expect(sent.event.payload.message).toEqual({
      type: "button.response",
      payload: { body: "Track", callback: { value: "track" } },
    });
    const [back] = await decode(answer.deliveries[0]?.body);
    expect(back?.message?.reply).toEqual({
      type: "buttons",
      values: [{ label: "Track", value: "track" }],
    });
  });

  it("sends a private message as a note", async () => {
    const { deliveries } = await encode(message({ text: "VIP", private: true }));
    expect(deliveries.map((d) => d.event)).toEqual(["note"]);
    expect(bodyOf(deliveries[0]).event.payload.note).toBe("VIP");
    const withFile = await encode(
      message({
        text: "VIP",
        private: true,
        attachments: [{ type: "file", url: "https://x.test/c.pdf" }],
      }),
    );
    expect(withFile.deliveries.map((d) => bodyOf(d).event.payload.note)).toEqual([
      "VIP\nhttps://x.test/c.pdf",
    ]);
  });

  it("skips a message with nothing to show", async () => {
    const { deliveries, skipped } = await encode(message({}));
    expect(deliveries).toEqual([]);
    expect(skipped).toHaveLength(1);
  });

  it("sends one event per expressible change and skips the others", async () => {
    const { deliveries, skipped } = await encode({
      ...common,
      kind: "conversation.updated",
      source: { format: "chatwoot", event: "conversation_updated" },
      actor: { role: "agent", id: 1, email: "boss@acme.test" },
      conversation: { id: 207, assignee: { role: "agent", id: 9, name: "Mara" } },
      changes: [
        { field: "assignee", from: null, to: 9 },
        { field: "labels", from: ["billing", "vip"], to: ["vip", "urgent"] },
        {
          field: "custom_attributes",
          from: { plan: "free", seats: 2 },
          to: { plan: "pro", seats: 2 },
        },
        { field: "status", from: "open", to: "resolved" },
        { field: "team", from: null, to: 3 },
      ],
    });
    expect(deliveries.map((d) => d.event)).toEqual([
      "assignee_change",
      "conversation_labels",
      "conversation_labels",
      "variables",
      "status",
    ]);
    const payloads = deliveries.map((d) => bodyOf(d).event.payload);
    expect(payloads[0].to).toEqual({ email: null, id: "9", type: "user" });
    expect(payloads[0].changed_by).toEqual({ email: "boss@acme.test", id: "1", type: "user" });
    expect([payloads[1].action, payloads[1].labels]).toEqual(["added", [{ id: "urgent" }]]);
    expect([payloads[2].action, payloads[2].labels]).toEqual(["deleted", [{ id: "billing" }]]);
    expect(payloads[3].variables).toEqual([{ type: "text", name: "plan", value: "pro" }]);
    expect(payloads[4].status).toBe("Close");
    expect(skipped.map((s) => s.reason)).toEqual([
      'Support Hunt has no event for a change of "team"',
    ]);
  });

  it("reports kinds without a Support Hunt event as skipped", async () => {
    for (const kind of ["message.updated", "contact.created", "typing.started"] as const) {
      const { deliveries, skipped } = await encode({ ...message({ text: "x" }), kind });
      expect(deliveries).toEqual([]);
      expect(skipped[0]?.reason).toContain("Support Hunt has no event");
    }
  });
});
