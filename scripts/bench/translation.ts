/** Section 1: translation cost per event, split into validation, decoding and encoding. */
import { isDeepStrictEqual } from "node:util";
import { CanonicalEvent } from "../../src/canonical/index.ts";
import { findFormat, formatIds } from "../../src/formats/index.ts";
import type { FormatDefinition, WireEvent } from "../../src/formats/types.ts";
import { fromCanonical, readEvents, toCanonical, translate } from "../../src/translate/index.ts";
import { safeParse } from "../../src/translate/validators.ts";
import { type Fixture, representative } from "./fixtures.ts";
import { floors } from "./floor.ts";
import { bestBatch, measure, measureSync, type Summary } from "./stats.ts";

export interface PairResult {
  source: string;
  target: string;
  fixture: string;
  validation?: Summary;
  decoding?: Summary;
  /** The canonical check alone (part of decoding): the generated validator, zod on failure. */
  canonicalSchema?: Summary;
  /** The source body schema and the canonical schema on zod alone (no generated validator). */
  zod?: Summary;
  encoding?: Summary;
  total?: Summary;
  /** `translate()`: the lowest mean of 30 batches of 10 calls (µs), see bestBatch. */
  best?: number;
  /** `translate()` end to end with every mapping on the JSONata interpreter (same run). */
  interpreted?: Summary;
  deliveries?: number;
  note?: string;
}

const format = (id: string): FormatDefinition => {
  const found = findFormat(id);
  if (!found.ok) throw new Error(found.error.message);
  return found.value;
};

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e)).slice(0, 160);

/** Warm-up of each pair before it is measured (ms). */
export const STEADY_MS = 300;

/** `translate()` with its promise left alone: compiled mappings answer synchronously. */
function translateSync(source: string, target: string, body: unknown): void {
  void translate(source, target, body);
}

export async function pairCosts(
  fixtures: Fixture[],
  iterations = 1000,
  budgetMs = 500,
): Promise<PairResult[]> {
  const results: PairResult[] = [];
  for (const { source, fixture } of representative(fixtures)) {
    const src = format(source);
    const label = `${fixture.folder}/${fixture.name}`;
    for (const targetId of formatIds) {
      const target = format(targetId);
      const result: PairResult = { source, target: targetId, fixture: label };
      results.push(result);
      try {
        const events = readEvents(src, fixture.body);
        if (!events.ok) throw new Error(events.error.message);
        const event = events.value[0] as WireEvent;
        const decoded = await toCanonical(src, event);
        if (!decoded.ok) throw new Error(decoded.error.message);
        if ("skip" in decoded.value) {
          result.note = `skipped: ${decoded.value.skip}`;
          continue;
        }
        const canonical = decoded.value as CanonicalEvent;
        const encoded = await fromCanonical(target, canonical);
        if (!encoded.ok) throw new Error(encoded.error.message);
        const full = await translate(source, targetId, fixture.body);
        if (!full.ok) throw new Error(full.error.message);
        // JSON round trip of the output must work (it is POSTed as JSON).
        JSON.stringify(full.value.deliveries);
        result.deliveries = full.value.deliveries.length;
        if (full.value.deliveries.length === 0) result.note = "no delivery (skipped by target)";
        // Steady state first: V8 optimizes the large generated functions on a background thread,
        // which on a busy machine takes longer than the per-part warm-up (section 4 has the cold
        // calls). A Worker isolate reaches this state within its first few hundred events.
        const warmUntil = Date.now() + STEADY_MS;
        while (Date.now() < warmUntil) translateSync(source, targetId, fixture.body);
        const part = { iterations, warmup: 200, budgetMs: budgetMs / 2 };
        result.validation = measureSync(() => readEvents(src, fixture.body), part);
        result.decoding = await measure(() => toCanonical(src, event), part);
        result.canonicalSchema = measureSync(() => safeParse(CanonicalEvent, canonical), part);
        // The same two checks on zod alone, as before the generated validators (issue 14).
        result.zod = measureSync(() => {
          src.schema.safeParse(fixture.body);
          CanonicalEvent.safeParse(canonical);
        }, part);
        result.encoding = await measure(() => fromCanonical(target, canonical), part);
        result.total = await measure(() => translate(source, targetId, fixture.body), {
          iterations,
          warmup: 200,
          budgetMs,
        });
        result.best = await bestBatch(() => translate(source, targetId, fixture.body));
        result.interpreted = await measure(
          () => translate(source, targetId, fixture.body, { interpret: true }),
          { iterations, warmup: 50, budgetMs },
        );
      } catch (error) {
        result.note = `error: ${errorText(error)}`;
      }
    }
  }
  return results;
}

export interface FloorResult {
  source: string;
  target: string;
  fixture: string;
  equal: boolean;
  mismatch?: string;
  floor?: Summary;
  engine?: Summary;
}

