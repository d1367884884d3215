/**
 * `GET /metrics` in the Prometheus text exposition format (version 0.0.4): each route's counters
 * and histograms as its RouteGate object keeps them, summed here at scrape; gauges of what each
 * route holds. Names follow Prometheus conventions (`_total`, `_seconds`, base units).
 */
import type { GateStatus } from "../coordinate/route-gate.ts";
import {
  ATTEMPT_BUCKETS,
  type CounterName,
  type Histogram,
  LATENCY_BUCKETS,
  type Meter,
} from "./meter.ts";

export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** One route as scraped: its object's meter and status, and its dead letters kept. */
export interface RouteSample {
  route: string;
  meter: Meter;
  status: GateStatus;
  deadLetters: number;
}

const COUNTER_METRICS: Record<CounterName, { name: string; help: string }> = {
  delivered: { name: "webhook_deliveries_delivered_total", help: "Deliveries made (event, route)" },
  failedAttempts: {
    name: "webhook_delivery_attempts_failed_total",
    help: "Delivery attempts that failed (an error answer, a timeout or no answer)",
  },
  dead: { name: "webhook_deliveries_dead_total", help: "Deliveries that ended in a dead letter" },
  filtered: {
    name: "webhook_deliveries_filtered_total",
    help: "Deliveries left out by the route's event filter",
  },
  skipped: {
    name: "webhook_deliveries_skipped_total",
    help: "Deliveries the target format has no event for",
  },
};

/** A label value escaped as the format requires (backslash, quote, newline). */
const label = (value: string) =>
  value.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n");

const labels = (pairs: Record<string, string>) =>
  `{${Object.entries(pairs)
    .map(([name, value]) => `${name}="${label(value)}"`)
    .join(",")}}`;

function histogramLines(
  name: string,
  help: string,
  bounds: readonly number[],
  samples: Array<{ route: string; h: Histogram }>,
): string[] {
  const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
  for (const { route, h } of samples) {
    let cumulative = 0;
    bounds.forEach((bound, index) => {
      cumulative += h.buckets[index] ?? 0;
      lines.push(`${name}_bucket${labels({ route, le: String(bound) })} ${cumulative}`);
    });
    lines.push(`${name}_bucket${labels({ route, le: "+Inf" })} ${h.count}`);
    lines.push(`${name}_sum${labels({ route })} ${h.sum}`);
    lines.push(`${name}_count${labels({ route })} ${h.count}`);
  }
  return lines;
}

/**
 * The exposition text for these routes.
 *
 * @example renderMetrics([{ route: "crm", meter, status, deadLetters: 1 }])
 * // "# HELP webhook_deliveries_delivered_total ...\nwebhook_deliveries_delivered_total{source=\"chatwoot\",route=\"crm\"} 10\n..."
 */
export function renderMetrics(samples: RouteSample[]): string {
  const lines: string[] = [];
  for (const [counter, { name, help }] of Object.entries(COUNTER_METRICS)) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} counter`);
    for (const { route, meter } of samples) {
      for (const [source, counters] of Object.entries(meter.bySource)) {
        const value = counters[counter as CounterName] ?? 0;
        lines.push(`${name}${labels({ source, route })} ${value}`);
      }
    }
  }
  const gauges: Array<[string, string, (s: RouteSample) => number]> = [
    ["webhook_route_held_deliveries", "Deliveries held by a paused route", (s) => s.status.held],
    [
      "webhook_route_waiting_deliveries",
      "An ordered route's events waiting behind their conversation's head",
      (s) => s.status.waiting ?? 0,
    ],
    [
      "webhook_route_retrying_deliveries",
      "Deliveries waiting for a retry",
      (s) => s.meter.retrying,
    ],
    [
      "webhook_route_dead_letters",
      "Dead letters kept (until replayed or deleted)",
      (s) => s.deadLetters,
    ],
    [
      "webhook_route_paused",
      "1 while the route is paused (by an operator or automatically)",
      (s) => (s.status.paused ? 1 : 0),
    ],
  ];
  for (const [name, help, value] of gauges) {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} gauge`);
    for (const sample of samples)
      lines.push(`${name}${labels({ route: sample.route })} ${value(sample)}`);
  }
  lines.push(
    ...histogramLines(
      "webhook_delivery_attempt_duration_seconds",
      "How long one delivery attempt (POST) took",
      ATTEMPT_BUCKETS,
      samples.map((s) => ({ route: s.route, h: s.meter.attemptSeconds })),
    ),
    ...histogramLines(
      "webhook_delivery_latency_seconds",
      "From an event's acceptance to its delivery to the route",
      LATENCY_BUCKETS,
      samples.map((s) => ({ route: s.route, h: s.meter.deliveredSeconds })),
    ),
  );
  return `${lines.join("\n")}\n`;
}
