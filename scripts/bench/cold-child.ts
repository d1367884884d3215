/**
 * Run in a fresh Node process by cold.ts: loads the engine, translates one event, prints timings
 * as JSON. Mode "lazy" compiles on first use (as the Worker does); "eager" compiles every mapping
 * file first.
 */
import { readFileSync } from "node:fs";

const started = process.hrtime.bigint();
const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;

const [mode = "lazy", source = "supporthunt", target = "dotted", fixturePath = ""] =
  process.argv.slice(2);
const body = JSON.parse(readFileSync(fixturePath, "utf8"));

const loadStart = process.hrtime.bigint();
const engine = await import("../../src/translate/index.ts");
const formats = await import("../../src/formats/index.ts");
const mapping = await import("../../src/translate/mapping.ts");
const load = ms(loadStart);

let eager: number | undefined;
let files = 0;
const perFile: Array<[string, number]> = [];
if (mode === "eager") {
  const t = process.hrtime.bigint();
  for (const file of formats.mappingFiles().values()) {
    const f = process.hrtime.bigint();
    const compiled = mapping.compile(file);
    if (!compiled.ok) throw new Error(compiled.error.message);
    perFile.push([file.path, ms(f)]);
    files++;
  }
  eager = ms(t);
}

const firstStart = process.hrtime.bigint();
const first = await engine.translate(source, target, body, { trace: true });
const firstMs = ms(firstStart);
if (!first.ok) throw new Error(first.error.message);
const touched = first.value.trace?.flatMap((s) => s.mappings).length ?? 0;

const secondStart = process.hrtime.bigint();
await engine.translate(source, target, body);
const secondMs = ms(secondStart);

// Warm: after a few hundred calls (JIT settled).
for (let i = 0; i < 300; i++) await engine.translate(source, target, body);
const warmStart = process.hrtime.bigint();
for (let i = 0; i < 100; i++) await engine.translate(source, target, body);
const warmMs = ms(warmStart) / 100;

process.stdout.write(
  `${JSON.stringify({
    mode,
    load,
    eager,
    files,
    perFile,
    touched,
    first: firstMs,
    second: secondMs,
    warm: warmMs,
    toFirstResponse: ms(started),
  })}\n`,
);
