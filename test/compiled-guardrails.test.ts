/**
 * The guardrails in compiled code (test mappings in test/compiler/, compiled with the shipped
 * ones): runaway recursion stops at the evaluation-depth limit, a tail-recursive loop runs in
 * constant stack, and no sequence grows past 50,000 items. Each fails or succeeds exactly as the
 * interpreter does, with the same `mapping_failed` message.
 */
import { describe, expect, it } from "vitest";
import { compiledFor, registerCompiled } from "../src/translate/compiled.ts";
import { compiled as testMappings } from "../src/translate/generated/test-mappings.js";
import { evaluate, MAPPING_LIMITS, mapping } from "../src/translate/mapping.ts";
import pathSequence from "./compiler/path-sequence.jsonata";
import recursion from "./compiler/recursion.jsonata";
import sequence from "./compiler/sequence.jsonata";
import tailLoop from "./compiler/tail-loop.jsonata";

registerCompiled(testMappings);

async function both(path: string, text: string, input: unknown) {
  const file = mapping(path, text);
  expect(compiledFor(file), `${path} has compiled code`).toBeDefined();
  return {
    compiled: await evaluate(file, input, {}, true),
    interpreted: await evaluate(file, input),
  };
}

const items = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("guardrails in compiled mappings", () => {
  it(`runaway recursion fails with D1011 at depth ${MAPPING_LIMITS.stack}, as interpreted`, async () => {
    const { compiled, interpreted } = await both("test/compiler/recursion.jsonata", recursion, {});
    expect(compiled.ok).toBe(false);
    if (compiled.ok || interpreted.ok) throw new Error("both must fail");
    expect(compiled.error.code).toBe("mapping_failed");
    expect(compiled.error.message).toContain("(D1011)");
    expect(compiled.error.message).toBe(interpreted.error.message);
  });

  it("a tail-recursive loop of 100,000 turns runs in constant stack", async () => {
    const { compiled, interpreted } = await both("test/compiler/tail-loop.jsonata", tailLoop, {
      count: 100_000,
    });
    expect(compiled).toEqual({ ok: true, value: 100_000 });
    expect(interpreted).toEqual(compiled);
  }, 60_000);

  it(`a sequence over ${MAPPING_LIMITS.sequence} items fails with D2015; at the limit it is built`, async () => {
    const over = await both("test/compiler/sequence.jsonata", sequence, { items: items(25_001) });
    if (over.compiled.ok || over.interpreted.ok) throw new Error("both must fail");
    expect(over.compiled.error.message).toContain("(D2015)");
    expect(over.compiled.error.message).toBe(over.interpreted.error.message);
    const at = await both("test/compiler/sequence.jsonata", sequence, { items: items(25_000) });
    expect(at.compiled.ok && (at.compiled.value as unknown[]).length).toBe(50_000);
  });

  it("a path whose result passes the limit fails with D2015, as interpreted", async () => {
    const over = await both("test/compiler/path-sequence.jsonata", pathSequence, {
      items: items(MAPPING_LIMITS.sequence + 1),
    });
    if (over.compiled.ok || over.interpreted.ok) throw new Error("both must fail");
    expect(over.compiled.error.message).toContain("(D2015)");
    expect(over.compiled.error.message).toBe(over.interpreted.error.message);
  }, 60_000);
});
