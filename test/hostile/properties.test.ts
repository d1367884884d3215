/**
 * Property-based: mutated versions of every fixture (test/mutate.ts: one to three fields removed
 * or replaced by wrong values or arbitrary JSON) posted to `/webhooks/<source>` with a routed
 * configuration (the queue is not consumed in tests) are answered 2xx or 4xx, never 5xx; an
 * accepted one answers the ids of what it stored.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fixtures } from "../fixtures.ts";
import { mutationsOf } from "../mutate.ts";
import { expectClientAnswer, formatIds, post, routedEnv } from "./helpers.ts";

const env = routedEnv();

describe("mutated fixtures through /webhooks/<source>", () => {
  it.each(fixtures.map((f) => [`${f.format}/${f.name}`, f] as const))("%s", async (_, fixture) => {
    const source = formatIds.includes(fixture.format) ? fixture.format : "chatwoot";
    await fc.assert(
      fc.asyncProperty(mutationsOf(fixture.body), async (body) => {
        const answer = await expectClientAnswer(
          await post(env, `/webhooks/${source}`, JSON.stringify(body), {
            "content-type": "application/json",
            "x-chatwoot-delivery": crypto.randomUUID(),
          }),
          `/webhooks/${source}`,
        );
        if (answer.status === 202) {
          expect(Array.isArray(answer.json?.accepted)).toBe(true);
        }
      }),
      { numRuns: 30 },
    );
  });
});
