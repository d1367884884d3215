import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LIMITS } from "../limits/index.ts";
import { exceedsDepth, parseJsonText } from "./index.ts";

describe("parseJsonText", () => {
  it("keeps the exact text beside the value", () => {
    const result = parseJsonText('{"a": "é\\n"}');
    expect(result).toEqual({ ok: true, value: { text: '{"a": "é\\n"}', value: { a: "é\n" } } });
  });

  it.each([[""], ["  "], ["{"], ['{"a":'], ["nul"], ["{'a': 1}"]])(
    "rejects %j as invalid_json",
    (text) => {
      const result = parseJsonText(text);
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatchObject({ code: "invalid_json", status: 400 });
    },
  );

  it("rejects nesting deeper than the limit, at any depth, without overflowing", () => {
    const deep = `${"[".repeat(20_000)}${"]".repeat(20_000)}`;
    const result = parseJsonText(deep);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe("invalid_payload");
    expect(
      exceedsDepth(
        JSON.parse(`${"[".repeat(LIMITS.depth)}${"]".repeat(LIMITS.depth)}`),
        LIMITS.depth,
      ),
    ).toBe(false);
  });

  it("never throws, whatever the text", () => {
    fc.assert(
      fc.property(fc.string(), (text) => {
        parseJsonText(text);
      }),
    );
    fc.assert(
      fc.property(fc.json(), (text) => {
        expect(parseJsonText(text).ok).toBe(true);
      }),
    );
  });
});
