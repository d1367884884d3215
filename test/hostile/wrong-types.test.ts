/**
 * Every field of every schema given the wrong type, generated from the fixtures: for each fixture
 * (test/fixtures/<format>/<case>/source.json), each path in it, and each JSON type the value does
 * not have (see `wrongTyped`), the payload with that one value replaced is posted to
 * `/translate/<format>/<target>` (the target rotates over every format) and, every third case, to
 * `/webhooks/<format>`. Every answer is a 2xx or a
 * 4xx with a JSON error, never a 5xx; errors stay small whatever the payload.
 */
import { describe, expect, it } from "vitest";
import { fixtures } from "../fixtures.ts";
import { type Path, pathsOf, setAt } from "../mutate.ts";
import { expectClientAnswer, formatIds, post, routedEnv } from "./helpers.ts";

const env = routedEnv();

/** One value of each JSON type. */
const samplesByType: Record<string, unknown> = {
  null: null,
  boolean: true,
  number: 7.5,
  string: "wrong",
  array: [],
  object: {},
};

function jsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function at(value: unknown, path: Path): unknown {
  let current = value;
  for (const key of path) current = (current as Record<string | number, unknown>)[key];
  return current;
}

/**
 * Every (path, wrong value) of a fixture: all of them with `VITE_HOSTILE_FULL=1` (about 23,500
 * cases, two minutes); by default one wrong type per path, rotating over the types, so that every
 * path and every type is covered within `npm test`'s time budget.
 */
function wrongTyped(body: unknown): Array<{ path: Path; value: unknown }> {
  const full = Boolean(import.meta.env.VITE_HOSTILE_FULL);
  return pathsOf(body).flatMap((path, index) => {
    const type = jsonType(at(body, path));
    const wrong = Object.entries(samplesByType)
      .filter(([other]) => other !== type)
      .map(([, value]) => ({ path, value }));
    return full ? wrong : wrong.slice(index % wrong.length, (index % wrong.length) + 1);
  });
}

/**
 * Which fixtures are posted: all of them with `VITE_HOSTILE_FULL=1`; by default every third one in
 * the corpus's order (sorted by format, so every format and every kind of case stays represented),
 * which keeps this file near half a minute as the corpus grows.
 */
const sampled = import.meta.env.VITE_HOSTILE_FULL
  ? fixtures
  : fixtures.filter((_, index) => index % 3 === 0);

describe("every field given the wrong type", () => {
  let total = 0;
  it.each(sampled.map((f) => [`${f.format}/${f.name}`, f] as const))(
    "%s",
    async (_, fixture) => {
      const cases = wrongTyped(fixture.body);
      const source = formatIds.includes(fixture.format) ? fixture.format : "chatwoot";
      const statuses = new Map<number, number>();
      for (const [index, { path, value }] of cases.entries()) {
        const text = JSON.stringify(setAt(fixture.body, path, value));
        const target = formatIds[index % formatIds.length];
        // Translation on every case; the webhook URL on every third one (it also stores valid ones).
        const paths = [`/translate/${source}/${target}`];
        if (index % 3 === 0) paths.push(`/webhooks/${source}`);
        for (const url of paths) {
          const answer = await expectClientAnswer(
            await post(env, url, text, {
              "content-type": "application/json",
              "x-chatwoot-delivery": crypto.randomUUID(),
            }),
            `${url} with ${path.join(".")} = ${JSON.stringify(value)}`,
          );
          expect(answer.text.length, `${url} ${path.join(".")}`).toBeLessThan(64 * 1024);
          statuses.set(answer.status, (statuses.get(answer.status) ?? 0) + 1);
        }
      }
      total += cases.length;
      expect(cases.length).toBeGreaterThan(0);
      expect([...statuses.keys()].every((s) => s < 500)).toBe(true);
      // A batch fixture (every Support Hunt event type in one body) has hundreds of paths.
    },
    60_000,
  );

  it("covered every fixture path", () => {
    expect(total).toBeGreaterThan(import.meta.env.VITE_HOSTILE_FULL ? 20_000 : 3_500);
  });
});
