/**
 * Section 2: a Support Hunt batch of 100 events. The request path (validate + split + what enqueue
 * serialises) and the consumer path (translate each event).
 */
import { findFormat, formatIds } from "../../src/formats/index.ts";
import type { FormatDefinition, InboundRequest } from "../../src/formats/types.ts";
import { readEvents, translateEvent } from "../../src/translate/index.ts";
import { dedupeKeys } from "../../src/verify/keys.ts";
import type { Fixture } from "./fixtures.ts";
import { type Summary, summarise } from "./stats.ts";
import { STEADY_MS } from "./translation.ts";

export interface BatchResult {
  events: number;
  bytes: number;
  distinctFixtures: number;
  request: { wall: Summary; cpuMs: number };
  requestWithKeys: { wall: Summary; cpuMs: number };
  /** The 100 dedupe keys alone (Node WebCrypto). */
  keysOnly: { wall: Summary; cpuMs: number };
  consumer: Array<{ target: string; wall?: Summary; cpuMs?: number; note?: string }>;
}

const get = (id: string): FormatDefinition => {
  const f = findFormat(id);
  if (!f.ok) throw new Error(f.error.message);
  return f.value;
};

/** 100 events cycled from every Support Hunt fixture. */
export function supporthuntBatch(
  fixtures: Fixture[],
  size = 100,
): { text: string; sources: number } {
  const pool: unknown[] = [];
  let sources = 0;
  for (const f of fixtures.filter((x) => x.folder === "supporthunt")) {
    const events = (f.body as { events?: unknown[] }).events;
    if (Array.isArray(events) && events.length > 0) {
      pool.push(...events);
      sources++;
    }
  }
  if (pool.length === 0) throw new Error("no Support Hunt fixtures");
  const events = Array.from({ length: size }, (_, i) => pool[i % pool.length]);
  return { text: JSON.stringify({ events }), sources };
}

/** Runs fn `reps` times; wall ms per run (samples) and CPU ms per run (process.cpuUsage, user+system). */
async function cpuTimed(
  fn: () => unknown,
  reps: number,
): Promise<{ wall: Summary; cpuMs: number }> {
  for (let i = 0; i < Math.min(3, reps); i++) await fn();
  const samples: number[] = [];
  const cpu = process.cpuUsage();
  for (let i = 0; i < reps; i++) {
    const start = process.hrtime.bigint();
    await fn();
    samples.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  const used = process.cpuUsage(cpu);
  return { wall: summarise(samples), cpuMs: (used.user + used.system) / 1000 / reps };
}

export async function batchCosts(fixtures: Fixture[]): Promise<BatchResult> {
  const source = get("supporthunt");
  const { text, sources } = supporthuntBatch(fixtures);

  const requestPath = () => {
    const body = JSON.parse(text);
    const events = readEvents(source, body);
    if (!events.ok) throw new Error(events.error.message);
    // Stand-in for enqueue: each event's payload is serialised to be stored.
    return events.value.map((e) => JSON.stringify(e.payload));
  };
  requestPath();
  const request = await cpuTimed(requestPath, 200);

  // The route's own key step (dedupeKeys, src/verify), on the same request.
  const inbound: InboundRequest = {
    method: "POST",
    url: new URL("http://127.0.0.1/webhooks/supporthunt"),
    headers: new Headers(),
    text,
    body: JSON.parse(text),
  };
  const withKeys = async () => {
    const events = readEvents(source, JSON.parse(text));
    if (!events.ok) throw new Error(events.error.message);
    const keyed = await dedupeKeys(source, inbound, events.value, { signed: false });
    return keyed.map(({ wire, key }) => [key, JSON.stringify(wire.payload)]);
  };
  const requestWithKeys = await cpuTimed(withKeys, 200);
  const split = readEvents(source, inbound.body);
  if (!split.ok) throw new Error(split.error.message);
  const keysOnly = await cpuTimed(
    () => dedupeKeys(source, inbound, split.value, { signed: false }),
    200,
  );

  const parsed = readEvents(source, JSON.parse(text));
  if (!parsed.ok) throw new Error(parsed.error.message);
  const events = parsed.value;
  const consumer: BatchResult["consumer"] = [];
  for (const targetId of formatIds) {
    const target = get(targetId);
    try {
      for (const e of events) {
        const r = await translateEvent(source, target, e);
        if (!r.ok) throw new Error(r.error.message);
      }
      const run = async () => {
        for (const e of events) await translateEvent(source, target, e);
      };
      const warmUntil = Date.now() + STEADY_MS;
      while (Date.now() < warmUntil) await run();
      consumer.push({ target: targetId, ...(await cpuTimed(run, 8)) });
    } catch (error) {
      consumer.push({ target: targetId, note: `error: ${String(error).slice(0, 120)}` });
    }
  }
  return {
    events: events.length,
    bytes: Buffer.byteLength(text),
    distinctFixtures: sources,
    request,
    requestWithKeys,
    keysOnly,
    consumer,
  };
}
