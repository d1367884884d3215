/**
 * Semantic tests: the translated outputs of the whole fixture corpus read as each target's
 * consumer reads them. Golden files say "nothing changed"; these say "it still means the same":
 * the text arrives intact, the author and its role are right, the assignee after a change is
 * right, attachments keep their type, link, name, coordinates and phone, a private or internal
 * message stays private, a failure is a failure, the status is carried, and the ids of one
 * conversation are the same in every event.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { Delivery } from "../../src/translate/index.ts";
import { type Outcome, targets, translateCorpus } from "./outcomes.ts";
import {
  chatwootAssigneeColumns,
  dottedAssignee,
  type Json,
  supporthuntEvent,
  targetConversationId,
} from "./readers.ts";

/** Every event of every fixture, translated into every target (once, for all the checks). */
let outcomes: Outcome[] = [];
beforeAll(async () => {
  outcomes = await translateCorpus();
}, 120_000);

const messages = () => outcomes.filter((o) => o.canonical.message);
const byFixture = (name: string): Outcome[] => {
  const found = outcomes.filter((o) => o.fixture === name);
  expect(found.length, `fixture ${name} exists and reads`).toBeGreaterThan(0);
  return found;
};

/** Support Hunt puts one event per delivery: the batch's only element. */
const sh = (d: Delivery) => supporthuntEvent(d.body);
const body = (d: Delivery) => d.body as Json;

