/**
 * `npm run compile:check`: every fixture × every target translated twice, compiled and
 * interpreted; prints each difference (a quick local check; the test suite asserts the same).
 */
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { formatIds } from "../../src/formats/index.ts";
import { translate } from "../../src/translate/index.ts";
import { root } from "./generate.ts";

const dir = join(root, "test/fixtures");
let pairs = 0;
let differences = 0;
for (const format of (await readdir(dir)).sort()) {
  for (const name of (await readdir(join(dir, format))).sort()) {
    const body = JSON.parse(await readFile(join(dir, format, name, "source.json"), "utf8"));
    for (const target of formatIds) {
      pairs++;
      const compiled = JSON.stringify(await translate(format, target, body, { trace: true }));
      const interpreted = JSON.stringify(
        await translate(format, target, body, { trace: true, interpret: true }),
      );
      const strip = (s: string) => s.replace(/,"interpreted":\[[^\]]*\]/g, "");
      if (strip(compiled) !== strip(interpreted)) {
        differences++;
        console.log(
          `${format}/${name} → ${target}\n  compiled:    ${compiled.slice(0, 600)}\n  interpreted: ${interpreted.slice(0, 600)}`,
        );
      }
    }
  }
}
console.log(`${pairs} pairs, ${differences} differ.`);
process.exitCode = differences === 0 ? 0 : 1;
