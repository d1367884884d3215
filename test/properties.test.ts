/**
 * Property-based tests: random and mutated payloads never get anything but a 2xx or a 4xx,
 * and never make translation throw.
 */
import { SELF } from "cloudflare:test";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findFormat, formatIds } from "../src/formats/index.ts";
import { readEvents, translate } from "../src/translate/index.ts";
import { type Fixture, fixtures } from "./fixtures.ts";
import { mutationsOf } from "./mutate.ts";

const sources = ["auto", ...formatIds];

/**
 * The mutation tests below run on a fixed-seed sample of 48 fixtures, not on the whole corpus
 * (about 270 fixtures), with fewer mutations per fixture than before the corpus grew (40 fixed,
 * 15 random, 30 for the never-throws check): the same sample every run, so a failure
 * reproduces, and `npm test` stays within its time budget on a 2-core machine. The golden,
 * round-trip and semantic tests cover every fixture.
 */
const sampled: Fixture[] =
  fc.sample(fc.shuffledSubarray(fixtures, { minLength: 48, maxLength: 48 }), {
    numRuns: 1,
    seed: 20260620,
  })[0] ?? fixtures;

describe("mutated fixtures", () => {
  it.each(sampled.map((f) => [`${f.format}/${f.name}`, f] as const))(
    "%s: translation answers a value, never throws, never a 5xx",
    async (_, fixture) => {
      await fc.assert(
        fc.asyncProperty(
          mutationsOf(fixture.body),
          fc.constantFrom(...formatIds),
          async (body, target) => {
            const result = await translate(fixture.format, target, body);
            if (!result.ok) {
              expect(result.error.status, result.error.message).toBeGreaterThanOrEqual(400);
              expect(result.error.status, result.error.message).toBeLessThan(500);
              expect(result.error.message.length).toBeGreaterThan(0);
            }
          },
        ),
        { numRuns: 30 },
      );
    },
    30_000,
  );
});

describe("random payloads over HTTP", () => {
  it("get a 2xx or a 4xx with a JSON error, from every source format", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...sources),
        fc.constantFrom(...formatIds),
        fc.jsonValue({ maxDepth: 4 }),
        async (source, target, body) => {
          const response = await SELF.fetch(
            `http://translator.test/translate/${source}/${target}`,
            {
              method: "POST",
              body: JSON.stringify(body),
              headers: { "content-type": "application/json" },
            },
          );
          expect(response.status).toBeLessThan(500);
          const json = await response.json<Record<string, unknown>>();
          if (response.status >= 400) expect(typeof json.error).toBe("string");
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);

  it("shaped like a webhook but with random values, get a 2xx or a 4xx", async () => {
    const shaped = fc.record(
      {
        event: fc.oneof(
          fc.constantFrom(
            "message_created",
            "conversation_updated",
            "message.create.contact.chat",
            "user.login",
            "automation_event.message_created",
          ),
          fc.string(),
        ),
        id: fc.oneof(fc.integer(), fc.string()),
        content: fc.oneof(fc.string(), fc.constant(null)),
        message_type: fc.oneof(fc.constantFrom("incoming", "outgoing"), fc.integer()),
        conversation: fc.record({ id: fc.oneof(fc.integer(), fc.string()) }),
        data: fc.jsonValue({ maxDepth: 2 }),
        events: fc.array(fc.jsonValue({ maxDepth: 3 }), { maxLength: 3 }),
      },
      { requiredKeys: ["event"] },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...sources),
        fc.constantFrom(...formatIds),
        shaped,
        async (source, target, body) => {
          const result = await translate(source, target, body);
          if (!result.ok) expect(result.error.status).toBeLessThan(500);
        },
      ),
      { numRuns: 300 },
    );
  }, 60_000);
});

/**
 * A payload that its source format's schema accepts must translate into every format: a wrong
 * value is either a 400 naming the field (the schema) or dropped by the mapping, never a 422
 * `mapping_failed` halfway through.
 */
describe("schema-valid mutations translate into every format", () => {
  /** The paths where `mutated` differs from `original`, with the new value: for failure messages. */
  function changesFrom(original: unknown, mutated: unknown, path = ""): string[] {
    if (JSON.stringify(original) === JSON.stringify(mutated)) return [];
    const bothObjects =
      typeof original === "object" &&
      original !== null &&
      typeof mutated === "object" &&
      mutated !== null;
    if (!bothObjects || Array.isArray(original) !== Array.isArray(mutated)) {
      return [`${path || "(body)"} = ${JSON.stringify(mutated)?.slice(0, 80) ?? "(removed)"}`];
    }
    const keys = new Set([...Object.keys(original), ...Object.keys(mutated)]);
    return [...keys].flatMap((key) =>
      changesFrom(
        (original as Record<string, unknown>)[key],
        (mutated as Record<string, unknown>)[key],
        `${path}.${key}`,
      ),
    );
  }

  async function failuresFor(fixture: Fixture, body: unknown): Promise<string[]> {
    const format = findFormat(fixture.format);
    if (!format.ok) throw new Error(format.error.message);
    if (!readEvents(format.value, body).ok) return [];
    const failures: string[] = [];
    for (const target of formatIds) {
      const result = await translate(fixture.format, target, body);
      if (!result.ok) {
        failures.push(
          `${fixture.format}/${fixture.name} -> ${target}: ${result.error.message} (changed: ${changesFrom(fixture.body, body).join(", ")})`,
        );
      }
    }
    return failures;
  }

  it.each(sampled.map((f) => [`${f.format}/${f.name}`, f] as const))(
    "%s: fixed-seed sample",
    async (_, fixture) => {
      const failures: string[] = [];
      for (const body of fc.sample(mutationsOf(fixture.body), { numRuns: 40, seed: 42 })) {
        failures.push(...(await failuresFor(fixture, body)));
      }
      expect(failures).toEqual([]);
    },
    30_000,
  );

  it.each(sampled.map((f) => [`${f.format}/${f.name}`, f] as const))(
    "%s: random mutations",
    async (_, fixture) => {
      await fc.assert(
        fc.asyncProperty(mutationsOf(fixture.body), async (body) => {
          expect(await failuresFor(fixture, body)).toEqual([]);
        }),
        { numRuns: 15 },
      );
    },
    30_000,
  );
});
