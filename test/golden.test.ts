/**
 * Golden files: every fixture is translated into every format and compared with the expected
 * output stored beside it.
 *
 *   test/fixtures/<source format>/<case>/source.json    the payload as the platform POSTs it
 *   test/fixtures/<source format>/<case>/<target>.json  what POST /translate/<source>/<target> returns
 *
 * After an intended mapping change, `npm run fixtures:update` rewrites the expected files;
 * review them with `git diff`. A change that alters output without updating them fails here.
 */
import { describe, expect, it } from "vitest";
import { findFormat, formatIds } from "../src/formats/index.ts";
import { translate } from "../src/translate/index.ts";
import { fixtures } from "./fixtures.ts";

describe.each(fixtures)("$format/$name", ({ format, name, body }) => {
  it.each(formatIds)(`→ %s matches ${format}/${name}/<target>.json`, async (target) => {
    const result = await translate(format, target, body);
    const output = result.ok ? result.value : { error: result.error };
    await expect(`${JSON.stringify(output, null, 2)}\n`).toMatchFileSnapshot(
      `./fixtures/${format}/${name}/${target}.json`,
    );
  });

  it("delivers bodies that satisfy each target's own schema", async () => {
    for (const target of formatIds) {
      const result = await translate(format, target, body);
      expect(result.ok, JSON.stringify(!result.ok && result.error)).toBe(true);
      if (!result.ok) continue;
      const schema = (
        findFormat(target) as {
          ok: true;
          value: { schema: { safeParse(v: unknown): { success: boolean; error?: unknown } } };
        }
      ).value.schema;
      for (const delivery of result.value.deliveries) {
        const parsed = schema.safeParse(delivery.body);
        expect(parsed.success, `${target} ${delivery.event}: ${JSON.stringify(parsed.error)}`).toBe(
          true,
        );
      }
    }
  });
});
