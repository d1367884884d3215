/**
 * The limits of README "Limits", each tested at its edge: body size, nesting depth, batch size,
 * the mapping guardrails (an edited mapping that recurses forever or builds a huge sequence
 * fails with a clear 422, not a crash), and translation cost growing linearly
 * with the payload (no payload within the limits makes it super-linear).
 */
import { describe, expect, it } from "vitest";
import { findFormat } from "../../src/formats/index.ts";
import { translate } from "../../src/translate/index.ts";
import { MAPPING_LIMITS } from "../../src/translate/mapping.ts";
import { LIMITS } from "../../src/validate/index.ts";
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
    const started = performance.now();
    const result = await run("( $forever := function($n) { $forever($n + 1) + 1 }; $forever(0) )");
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.status).toBe(422);
    expect(result.error.code).toBe("mapping_failed");
    expect(result.error.message).toContain(MESSAGE_MAPPING);
    expect(result.error.message).toMatch(/D1011|[Ss]tack/);
    expect(performance.now() - started).toBeLessThan(2_000);
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

describe("translation cost grows linearly with the payload", () => {
  /**
   * Fastest of a few runs, in milliseconds: other work on the machine only ever adds time, so the
   * minimum is the measurement least disturbed by it.
   */
  async function fastest(fn: () => Promise<unknown>, runs = 3): Promise<number> {
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < runs; i++) {
      const started = performance.now();
      await fn();
      best = Math.min(best, performance.now() - started);
    }
    return best;
  }

  const event = (supporthuntText as { events: unknown[] }).events[0];
  const batch = (n: number) => ({
    events: Array.from({ length: n }, () => structuredClone(event)),
  });
  /** A message whose attachments and content attributes hold `n` items. */
  const message = (n: number) => ({
    ...chatwootMessage,
    attachments: Array.from({ length: n }, (_, i) => ({
      id: i,
      file_type: "image",
      data_url: `https://example.com/${i}.png`,
    })),
    content_attributes: {
      items: Array.from({ length: n }, (_, i) => ({ title: `t${i}`, value: `v${i}` })),
    },
  });

  it.each([
    [
      "a Support Hunt batch, per event",
      (n: number) => translate("supporthunt", "chatwoot", batch(n)),
      50,
    ],
    [
      "Chatwoot attachments and items",
      (n: number) => translate("chatwoot", "dotted", message(n * 20)),
      50,
    ],
  ] as const)("%s: 8x the input costs well under 8^2 = 64x the time", async (_, fn, n) => {
    await fn(n); // warm-up: compile the mappings
    const small = await fastest(() => fn(n));
    const large = await fastest(() => fn(n * 8));
    // Linear is 8x; allow noise on a shared machine, but nothing near quadratic (64x).
    expect(large / Math.max(small, 0.5), `${small} ms, then ${large} ms`).toBeLessThan(24);
  });

  it(`a full batch of ${LIMITS.batchEvents} events translates within a bounded time`, async () => {
    const format = findFormat("supporthunt");
    expect(format.ok).toBe(true);
    const started = performance.now();
    const result = await translate("supporthunt", "dotted", batch(LIMITS.batchEvents));
    const elapsed = performance.now() - started;
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.deliveries.length).toBe(LIMITS.batchEvents);
    // Measured about 1-3 ms per event on a 2-core machine (README "Limits").
    expect(elapsed).toBeLessThan(20_000);
    console.log(`translated ${LIMITS.batchEvents} events in ${Math.round(elapsed)} ms`);
  });
});
