/**
 * A route's `where`, compiled by the build (scripts/compile/where.ts), gives what the JSONata
 * interpreter gives, on canonical events of every shape the property test makes. Runs in Node:
 * the compiler writes a module that is then imported, as the Worker's build does.
 */
import fc from "fast-check";
import jsonata from "jsonata";
import { describe, expect, it } from "vitest";
import { generateWhere } from "../../scripts/compile/where.ts";
import { SAMPLES } from "../../src/canonical/samples.ts";
import { mappingFunctions } from "../../src/translate/functions.ts";
import { boolean } from "../../src/translate/runtime/index.ts";

const WHERES = [
  "inbox.id = 7",
  '$contains(message.text, "refund")',
  'conversation.status = "open" and inbox.id in [1, 7]',
  "$exists(message) and message.direction = 'incoming' and $not(message.private)",
];
const OUT = "src/translate/generated/where-test.js";

async function verdict(run: () => unknown): Promise<string> {
  try {
    return String(boolean((await run()) as never) === true);
  } catch (error) {
    return `error ${(error as { code?: string }).code}`;
  }
}

describe("compiled where", () => {
  it("compiles the documented examples and agrees with the interpreter", async () => {
    const result = await generateWhere([...WHERES, "*.id = 7"], OUT);
    expect(result.compiled).toBe(WHERES.length);
    // A construct the compiler leaves out (a wildcard step) is named; it runs interpreted.
    expect(result.interpreted).toEqual([expect.stringContaining('"*.id = 7"')]);
    const { compiled } = (await import(/* @vite-ignore */ `../../${OUT}`)) as {
      compiled: Record<string, { run(input: unknown, bindings: object): unknown }>;
    };
    const events = fc.record({
      inbox: fc.option(fc.record({ id: fc.oneof(fc.integer({ min: 0, max: 9 }), fc.string()) })),
      text: fc.oneof(fc.constant("a refund please"), fc.string(), fc.constant(null)),
      status: fc.constantFrom("open", "resolved", "pending"),
      message: fc.boolean(),
      private: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(events, async (shape) => {
        const base = SAMPLES.message;
        const event = {
          ...base,
          inbox: shape.inbox ?? undefined,
          conversation: { ...base.conversation, status: shape.status },
          message: shape.message
            ? { ...base.message, text: shape.text, private: shape.private }
            : undefined,
        };
        for (const text of WHERES) {
          const code = compiled[text];
          expect(code, text).toBeDefined();
          // The same verdict, or the same error (runWhere dead-letters on an error).
          const fast = await verdict(() => code?.run(event, { ...mappingFunctions }));
          const slow = await verdict(() => jsonata(text).evaluate(event, { ...mappingFunctions }));
          expect(fast, `${text} on ${JSON.stringify(shape)}`).toBe(slow);
        }
      }),
      { numRuns: 200 },
    );
  });
});
