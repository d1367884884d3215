/**
 * Run in a fresh Node process by cold.ts: loads the engine, translates one event, prints timings
 * as JSON. Mode "compiled" runs the compiled mappings (as the Worker does); "interpreted" runs the
 * same event on the JSONata interpreter (as an edited mapping runs: it parses its files first).
 */
import { readFileSync } from "node:fs";

const started = process.hrtime.bigint();
const ms = (from: bigint) => Number(process.hrtime.bigint() - from) / 1e6;

const [mode = "compiled", source = "supporthunt", target = "dotted", fixturePath = ""] =
  process.argv.slice(2);
const body = JSON.parse(readFileSync(fixturePath, "utf8"));
const interpret = mode === "interpreted";

// The generated module alone: its size grows with the number of mapping files.
const generatedStart = process.hrtime.bigint();
const generated = await import("../../src/translate/generated/mappings.js");
const generatedLoad = ms(generatedStart);
const files = Object.keys(generated.compiled).length;

const loadStart = process.hrtime.bigint();
const engine = await import("../../src/translate/index.ts");
await import("../../src/formats/index.ts");
const load = ms(loadStart);

if (mode === "parts") {
  // The first event again, in its three parts, each timed on its first call: where a cold
  // translation spends its time (validation, the source's to-canonical file with the canonical
  // check, the target's from-canonical file).
  const { findFormat } = await import("../../src/formats/index.ts");
  const format = (id: string) => {
    const found = findFormat(id);
    if (!found.ok) throw new Error(found.error.message);
    return found.value;
  };
  let at = process.hrtime.bigint();
  const events = engine.readEvents(format(source), body);
  const validation = ms(at);
  if (!events.ok || !events.value[0]) throw new Error("the fixture does not validate");
  at = process.hrtime.bigint();
  const decoded = await engine.toCanonical(format(source), events.value[0]);
  const decoding = ms(at);
  if (!decoded.ok || "skip" in decoded.value) throw new Error("the fixture has no canonical event");
  at = process.hrtime.bigint();
  await engine.fromCanonical(format(target), decoded.value);
  const encoding = ms(at);
  process.stdout.write(`${JSON.stringify({ mode, validation, decoding, encoding })}\n`);
  process.exit(0);
}

const firstStart = process.hrtime.bigint();
const first = await engine.translate(source, target, body, { trace: true, interpret });
const firstMs = ms(firstStart);
if (!first.ok) throw new Error(first.error.message);
const touched = first.value.trace?.flatMap((s) => s.mappings).length ?? 0;

const secondStart = process.hrtime.bigint();
await engine.translate(source, target, body, { interpret });
const secondMs = ms(secondStart);

// Warm: after a few hundred calls (JIT settled).
for (let i = 0; i < 300; i++) await engine.translate(source, target, body, { interpret });
const warmStart = process.hrtime.bigint();
for (let i = 0; i < 100; i++) await engine.translate(source, target, body, { interpret });
const warmMs = ms(warmStart) / 100;

process.stdout.write(
  `${JSON.stringify({
    mode,
    generatedLoad,
    load,
    files,
    touched,
    first: firstMs,
    second: secondMs,
    warm: warmMs,
    toFirstResponse: ms(started),
  })}\n`,
);
