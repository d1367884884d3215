/**
 * Round trips: every fixture event translated A → B → A keeps its kind, text, direction,
 * conversation id and time (to the second), for every pair of formats that can carry it.
 */
import { describe, expect, it } from "vitest";
import type { CanonicalEvent } from "../src/canonical/index.ts";
import { findFormat, formatIds } from "../src/formats/index.ts";
import type { FormatDefinition } from "../src/formats/types.ts";
import { fromCanonical, readEvents, toCanonical } from "../src/translate/index.ts";
import { fixtures } from "./fixtures.ts";

const format = (id: string): FormatDefinition => {
  const found = findFormat(id);
  if (!found.ok) throw new Error(found.error.message);
  return found.value;
};

async function canonicalEvents(source: FormatDefinition, body: unknown): Promise<CanonicalEvent[]> {
  const events = readEvents(source, body);
  if (!events.ok) throw new Error(events.error.message);
  const out: CanonicalEvent[] = [];
  for (const event of events.value) {
    const canonical = await toCanonical(source, event);
    if (!canonical.ok) throw new Error(canonical.error.message);
    if (!("skip" in canonical.value)) out.push(canonical.value);
  }
  return out;
}

/**
 * The facts a round trip must keep. A conversation update that changes the status is a status
 * change wherever it goes (Chatwoot sends both events for one status change; Support Hunt and
 * dotted have one).
 */
function essentials(event: CanonicalEvent) {
  const statusChange =
    event.kind === "conversation.updated" && event.changes?.some((c) => c.field === "status");
  return {
    kind: statusChange ? "conversation.status_changed" : event.kind,
    text: event.message?.text ?? null,
    direction: event.message?.direction ?? null,
    conversation:
      event.conversation?.id === undefined || event.conversation?.id === null
        ? null
        : String(event.conversation.id),
    second: event.occurredAt ? event.occurredAt.slice(0, 19) : null,
  };
}

let checked = 0;
const pairs = fixtures.flatMap((fixture) => formatIds.map((via) => ({ ...fixture, via })));

describe.each(pairs)("$format/$name via $via", ({ format: sourceId, body, via }) => {
  it("keeps kind, text, direction, conversation id and time", async () => {
    const source = format(sourceId);
    const target = format(via);
    for (const original of await canonicalEvents(source, body)) {
      const there = await fromCanonical(target, original);
      if (!there.ok) throw new Error(there.error.message);
      for (const [position, delivery] of there.value.deliveries.entries()) {
        const back = await canonicalEvents(target, delivery.body);
        expect(back.length, `${via} ${delivery.event} decodes to one event`).toBe(1);
        const expected = essentials(original);
        const got = essentials(back[0] as CanonicalEvent);
        // A target that carries one thing per message (Support Hunt) sends the text first, then
        // each attachment as a message of its own; an attachment the target has no type for (a
        // place, a contact card, a file in a note) arrives as text. Those keep everything but
        // the text of the original.
        const attachmentOnly =
          (position > 0 || expected.text === null) &&
          (original.message?.attachments.length ?? 0) > 0;
        expect(attachmentOnly ? { ...got, text: expected.text } : got).toEqual(expected);
        checked++;
      }
    }
  });
});

it("checked a round trip for most fixture events and pairs", () => {
  // Runs after the pairs above: guards against a change that makes every pair skip.
  expect(checked).toBeGreaterThan(pairs.length / 2);
});