export async function floorCosts(fixtures: Fixture[]): Promise<FloorResult[]> {
  const out: FloorResult[] = [];
  for (const floor of floors) {
    const fixture = fixtures.find((f) => `${f.folder}/${f.name}` === floor.fixture);
    const result: FloorResult = {
      source: floor.source,
      target: floor.target,
      fixture: floor.fixture,
      equal: false,
    };
    out.push(result);
    if (!fixture) {
      result.mismatch = "fixture missing";
      continue;
    }
    const engine = await translate(floor.source, floor.target, fixture.body);
    const expected = engine.ok
      ? engine.value.deliveries.map((d) => ({ event: d.event, body: d.body }))
      : undefined;
    const actual = floor.translate(fixture.body);
    result.equal = isDeepStrictEqual(JSON.parse(JSON.stringify(expected)), actual);
    if (!result.equal) result.mismatch = firstDifference(expected, actual);
    const warmUntil = Date.now() + STEADY_MS;
    while (Date.now() < warmUntil) translateSync(floor.source, floor.target, fixture.body);
    const options = { iterations: 5000, warmup: 1000, budgetMs: 1000 };
    result.floor = measureSync(() => floor.translate(fixture.body), options);
    result.engine = await measure(() => translate(floor.source, floor.target, fixture.body), {
      iterations: 2000,
      warmup: 200,
      budgetMs: 1000,
    });
  }
  return out;
}

function firstDifference(a: unknown, b: unknown, path = "$"): string {
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || a === null || b === null) {
    return isDeepStrictEqual(a, b)
      ? ""
      : `${path}: engine ${JSON.stringify(a)?.slice(0, 80)} vs floor ${JSON.stringify(b)?.slice(0, 80)}`;
  }
  if (typeof a === "object") {
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    for (const key of keys) {
      const d = firstDifference(
        (a as Record<string, unknown>)[key],
        (b as Record<string, unknown>)[key],
        `${path}.${key}`,
      );
      if (d) return d;
    }
    return "";
  }
  return a === b ? "" : `${path}: engine ${JSON.stringify(a)} vs floor ${JSON.stringify(b)}`;
}

/** Every fixture into every target, fewer samples: the worst event per pair, not just the typical one. */
export async function sweep(
  fixtures: Fixture[],
): Promise<Array<{ fixture: string; source: string; medians: Record<string, number | string> }>> {
  const rows = [];
  for (const fixture of fixtures) {
    const source = fixture.folder;
    if (!findFormat(source).ok) continue;
    const medians: Record<string, number | string> = {};
    for (const target of formatIds) {
      try {
        const first = await translate(source, target, fixture.body);
        if (!first.ok) {
          medians[target] = `error`;
          continue;
        }
        JSON.stringify(first.value);
        const s = await measure(() => translate(source, target, fixture.body), {
          warmup: 10,
          warmupMs: 20,
          iterations: 100,
          budgetMs: 40,
        });
        medians[target] = s.median;
      } catch {
        medians[target] = "error";
      }
    }
    rows.push({ fixture: `${fixture.folder}/${fixture.name}`, source, medians });
  }
  return rows;
}

export interface InterpreterCosts {
  trivial: Summary;
  mapping: string;
  withGuardrails?: Summary;
  withoutGuardrails?: Summary;
}

/**
 * What the JSONata interpreter itself costs, outside the engine: a one-field expression, and the
 * Support Hunt message mapping with and without the engine's guardrails (MAPPING_LIMITS).
 */
export async function interpreterCosts(fixtures: Fixture[]): Promise<InterpreterCosts> {
  const { default: jsonata } = await import("jsonata");
  const { readFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { root } = await import("./fixtures.ts");
  const { mappingFunctions } = await import("../../src/translate/functions.ts");
  const { MAPPING_LIMITS } = await import("../../src/translate/mapping.ts");
  const fixture = fixtures.find((f) => f.folder === "supporthunt" && f.name === "message-text");
  const event = (fixture?.body as { events?: unknown[] } | undefined)?.events?.[0] ?? {};
  const options = { iterations: 2000, warmup: 300, budgetMs: 800 };
  const trivialExpr = jsonata('{ "id": conversation.id }');
  const trivial = await measure(() => trivialExpr.evaluate(event), options);
  const mapping = "mappings/supporthunt/to-canonical/message.jsonata";
  const result: InterpreterCosts = { trivial, mapping };
  try {
    const text = readFileSync(join(root, mapping), "utf8");
    const bindings = { ...mappingFunctions, format: "supporthunt", platform: "Support Hunt" };
    const guarded = jsonata(text, { ...MAPPING_LIMITS } as never);
    const bare = jsonata(text);
    result.withGuardrails = await measure(() => guarded.evaluate(event, bindings), options);
    result.withoutGuardrails = await measure(() => bare.evaluate(event, bindings), options);
  } catch {
    // mapping missing or changed shape: report the trivial expression only
  }
  return result;
}