describe("messages", () => {
  it("never reach dotted without a text (dotted requires one)", () => {
    for (const o of messages()) {
      for (const d of o.out.dotted) {
        expect(typeof body(d).data.message.text, `${o.fixture}: ${d.event}`).toBe("string");
      }
    }
  });

  it("keep their text intact in every target", () => {
    for (const o of messages()) {
      const text = o.canonical.message?.text;
      if (typeof text !== "string" || text === "") continue;
      const label = o.fixture;
      for (const t of ["chatwoot", "onehash"] as const) {
        for (const d of o.out[t]) expect(body(d).content, `${label} → ${t}`).toBe(text);
      }
      const dotted = o.out.dotted[0];
      if (dotted) expect(body(dotted).data.message.text.startsWith(text), label).toBe(true);
      const first = o.out.supporthunt[0];
      if (first && !o.canonical.message?.interactive && !o.canonical.message?.reply) {
        const payload = sh(first).event.payload;
        const shown = payload.note ?? payload.message?.text;
        expect(String(shown).startsWith(text), `${label} → supporthunt`).toBe(true);
      }
    }
  });

  it("keep who wrote them and in which role", () => {
    const shTypes = { contact: "visitor", agent: "user", bot: "bot", system: "bot" } as const;
    for (const o of messages()) {
      const m = o.canonical.message;
      if (!m) continue;
      for (const d of o.out.supporthunt) {
        const e = sh(d);
        const by = e.event.payload.message_by ?? e.event.payload.note_by;
        expect(by.type, o.fixture).toBe(shTypes[m.author.role]);
      }
      for (const d of o.out.dotted) {
        expect(body(d).data.message.role, o.fixture).toBe(
          m.author.role === "system" ? "bot" : m.author.role,
        );
      }
      for (const d of o.out.chatwoot) {
        const b = body(d);
        expect(b.message_type === "incoming", o.fixture).toBe(m.author.role === "contact");
        if (m.author.role === "agent") expect(b.sender?.type, o.fixture).toBe("user");
        if (m.author.role === "bot" && b.sender) expect(b.sender.type, o.fixture).toBe("agent_bot");
      }
    }
  });

  it("that are private or internal never become a public message to the contact", () => {
    let checked = 0;
    for (const o of messages()) {
      if (!o.canonical.message?.private) continue;
      checked++;
      for (const d of o.out.supporthunt) expect(d.event, o.fixture).toBe("note");
      for (const t of ["chatwoot", "onehash"] as const) {
        for (const d of o.out[t]) {
          const b = body(d);
          expect(b.private === true || b.message_type === "activity", `${o.fixture} → ${t}`).toBe(
            true,
          );
        }
      }
      for (const d of o.out.dotted) {
        const b = body(d);
        const internal =
          b.data.message.isBackchannel === true ||
          (["mention", "tag", "command", "status", "report"].includes(b.data.message.type) &&
            b.data.message.role !== "contact") ||
          b.data.conversation.type !== "contact";
        expect(internal, `${o.fixture} → dotted`).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it("that failed to send are failures in every target, with the reason", () => {
    let checked = 0;
    for (const o of messages()) {
      if (o.canonical.kind !== "message.failed") continue;
      checked++;
      const reason = o.canonical.message?.error;
      expect(typeof reason, o.fixture).toBe("string");
      const [dotted] = o.out.dotted;
      expect(dotted?.event, o.fixture).toBe("message.error");
      expect(body(dotted as Delivery).data.error.message, o.fixture).toBe(reason);
      for (const d of o.out.chatwoot) {
        expect(body(d).content_attributes.external_error, o.fixture).toBe(reason);
        expect(body(d).status, o.fixture).toBe("failed");
      }
    }
    expect(checked).toBeGreaterThan(4);
  });
});

describe("attachments", () => {
  const located = () =>
    messages().flatMap((o) =>
      (o.canonical.message?.attachments ?? []).map((a, i) => ({ o, a, i })),
    );

  it("keep every file's type, link and name", () => {
    for (const { o, a, i } of located()) {
      if (!a.url || a.type === "location") continue;
      const prefix = i === 0 ? "attachment" : `attachment${i + 1}`;
      const meta = body(o.out.dotted[0] as Delivery).data.message.meta;
      expect(meta[`${prefix}Url`], o.fixture).toBe(a.url);
      expect(meta[`${prefix}Type`], o.fixture).toBe(a.type);
      if (a.fileName) expect(meta[`${prefix}FileName`], o.fixture).toBe(a.fileName);
      for (const d of o.out.chatwoot) {
        expect(body(d).attachments[i].data_url, o.fixture).toBe(a.url);
        expect(body(d).attachments[i].file_type, o.fixture).toBe(a.type);
      }
      // Support Hunt has message and note events only (an edit or a failure is skipped).
      if (o.canonical.kind !== "message.created") continue;
      const shown = o.out.supporthunt.map((d) => JSON.stringify(sh(d).event.payload));
      expect(
        shown.some((s) => s.includes(JSON.stringify(a.url).slice(1, -1))),
        o.fixture,
      ).toBe(true);
    }
  });

  it("keep a place's name and coordinates, with a maps link where the target has no location type", () => {
    let checked = 0;
    for (const { o, a, i } of located()) {
      if (a.type !== "location") continue;
      checked++;
      const coordinates = `${a.latitude}, ${a.longitude}`;
      for (const d of o.out.chatwoot) {
        const cw = body(d).attachments[i];
        expect([cw.file_type, cw.coordinates_lat, cw.coordinates_long], o.fixture).toEqual([
          "location",
          a.latitude,
          a.longitude,
        ]);
        if (a.title) expect(cw.fallback_title, o.fixture).toBe(a.title);
      }
      const dotted = body(o.out.dotted[0] as Delivery).data.message;
      expect(dotted.text, o.fixture).toContain(coordinates);
      expect(dotted.text, o.fixture).toMatch(/https:\/\//);
      if (a.title) expect(dotted.text, o.fixture).toContain(a.title);
      expect(dotted.meta.attachmentLatitude, o.fixture).toBe(a.latitude);
      const shText = o.out.supporthunt.map((d) => JSON.stringify(sh(d).event.payload)).join();
      expect(shText, o.fixture).toContain(coordinates);
      expect(shText, o.fixture).toContain("https://www.google.com/maps/search/?api=1&query=");
    }
    expect(checked).toBeGreaterThan(3);
  });

  it("keep a contact card's name and phone number", () => {
    let checked = 0;
    for (const { o, a } of located()) {
      if (a.type !== "contact") continue;
      checked++;
      expect(typeof a.phone, `${o.fixture}: the phone is read`).toBe("string");
      for (const target of ["dotted", "supporthunt"] as const) {
        const all = JSON.stringify(o.out[target].map((d) => d.body));
        expect(all, `${o.fixture} → ${target}`).toContain(JSON.stringify(a.phone).slice(1, -1));
        if (a.title) expect(all, `${o.fixture} → ${target}`).toContain(a.title);
      }
      const cw = JSON.stringify(o.out.chatwoot.map((d) => d.body));
      expect(cw, o.fixture).toContain(`"fallback_title":${JSON.stringify(a.phone)}`);
    }
    expect(checked).toBeGreaterThan(3);
  });
});

describe("conversations", () => {
  const assigneeChanges = () =>
    outcomes.flatMap((o) =>
      (o.canonical.changes ?? []).filter((c) => c.field === "assignee").map((c) => ({ o, c })),
    );

  it("name each changed field once", () => {
    for (const o of outcomes) {
      const fields = (o.canonical.changes ?? []).map((c) => c.field);
      expect(new Set(fields).size, `${o.fixture}: ${fields.join(", ")}`).toBe(fields.length);
    }
  });

  it("say who is assigned after an assignment change, once, in every target", () => {
    let checked = 0;
    for (const { o, c } of assigneeChanges()) {
      checked++;
      const to = c.to as { role: string; id: unknown } | null;
      const changes = o.out.supporthunt.filter((d) => d.event === "assignee_change");
      expect(changes.length, `${o.fixture}: one Support Hunt assignee_change`).toBe(1);
      const shTo = sh(changes[0] as Delivery).event.payload.to;
      if (to === null) expect(shTo, o.fixture).toBeNull();
      else
        expect([shTo.type, shTo.id], o.fixture).toEqual([
          to.role === "bot" ? "bot" : "user",
          String(to.id),
        ]);
      for (const d of o.out.chatwoot) {
        const columns = chatwootAssigneeColumns(body(d));
        const assigned = columns.bot ?? columns.agent ?? null;
        expect(
          assigned,
          `${o.fixture}: the Chatwoot columns say who is assigned after the change`,
        ).toEqual(to === null ? null : { role: to.role, id: Number(to.id) });
      }
      for (const d of o.out.dotted) {
        expect(dottedAssignee(body(d)), `${o.fixture} → dotted`).toEqual(
          to === null ? null : { role: to.role, user: String(to.id) },
        );
      }
    }
    expect(checked).toBeGreaterThan(5);
  });

  it("count one label change once", () => {
    for (const o of outcomes) {
      if (!o.canonical.changes?.some((c) => c.field === "labels")) continue;
      const events = o.out.supporthunt
        .filter((d) => d.event === "conversation_labels")
        .map((d) => sh(d).event.payload.action);
      expect(new Set(events).size, o.fixture).toBe(events.length);
      for (const d of o.out.chatwoot) {
        const names = (body(d).changed_attributes ?? []).flatMap((c: object) => Object.keys(c));
        expect(names.filter((n: string) => n.endsWith("label_list")).length, o.fixture).toBe(1);
      }
    }
  });

  it("carry the status the source gave", () => {
    const dottedStatus = {
      open: "active",
      pending: "queued",
      snoozed: "snoozed",
      resolved: "closed",
    };
    let checked = 0;
    for (const o of outcomes) {
      const status = o.canonical.conversation?.status;
      if (!status || o.canonical.kind.startsWith("message.")) continue;
      for (const d of o.out.dotted) {
        if (!d.event.startsWith("conversation.")) continue;
        checked++;
        expect(body(d).data.conversation.status, o.fixture).toBe(dottedStatus[status]);
      }
      for (const d of o.out.chatwoot) {
        if (typeof body(d).status === "string") expect(body(d).status, o.fixture).toBe(status);
      }
    }
    expect(checked).toBeGreaterThan(10);
  });

  it("keep the same conversation id across all the events of one conversation", () => {
    const seen = new Map<string, string>();
    for (const o of outcomes) {
      const id = o.canonical.conversation?.id;
      if (id === undefined || id === null) continue;
      const group = `${o.fixture.split("/")[0]}:${id}`;
      for (const target of targets) {
        for (const d of o.out[target]) {
          const written = targetConversationId(target, d.body);
          if (written === undefined) continue;
          const key = `${group} → ${target}`;
          const before = seen.get(key);
          if (before === undefined) seen.set(key, written);
          else expect(written, `${o.fixture}: ${key}`).toBe(before);
        }
      }
    }
    expect(seen.size).toBeGreaterThan(20);
  });
});

describe("the named defects of issue 10", () => {
  it("a WhatsApp template rejected by Meta (only content_attributes.external_error) is a failure", () => {
    const [o] = byFixture("chatwoot/message-updated-whatsapp-template-failed");
    expect(o?.canonical.kind).toBe("message.failed");
    expect(o?.out.dotted[0]?.event).toBe("message.error");
    const [cleared] = byFixture("chatwoot/message-updated-error-cleared-delivered");
    expect(cleared?.canonical.kind).toBe("message.updated");
  });

  it("a bot-to-human handoff is one change, to the agent", () => {
    for (const name of [
      "chatwoot/conversation-updated-bot-to-human-handoff",
      "onehash/conversation-updated-bot-to-human-handoff",
    ]) {
      const [o] = byFixture(name);
      const assignee = o?.canonical.changes?.filter((c) => c.field === "assignee") ?? [];
      expect(assignee).toHaveLength(1);
      expect(assignee[0]?.to).toMatchObject({ role: "agent", id: 1 });
      expect(assignee[0]?.from).toMatchObject({ role: "bot", id: 2 });
      const shEvents = o?.out.supporthunt.filter((d) => d.event === "assignee_change") ?? [];
      expect(shEvents).toHaveLength(1);
      expect(sh(shEvents[0] as Delivery).event.payload.to).toMatchObject({ type: "user", id: "1" });
      expect(chatwootAssigneeColumns(body(o?.out.chatwoot[0] as Delivery))).toEqual({
        agent: { role: "agent", id: 1 },
        bot: null,
      });
    }
  });

  it("label_list and cached_label_list are one change", () => {
    const [o] = byFixture("chatwoot/conversation-updated-labels-added");
    expect(o?.canonical.changes?.filter((c) => c.field === "labels")).toHaveLength(1);
    expect(o?.out.supporthunt.filter((d) => d.event === "conversation_labels")).toHaveLength(1);
  });

  it("a dotted team chat and a mention become private notes", () => {
    for (const name of ["dotted/agent-conversation-chat", "dotted/contact-conversation-mention"]) {
      for (const o of byFixture(name)) {
        expect(o.canonical.message?.private, name).toBe(true);
        expect(
          o.out.supporthunt.map((d) => d.event),
          name,
        ).toEqual(["note"]);
        expect(body(o.out.chatwoot[0] as Delivery).private, name).toBe(true);
      }
    }
  });

  it("a Chatwoot assignee change reaches dotted with the conversation's status", () => {
    const [o] = byFixture("chatwoot/conversation-updated-bot-to-human-handoff");
    expect(body(o?.out.dotted[0] as Delivery).data.conversation.status).toBe("active");
  });
});
