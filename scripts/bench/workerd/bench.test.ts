/**
 * The workerd part of `npm run bench`, run inside the Workers runtime by vitest.config.ts next to
 * it (not by `npm test`). Each test stores its raw samples in `task.meta`; run.ts reads them from
 * the JSON reporter's output and summarises them.
 *
 * Local workerd's clock (performance.now, Date.now) advances during synchronous compute, so the
 * wall time of pure compute is its CPU time; but it ticks in whole milliseconds. A sample therefore
 * times several consecutive runs and divides: each sample is a mean over `perSample` runs.
 */
import { expect, inject, it } from "vitest";
import { findFormat } from "../../../src/formats/index.ts";
import type { FormatDefinition, InboundRequest } from "../../../src/formats/types.ts";
import { readEvents, translate } from "../../../src/translate/index.ts";
import { dedupeKeys } from "../../../src/verify/keys.ts";
import { floors } from "../floor.ts";
import type { WorkerdInput, WorkerdMeta } from "./input.ts";
import {
  batchGates,
  createExecutionContext,
  env,
  type GateRoute,
  waitOnExecutionContext,
  worker,
} from "./runtime.js";

// Typed here rather than by augmenting vitest's ProvidedContext (see input.ts).
const input = inject("benchInput" as never) as WorkerdInput;
const report = (task: { meta: object }, meta: WorkerdMeta) => {
  (task.meta as { workerd?: WorkerdMeta }).workerd = meta;
};
const quick = input.quick;

const format = (id: string): FormatDefinition => {
  const found = findFormat(id);
  if (!found.ok) throw new Error(found.error.message);
  return found.value;
};

/** ms for `runs` consecutive awaited calls, divided by `runs`. */
async function block(runs: number, fn: () => unknown): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < runs; i++) await fn();
  return (performance.now() - start) / runs;
}

/** How many calls make a block of about `targetMs` (at least `min`): keeps the 1 ms tick small. */
async function callsPerBlock(fn: () => unknown, targetMs: number, min = 1): Promise<number> {
  const start = performance.now();
  let calls = 0;
  while (performance.now() - start < targetMs) {
    await fn();
    calls++;
  }
  const perCall = (performance.now() - start) / calls;
  return Math.max(min, Math.ceil(targetMs / perCall));
}

/** block() for synchronous code: no await between calls (like measureSync in stats.ts). */
function blockSync(runs: number, fn: () => unknown): number {
  const start = performance.now();
  for (let i = 0; i < runs; i++) fn();
  return (performance.now() - start) / runs;
}

function callsPerBlockSync(fn: () => unknown, targetMs: number): number {
  const start = performance.now();
  let calls = 0;
  while (performance.now() - start < targetMs) {
    fn();
    calls++;
  }
  return Math.max(1, Math.ceil(targetMs / ((performance.now() - start) / calls)));
}

const BLOCK_MS = 20;

it("request path", async ({ task }) => {
  const source = format("supporthunt");
  const text = input.batch;
  const request: InboundRequest = {
    method: "POST",
    url: new URL("https://translator.test/webhooks/supporthunt"),
    headers: new Headers({ "content-type": "application/json" }),
    text,
    body: JSON.parse(text),
  };

  // As the receive route does it (src/receive): parse, validate and split, the dedupe keys
  // (dedupeKeys, the route's own function), then what enqueue serialises per event.
  const requestPath = async () => {
    const body = JSON.parse(text);
    const events = readEvents(source, body);
    if (!events.ok) throw new Error(events.error.message);
    const keyed = await dedupeKeys(source, request, events.value, { signed: false });
    return keyed.map(({ wire, key }) => [key, JSON.stringify(wire.payload)]);
  };

  const parsed = readEvents(source, JSON.parse(text));
  if (!parsed.ok) throw new Error(parsed.error.message);
  const events = parsed.value;
  const parts = {
    parse: () => JSON.parse(text),
    validate: () => readEvents(source, request.body),
    keys: () => dedupeKeys(source, request, events, { signed: false }),
    serialise: () => events.map((e) => JSON.stringify(e.payload)),
  };

  const samples = quick ? 40 : 200;
  const warmEnd = performance.now() + (quick ? 200 : 1000);
  for (let i = 0; i < 50 || performance.now() < warmEnd; i++) {
    await requestPath();
    for (const fn of Object.values(parts)) await fn();
  }
  // Runs per sample: at least 5 for the whole path (so ≥ 1000 runs in all), ~20 ms per block.
  const perSample = await callsPerBlock(requestPath, BLOCK_MS, 5);
  const partRuns = {
    parse: await callsPerBlock(parts.parse, BLOCK_MS, 5),
    validate: await callsPerBlock(parts.validate, BLOCK_MS, 5),
    keys: await callsPerBlock(parts.keys, BLOCK_MS, 5),
    serialise: await callsPerBlock(parts.serialise, BLOCK_MS, 5),
  };
  const out = {
    total: [] as number[],
    parse: [] as number[],
    validate: [] as number[],
    keys: [] as number[],
    serialise: [] as number[],
  };
  for (let s = 0; s < samples; s++) {
    out.total.push(await block(perSample, requestPath));
    for (const [name, fn] of Object.entries(parts)) {
      const part = name as keyof typeof parts;
      out[part].push(await block(partRuns[part], fn));
    }
  }
  const keys = (await parts.keys()).map(({ key }) => key);
  report(task, {
    kind: "request",
    events: events.length,
    bytes: new TextEncoder().encode(text).length,
    distinctKeys: new Set(keys).size,
    perSample,
    partRuns,
    ...out,
  });
  expect(events.length).toBeGreaterThan(0);
});

