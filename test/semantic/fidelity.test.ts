/**
 * Issue 24: what a consumer of each target must be able to show for the values the coverage
 * table (mappings/README.md) lists: what a reply answers, readable text for rich content, an
 * e-mail's subject, a contact's social handles. Each expectation is read from the sender's own
 * payload (the fixture), not from the canonical event, so a mapping that drops a value fails here.
 */
import { beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import type { CanonicalEvent, ReplyTo as ReplyToSchema } from "../../src/canonical/index.ts";
import { readEvents, toCanonical } from "../../src/translate/index.ts";
import { format, type Outcome, translateCorpus } from "./outcomes.ts";
import { type Json, replyTarget, supporthuntEvent } from "./readers.ts";

let outcomes: Outcome[] = [];
beforeAll(async () => {
  outcomes = await translateCorpus();
}, 120_000);

type ReplyTo = z.infer<typeof ReplyToSchema>;

const chatwootFamily = ["chatwoot", "messagehub", "hoory", "onehash"];
const fromChatwoot = () =>
  outcomes.filter((o) => chatwootFamily.includes(o.fixture.split("/")[0] as string));
const payload = (o: Outcome) => o.source.payload as Json;

/** A reply reference with the answered message's id as text (dotted ids are strings). */
const asText = (r: ReplyTo | null | undefined) => ({
  ...r,
  id: r?.id == null ? r?.id : String(r.id),
});

/** A delivered body read back into the canonical model, as the target's own source mapping reads it. */
async function readBack(target: string, body: unknown): Promise<CanonicalEvent> {
  const events = readEvents(format(target), body);
  if (!events.ok) throw new Error(events.error.message);
  const [event] = events.value;
  const canonical = await toCanonical(format(target), event as (typeof events.value)[number]);
  if (!canonical.ok || "skip" in canonical.value) throw new Error(`${target} did not read back`);
  return canonical.value;
}

describe("replies and story replies", () => {
  /** The reply reference the Chatwoot sender stored, ids as strings. */
  const sent = (o: Outcome) => {
    const c = payload(o).content_attributes ?? {};
    const pick = { id: c.in_reply_to, externalId: c.in_reply_to_external_id };
    const story = { storyId: c.story_id, storyUrl: c.story_url, storySender: c.story_sender };
    return Object.fromEntries(
      Object.entries({ ...pick, ...story })
        .filter(([, v]) => v !== undefined && v !== null && v !== "")
        .map(([k, v]) => [k, String(v)]),
    );
  };

  it("reach every target with what they answer", () => {
    let checked = 0;
    for (const o of fromChatwoot()) {
      const expected = sent(o);
      if (Object.keys(expected).length === 0) continue;
      checked++;
      for (const target of ["chatwoot", "onehash", "dotted", "supporthunt"] as const) {
        if (o.out[target].length === 0) expect(o.skipped[target].length, o.fixture).toBe(1);
        for (const d of o.out[target]) {
          expect(replyTarget(target, d.body), `${o.fixture} → ${target}`).toEqual(expected);
        }
      }
    }
    // a WhatsApp quote, a Telegram reply, an Instagram story reply, a widget reply (two senders), an edit
    expect(checked).toBeGreaterThanOrEqual(6);
  });

  it("come back from dotted and Support Hunt as the same reference", async () => {
    let checked = 0;
    for (const o of outcomes) {
      const replyTo = o.canonical.message?.replyTo;
      if (!replyTo) continue;
      for (const target of ["dotted", "supporthunt"] as const) {
        for (const d of o.out[target]) {
          checked++;
          const back = await readBack(target, d.body);
          expect(asText(back.message?.replyTo), `${o.fixture} → ${target} → canonical`).toEqual(
            asText(replyTo),
          );
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(12);
  });
});

describe("rich content", () => {
  it("reaches dotted (text only, per its document) with every title, choice and link readable", () => {
    let checked = 0;
    for (const o of outcomes) {
      const i = o.canonical.message?.interactive;
      // a dotted source's text is its own; other interactive types have no choices to list
      if (!i || o.fixture.startsWith("dotted/")) continue;
      const shown = [
        ...(i.items ?? []).flatMap((item) => [
          item.title,
          ...(item.options ?? []).map((x) => x.title),
        ]),
        ...(i.options ?? []).map((x) => x.title),
      ].filter((t): t is string => typeof t === "string" && t !== "");
      const links = [...(i.items ?? []).flatMap((item) => item.options ?? []), ...(i.options ?? [])]
        .map((x) => x.value)
        .filter((v): v is string => typeof v === "string" && /^https?:\/\//.test(v));
      if (shown.length === 0) continue;
      checked++;
      const text: string = (o.out.dotted[0]?.body as Json)?.data.message.text;
      for (const t of [...shown, ...links]) expect(text, `${o.fixture} → dotted`).toContain(t);
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });
});

describe("e-mail subjects", () => {
  it("reach the field each target defines for them, or the documented extension", () => {
    let conversations = 0;
    let messages = 0;
    for (const o of fromChatwoot()) {
      const p = payload(o);
      const conversation = o.canonical.kind.startsWith("message.") ? p.conversation : p;
      const subject = conversation?.additional_attributes?.mail_subject;
      const messageSubject = p.content_attributes?.email?.subject;
      if (typeof subject === "string" && subject !== "") {
        conversations++;
        for (const d of o.out.dotted) {
          expect((d.body as Json).data.conversation.meta.subject, o.fixture).toBe(subject);
        }
        for (const d of o.out.supporthunt.filter((x) => x.event === "conversation_create")) {
          expect(supporthuntEvent(d.body).event.payload.title, o.fixture).toBe(subject);
        }
      }
      if (typeof messageSubject === "string" && messageSubject !== "") {
        messages++;
        for (const d of o.out.dotted) {
          expect((d.body as Json).data.message.meta.subject, o.fixture).toBe(messageSubject);
        }
        for (const d of o.out.supporthunt.filter((x) => x.event === "message")) {
          expect(supporthuntEvent(d.body).event.payload.message.subject, o.fixture).toBe(
            messageSubject,
          );
        }
        for (const t of ["chatwoot", "onehash"] as const) {
          for (const d of o.out[t]) {
            expect((d.body as Json).content_attributes.email.subject, o.fixture).toBe(
              messageSubject,
            );
          }
        }
      }
    }
    expect(conversations).toBeGreaterThanOrEqual(4);
    expect(messages).toBeGreaterThanOrEqual(2);
  });
});

describe("social handles", () => {
  /** The handles a Chatwoot contact's additional_attributes name, by network. */
  const handles = (a: Json): Record<string, string> => {
    const stored: Record<string, unknown> = {
      instagram: a?.social_instagram_user_name,
      telegram: a?.social_telegram_user_name,
      twitter: a?.screen_name,
      line: a?.social_line_user_id,
      ...(a?.social_profiles ?? {}),
    };
    return Object.fromEntries(
      Object.entries(stored).filter(
        (e): e is [string, string] => typeof e[1] === "string" && e[1].trim() !== "",
      ),
    );
  };

  it("reach a dotted contact event and a Chatwoot-family contact", () => {
    let checked = 0;
    for (const o of fromChatwoot()) {
      if (!o.canonical.kind.startsWith("contact.")) continue;
      const expected = handles(payload(o).additional_attributes);
      if (Object.keys(expected).length === 0) continue;
      checked++;
      for (const d of o.out.dotted) {
        expect((d.body as Json).data.contact.socialProfiles, o.fixture).toEqual(expected);
      }
      for (const t of ["chatwoot", "onehash"] as const) {
        for (const d of o.out[t]) {
          expect(handles((d.body as Json).additional_attributes), o.fixture).toEqual(expected);
        }
      }
      expect(o.skipped.supporthunt, `${o.fixture}: Support Hunt has no contact event`).toHaveLength(
        1,
      );
    }
    expect(checked).toBeGreaterThanOrEqual(4);
  });
});
