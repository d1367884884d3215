/**
 * The whole fixture corpus translated into every target, once per test file: each source event
 * with its canonical event and what each target received. The semantic tests read these outcomes
 * as each target's consumer would.
 */
import type { CanonicalEvent } from "../../src/canonical/index.ts";
import { findFormat } from "../../src/formats/index.ts";
import type { FormatDefinition, WireEvent } from "../../src/formats/types.ts";
import { type Delivery, readEvents, translateEvent } from "../../src/translate/index.ts";
import { fixtures } from "../fixtures.ts";

export const targets = ["chatwoot", "onehash", "supporthunt", "dotted"] as const;
export type Target = (typeof targets)[number];

export interface Outcome {
  /** `<format>/<case>`, the fixture folder. */
  fixture: string;
  /** The source event as the sender posted it (one element of a Support Hunt batch). */
  source: WireEvent;
  canonical: CanonicalEvent;
  out: Record<Target, Delivery[]>;
  skipped: Record<Target, string[]>;
}

export const format = (id: string): FormatDefinition => {
  const found = findFormat(id);
  if (!found.ok) throw new Error(found.error.message);
  return found.value;
};

/**
 * Every event of every fixture, translated into every target.
 *
 * @example
 * const outcomes = await translateCorpus();
 * outcomes.filter((o) => o.canonical.message?.replyTo);
 */
export async function translateCorpus(): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const fixture of fixtures) {
    const source = format(fixture.format);
    const events = readEvents(source, fixture.body);
    if (!events.ok) throw new Error(`${fixture.format}/${fixture.name}: ${events.error.message}`);
    for (const event of events.value) {
      const outcome: Partial<Outcome> = {
        fixture: `${fixture.format}/${fixture.name}`,
        source: event,
        out: {} as Outcome["out"],
        skipped: {} as Outcome["skipped"],
      };
      for (const target of targets) {
        const result = await translateEvent(source, format(target), event);
        if (!result.ok) throw new Error(`${outcome.fixture} → ${target}: ${result.error.message}`);
        if (!result.value.trace.canonical) break;
        outcome.canonical = result.value.trace.canonical;
        (outcome.out as Outcome["out"])[target] = result.value.deliveries;
        (outcome.skipped as Outcome["skipped"])[target] = result.value.skipped.map((s) => s.reason);
      }
      if (outcome.canonical) outcomes.push(outcome as Outcome);
    }
  }
  return outcomes;
}
