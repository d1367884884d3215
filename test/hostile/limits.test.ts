/**
 * The limits of docs/configuration.md "Limits", each tested at its edge: body size, nesting depth, batch size,
 * the mapping guardrails (an edited mapping that recurses forever or builds a huge sequence
 * fails with a clear 422, not a crash), and translation cost growing linearly
 * with the payload (no payload within the limits makes it super-linear).
 */
import { describe, expect, it } from "vitest";
import { LIMITS } from "../../src/limits/index.ts";
import { translate } from "../../src/translate/index.ts";
import { MAPPING_LIMITS } from "../../src/translate/mapping.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";
import supporthuntText from "../fixtures/supporthunt/message-text/source.json";
import { expectClientAnswer, post, routedEnv } from "./helpers.ts";

const env = routedEnv();
const MESSAGE_MAPPING = "mappings/chatwoot/to-canonical/message.jsonata";

/** The Chatwoot sample padded with an unknown string field to exactly `bytes` bytes. */
function paddedTo(bytes: number): string {
  const base = JSON.stringify({ ...chatwootMessage, pad: "" });
  return base.replace('"pad":""', `"pad":"${"x".repeat(bytes - base.length)}"`);
}

describe("request limits, at the edge", () => {
  it(`a body of exactly ${LIMITS.bodyBytes} bytes is read; one byte more is 413`, async () => {
    const exact = paddedTo(LIMITS.bodyBytes);
    expect(new TextEncoder().encode(exact).length).toBe(LIMITS.bodyBytes);
    for (const path of ["/translate/chatwoot/dotted", "/webhooks/chatwoot"]) {
      const ok = await expectClientAnswer(await post(env, path, exact), path);
      expect(ok.status, ok.text.slice(0, 200)).toBeLessThan(300);
      const over = await expectClientAnswer(
        await post(env, path, paddedTo(LIMITS.bodyBytes + 1)),
        path,
      );
      expect(over.status).toBe(413);
      expect(over.json?.error).toBe("payload_too_large");
    }
  });

  it(`nesting of ${LIMITS.depth} levels is read; ${LIMITS.depth + 1} is 400`, async () => {
    // The body itself is level 1; "deep" adds levels 2 and beyond.
    const nest = (levels: number) => `${'{"a":'.repeat(levels)}1${"}".repeat(levels)}`;
    const body = (levels: number) =>
      JSON.stringify(chatwootMessage).replace(/^\{/, `{"deep":${nest(levels)},`);
    const ok = await expectClientAnswer(
      await post(env, "/translate/chatwoot/dotted", body(LIMITS.depth - 1)),
      "at",
    );
    expect(ok.status).toBe(200);
    const over = await expectClientAnswer(
      await post(env, "/translate/chatwoot/dotted", body(LIMITS.depth)),
      "over",
    );
    expect(over.status).toBe(400);
    expect(String(over.json?.message)).toContain(`${LIMITS.depth} levels`);
  });
});

describe("mapping guardrails (edited mappings, as the CLI and the playground use them)", () => {
  const run = (text: string) =>
    translate("chatwoot", "dotted", chatwootMessage, {
      overrides: new Map([[MESSAGE_MAPPING, text]]),
    });

  it(`a mapping that recurses forever fails with 422 at JSONata stack depth ${MAPPING_LIMITS.stack}`, async () => {
    const result = await run("( $forever := function($n) { $forever($n + 1) + 1 }; $forever(0) )");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.status).toBe(422);
    expect(result.error.code).toBe("mapping_failed");
    expect(result.error.message).toContain(MESSAGE_MAPPING);
    expect(result.error.message).toMatch(/D1011|[Ss]tack/);
  });

  it(`a mapping that builds a sequence over ${MAPPING_LIMITS.sequence} items fails with 422`, async () => {
    for (const text of [
      `[1..${MAPPING_LIMITS.sequence + 1}]`,
      "$append([1..30000], [1..30000])",
      "$reduce([1..1000], function($acc, $i) { $append($acc, [1..100]) }, [])",
    ]) {
      const result = await run(text);
      expect(result.ok, text).toBe(false);
      if (result.ok) continue;
      expect(result.error.status, text).toBe(422);
      expect(result.error.message, text).toMatch(/D2015|sequence/);
    }
  });

  it("answers the same 422 over HTTP (the playground posts edited mappings)", async () => {
    const playground = routedEnv({ PLAYGROUND: "true" });
    const response = await post(
      playground,
      "/playground/translate",
      JSON.stringify({
        source: "chatwoot",
        target: "dotted",
        payload: JSON.stringify(chatwootMessage),
        mappings: { [MESSAGE_MAPPING]: "( $f := function($n) { $f($n) + 1 }; $f(1) )" },
      }),
    );
    const answer = await expectClientAnswer(response, "/playground/translate");
    expect(answer.text).toMatch(/D1011|[Ss]tack/);
  });
});

// How cost grows with payload size is measured by `npm run bench` (BENCHMARKS.md, section 5),
// not asserted here: speed belongs in a benchmark, not in a timed test.
describe("a full batch", () => {
  const event = (supporthuntText as { events: unknown[] }).events[0];
  const batch = (n: number) => ({
    events: Array.from({ length: n }, () => structuredClone(event)),
  });

  it(`of ${LIMITS.batchEvents} events translates event by event`, async () => {
    const result = await translate("supporthunt", "dotted", batch(LIMITS.batchEvents));
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.deliveries.length).toBe(LIMITS.batchEvents);
  }, 60_000);
});
