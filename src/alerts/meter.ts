/**
 * A route's counters and histograms for `GET /metrics`, kept by its RouteGate object as the
 * consumer reports (one `kv` value per route, written with the health in the same report), and
 * summed at scrape: nothing is counted over the tables.
 */

/** Outcomes counted per source. */
export const COUNTERS = ["delivered", "failedAttempts", "dead", "filtered", "skipped"] as const;
export type CounterName = (typeof COUNTERS)[number];

/** Upper bounds (seconds) of the histograms' buckets. */
export const ATTEMPT_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] as const;
export const LATENCY_BUCKETS = [0.5, 1, 5, 15, 60, 300, 1800, 3600, 21_600, 86_400] as const;

export interface Histogram {
  /** Count per bucket (not cumulative), then the overflow (+Inf) as the last entry. */
  buckets: number[];
  sum: number;
  count: number;
}

export interface Meter {
  /** Per source: each counter. */
  bySource: Record<string, Partial<Record<CounterName, number>>>;
  /** Deliveries currently waiting for a retry (a first retry adds one, its settling removes it). */
  retrying: number;
  attemptSeconds: Histogram;
  deliveredSeconds: Histogram;
}

const histogram = (bounds: readonly number[]): Histogram => ({
  buckets: new Array(bounds.length + 1).fill(0),
  sum: 0,
  count: 0,
});

export const emptyMeter = (): Meter => ({
  bySource: {},
  retrying: 0,
  attemptSeconds: histogram(ATTEMPT_BUCKETS),
  deliveredSeconds: histogram(LATENCY_BUCKETS),
});

export function observe(h: Histogram, bounds: readonly number[], seconds: number): void {
  const index = bounds.findIndex((bound) => seconds <= bound);
  const at = index === -1 ? bounds.length : index;
  h.buckets[at] = (h.buckets[at] ?? 0) + 1;
  h.sum += seconds;
  h.count++;
}

/** What one message adds to the meter. */
export interface MeterReport {
  source: string;
  /** How the message ended: delivered, dead, filtered, skipped, a retry, or nothing counted (held, waiting). */
  ended: "delivered" | "dead" | "filtered" | "skipped" | "retrying" | "none";
  /** This message's attempt number (1: its first). */
  attempt: number;
  /** Each POST: seconds it took, and whether it failed. */
  posts: Array<{ seconds: number; failed: boolean }>;
  /** Seconds from acceptance to delivery (a delivered message). */
  deliveredAfter?: number;
}

/** @example count(meter, { source: "chatwoot", ended: "delivered", attempt: 1, posts: [{ seconds: 0.2, failed: false }], deliveredAfter: 0.4 }) */
export function count(meter: Meter, report: MeterReport): void {
  const counters = meter.bySource[report.source] ?? {};
  meter.bySource[report.source] = counters;
  const add = (name: CounterName, n = 1) => {
    counters[name] = (counters[name] ?? 0) + n;
  };
  for (const post of report.posts) {
    observe(meter.attemptSeconds, ATTEMPT_BUCKETS, post.seconds);
    if (post.failed) add("failedAttempts");
  }
  if (report.ended === "retrying" && report.attempt === 1) meter.retrying++;
  if (report.ended !== "retrying" && report.ended !== "none" && report.attempt > 1) {
    meter.retrying = Math.max(0, meter.retrying - 1);
  }
  if (report.ended === "delivered" || report.ended === "dead") add(report.ended);
  if (report.ended === "filtered" || report.ended === "skipped") add(report.ended);
  if (report.ended === "delivered" && report.deliveredAfter !== undefined) {
    observe(meter.deliveredSeconds, LATENCY_BUCKETS, report.deliveredAfter);
  }
}
