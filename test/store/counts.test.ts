/**
 * A route's last 24 hours as its RouteGate object counts them (src/store/counts.ts,
 * src/coordinate/watch.ts): deliveries by outcome for `/routes`, attempts per minute for
 * `/activity`, kept as the consumer reports a batch, at no row of their own.
 */
import { runInDurableObject } from "cloudflare:test";
import { env as bindings } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { MeterReport } from "../../src/alerts/meter.ts";
import type { Env } from "../../src/config/env.ts";
import type { RouteGate } from "../../src/coordinate/route-gate.ts";
import { applyReports, type Report } from "../../src/coordinate/watch.ts";
import { endedSince, mergeMinutes, minutesSince, tally } from "../../src/store/counts.ts";

const env = bindings as unknown as Env;
const limits = { failingAfter: 1000, pauseAfterMinutes: 0, consoleUrl: "/console" };
const meter = (ended: MeterReport["ended"], posts: boolean[], attempt = 1): MeterReport => ({
  source: "chatwoot",
  ended,
  attempt,
  posts: posts.map((failed) => ({ seconds: 0.1, failed })),
});
const report = (m: MeterReport): Report => ({
  health: { attempts: m.posts.map((p) => ({ status: p.failed ? 503 : 200 })) },
  meter: m,
});
const MINUTE = 60_000;

describe("a route's counts of the last 24 hours", () => {
  it("counts attempts per minute and deliveries by outcome; forgets what is older than a day", () => {
    const t0 = Date.UTC(2026, 11, 3, 10, 0, 30);
    const buckets = {};
    tally(buckets, meter("retrying", [true]), t0);
    tally(buckets, meter("delivered", [false], 2), t0 + 5_000);
    tally(buckets, meter("dead", [true]), t0 + MINUTE);
    tally(buckets, meter("filtered", []), t0 + MINUTE);
    tally(buckets, meter("skipped", []), t0 + 2 * MINUTE);
    expect(minutesSince(buckets, t0 - MINUTE)).toEqual([
      { at: Math.floor(t0 / MINUTE) * 60, delivered: 1, failed: 1, dead: 0 },
      { at: Math.floor(t0 / MINUTE) * 60 + 60, delivered: 0, failed: 1, dead: 1 },
    ]);
    expect(endedSince(buckets, t0 - MINUTE)).toEqual({
      delivered: 1,
      dead: 1,
      filtered: 1,
      skipped: 1,
    });
    expect(endedSince(buckets, t0 + MINUTE)).toEqual({ dead: 1, filtered: 1, skipped: 1 });
    // A day later the old minutes are gone from the value itself.
    tally(buckets, meter("delivered", [false]), t0 + 24 * 60 * MINUTE + MINUTE);
    expect(Object.keys(buckets)).toHaveLength(2);
    expect(endedSince(buckets, 0)).toEqual({ delivered: 1, skipped: 1 });
    expect(
      mergeMinutes([
        [{ at: 60, delivered: 1, failed: 0, dead: 0 }],
        [
          { at: 0, delivered: 0, failed: 2, dead: 0 },
          { at: 60, delivered: 2, failed: 1, dead: 1 },
        ],
      ]),
    ).toEqual([
      { at: 0, delivered: 0, failed: 2, dead: 0 },
      { at: 60, delivered: 3, failed: 1, dead: 1 },
    ]);
  });

  it("are kept by the route's object from the consumer's reports, in the values it already writes", async () => {
    const stub = env.ROUTE_GATES.get(env.ROUTE_GATES.idFromName(`counts-${crypto.randomUUID()}`));
    const reports = [
      report(meter("retrying", [true])),
      report(meter("delivered", [false], 2)),
      report(meter("dead", [true])),
      report(meter("delivered", [false, false])),
    ];
    // Rows written by a batch's report: one per `kv` value put, whatever the batch's size.
    const puts = await runInDurableObject(stub, (_, state) => {
      const kv = state.storage.kv;
      let n = 0;
      const counted = new Proxy(kv, {
        get: (target, name) =>
          name === "put"
            ? (...args: Parameters<typeof kv.put>) => {
                n++;
                return target.put(...args);
              }
            : Reflect.get(target, name).bind(target),
      });
      applyReports(counted, "r", reports, limits, () => 0);
      return n;
    });
    // health and meter: the buckets ride in the meter's value.
    expect(puts).toBe(2);
    const seen = await (stub as DurableObjectStub<RouteGate>).watch();
    expect(seen.counts).toEqual({ delivered: 2, dead: 1 });
    expect(seen.meter).not.toHaveProperty("minutes");
    const minutes = await (stub as DurableObjectStub<RouteGate>).activity(Date.now() - 60 * MINUTE);
    expect(minutes.reduce((sum, m) => sum + m.delivered, 0)).toBe(3);
    expect(minutes.reduce((sum, m) => sum + m.failed, 0)).toBe(2);
    expect(minutes.reduce((sum, m) => sum + m.dead, 0)).toBe(1);
  });
});
