/**
 * What the generated validators save, per source format (not a test: numbers vary with load):
 * the body schema and the canonical check with zod and with the generated validator, and
 * `translate()` end to end into every target. `--cold` instead runs one fresh process per source
 * and reports the first `readEvents` and the first `translate()` after module load.
 *
 *   node --import tsx --import ./scripts/jsonata-loader.js scripts/compile/measure-validators.ts [--cold]
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CanonicalEvent } from "../../src/canonical/index.ts";
import { findFormat, formatIds } from "../../src/formats/index.ts";
import { readEvents, translate } from "../../src/translate/index.ts";
import { safeParse } from "../../src/translate/validators.ts";
import { allFixtures, representative } from "../bench/fixtures.ts";

const now = () => Number(process.hrtime.bigint()) / 1e3;

/** µs per call in the best of 15 batches of `n` calls (the least slowed by load), after 300 warm-up calls. */
async function micros(fn: () => unknown, n = 50): Promise<number> {
  for (let i = 0; i < 300; i++) await fn();
  const batches: number[] = [];
  for (let b = 0; b < 15; b++) {
    const start = now();
    for (let i = 0; i < n; i++) await fn();
    batches.push((now() - start) / n);
  }
  return Math.min(...batches);
}

const fmt = (value: number) => value.toFixed(1).padStart(7);

if (process.argv.includes("--cold-child")) {
  const [source = "", file = ""] = process.argv.slice(-2);
  const body = JSON.parse(readFileSync(file, "utf8"));
  const format = findFormat(source);
  if (!format.ok) throw new Error(format.error.message);
  let start = now();
  const events = readEvents(format.value, body);
  const firstRead = now() - start;
  start = now();
  const result = await translate(source, "dotted", body);
  const firstTranslate = now() - start;
  if (!events.ok || !result.ok) throw new Error("the fixture does not translate");
  process.stdout.write(JSON.stringify({ firstRead, firstTranslate }));
} else if (process.argv.includes("--cold")) {
  console.log(
    "source        first readEvents µs   first translate µs (→ dotted, after readEvents)",
  );
  for (const { source, fixture } of representative(allFixtures())) {
    const file = join("test/fixtures", fixture.folder, fixture.name, "source.json");
    const runs = Array.from({ length: 5 }, () =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [...process.execArgv, process.argv[1] as string, "--cold-child", source, file],
          { encoding: "utf8" },
        ),
      ),
    ) as Array<{ firstRead: number; firstTranslate: number }>;
    const median = (pick: (r: (typeof runs)[number]) => number) =>
      runs.map(pick).sort((a, b) => a - b)[2] as number;
    console.log(
      `${source.padEnd(12)} ${fmt(median((r) => r.firstRead))}               ${fmt(median((r) => r.firstTranslate))}`,
    );
  }
} else {
  console.log(
    "source        body zod   body fast   canonical zod   canonical fast   translate → each target (µs/event)",
  );
  for (const { source, fixture } of representative(allFixtures())) {
    const format = findFormat(source);
    if (!format.ok) continue;
    const schema = format.value.schema;
    const traced = await translate(source, "dotted", fixture.body, { trace: true });
    const canonical = traced.ok ? traced.value.trace?.[0]?.canonical : undefined;
    const events = readEvents(format.value, fixture.body);
    const count = events.ok ? events.value.length : 1;
    const bodyZod = await micros(() => schema.safeParse(fixture.body));
    const bodyFast = await micros(() => safeParse(schema, fixture.body));
    const canonicalZod = await micros(() => CanonicalEvent.safeParse(canonical));
    const canonicalFast = await micros(() => safeParse(CanonicalEvent, canonical));
    const pairs: string[] = [];
    for (const target of formatIds) {
      const each = await micros(() => translate(source, target, fixture.body), 20);
      pairs.push(`${target} ${(each / count).toFixed(0)}`);
    }
    console.log(
      `${source.padEnd(12)} ${fmt(bodyZod)}    ${fmt(bodyFast)}       ${fmt(canonicalZod)}          ${fmt(canonicalFast)}   ${pairs.join(", ")}`,
    );
  }
}
