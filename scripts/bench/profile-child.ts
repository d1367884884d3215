/** Run under `node --cpu-prof` by profile.ts: translates every representative pair for a few seconds. */
import { formatIds } from "../../src/formats/index.ts";
import { translate } from "../../src/translate/index.ts";
import { allFixtures, representative } from "./fixtures.ts";

const seconds = Number(process.argv[2] ?? 4);
const pairs: Array<[string, string, unknown]> = [];
for (const { source, fixture } of representative(allFixtures())) {
  for (const target of formatIds) {
    const r = await translate(source, target, fixture.body);
    if (r.ok) pairs.push([source, target, fixture.body]);
  }
}
const end = Date.now() + seconds * 1000;
let n = 0;
while (Date.now() < end) {
  for (const [s, t, b] of pairs) await translate(s, t, b);
  n += pairs.length;
}
process.stdout.write(`${JSON.stringify({ translations: n, pairs: pairs.length })}\n`);