it("receive route end to end", async ({ task }) => {
  // Every POST carries 100 events never seen before (conversation ids of its own), so each one is
  // validated, keyed, stored in local D1 and queued, never answered as a repeat.
  const template = JSON.parse(input.batch) as { events: Array<{ conversation: { id: number } }> };
  const base = Math.floor(Math.random() * 2 ** 30) * 1_000_000;
  let run = 0;
  const post = async () => {
    run++;
    template.events.forEach((e, i) => {
      e.conversation.id = base + run * 1000 + i;
    });
    const body = JSON.stringify(template);
    const request = new Request("https://translator.test/webhooks/supporthunt", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    const ctx = createExecutionContext();
    const start = performance.now();
    const response = await worker.fetch(request, env, ctx);
    const answer = (await response.json()) as { accepted?: string[] };
    await waitOnExecutionContext(ctx);
    const ms = performance.now() - start;
    return { ms, status: response.status, accepted: answer.accepted?.length ?? 0, answer };
  };
  const first = await post();
  if (first.status !== 202) {
    throw new Error(
      `POST /webhooks/supporthunt answered ${first.status}: ${JSON.stringify(first.answer).slice(0, 300)}`,
    );
  }
  for (let i = 0; i < (quick ? 5 : 20); i++) await post();
  const wall: number[] = [];
  const statuses: Record<string, number> = {};
  let accepted = 0;
  for (let i = 0; i < (quick ? 30 : 200); i++) {
    const r = await post();
    wall.push(r.ms);
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    accepted += r.accepted;
  }
  report(task, { kind: "route", wall, statuses, accepted, events: template.events.length });
  expect(statuses["202"]).toBe(wall.length);
});

it("translation of the floor pairs", async ({ task }) => {
  const pairs = [];
  for (const pair of input.floors) {
    const floor = floors.find(
      (f) => f.source === pair.source && f.target === pair.target && f.fixture === pair.fixture,
    );
    const engine = () => translate(pair.source, pair.target, pair.body);
    const first = await engine();
    if (!first.ok) throw new Error(`${pair.source} → ${pair.target}: ${first.error.message}`);
    const warmEnd = performance.now() + (quick ? 100 : 500);
    for (let i = 0; i < 200 || performance.now() < warmEnd; i++) await engine();
    for (let i = 0; i < 1000; i++) floor?.translate(pair.body);
    const enginePer = await callsPerBlock(engine, BLOCK_MS, 5);
    const floorPer = floor ? callsPerBlockSync(() => floor.translate(pair.body), BLOCK_MS) : 0;
    const engineSamples: number[] = [];
    const floorSamples: number[] = [];
    // µs per call (the block helper gives ms).
    for (let s = 0; s < (quick ? 20 : 100); s++) {
      engineSamples.push((await block(enginePer, engine)) * 1000);
      if (floor) floorSamples.push(blockSync(floorPer, () => floor.translate(pair.body)) * 1000);
    }
    pairs.push({
      ...pair,
      body: undefined,
      enginePer,
      floorPer,
      engine: engineSamples,
      floor: floorSamples,
    });
  }
  report(task, { kind: "floors", pairs });
  expect(pairs.length).toBe(input.floors.length);
});

it("route gate per delivery (plain route, rate-limited route)", async ({ task }) => {
  // What the consumer adds per delivery before posting (issue 13): a plain route asks its
  // Durable Object once per batch (then only a pause matters); a route with maxPerSecond asks
  // before every delivery. The limit here is high enough that every answer is "go".
  const route = (name: string, maxPerSecond?: number): GateRoute => ({
    name,
    sources: "*",
    target: "dotted",
    url: "http://example.invalid/",
    ...(maxPerSecond ? { maxPerSecond } : {}),
  });
  const plain = route(`bench-plain-${Date.now()}`);
  const limited = route(`bench-limited-${Date.now()}`, 1_000_000);
  const batch = async (r: GateRoute) => {
    const gates = batchGates(env);
    for (let i = 0; i < 100; i++) {
      const verdict = await gates.admit(r, { event: `e${i}`, deliveries: 1, tries: 0 });
      if (verdict.kind !== "go") throw new Error(`gate said ${verdict.kind}`);
    }
  };
  const samples = quick ? 5 : 20;
  const out = { plain: [] as number[], limited: [] as number[] };
  await batch(plain);
  await batch(limited);
  for (let s = 0; s < samples; s++) {
    // µs per delivery: a batch of 100 deliveries timed whole.
    out.plain.push((await block(1, () => batch(plain))) * 10);
    out.limited.push((await block(1, () => batch(limited))) * 10);
  }
  report(task, { kind: "gate", ...out });
  expect(out.plain.length).toBe(samples);
});
