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
import { type Json, replyTarget } from "./readers.ts";

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
