/**
 * `GET /metrics` in the Prometheus text exposition format (version 0.0.4), written by prom-client
 * (names, help, label escaping, the text format): per source, the counters the event store's
 * shards keep (src/store/counters.ts); per route, the counters and histograms its RouteGate
 * object keeps (meter.ts); gauges of what each route holds. All summed here at scrape, from
 * fresh metric objects each time (nothing is kept in the isolate, which is not the only one).
 * Names follow Prometheus conventions (`_total`, `_seconds`, base units).
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { GateStatus } from "../coordinate/verdict.ts";
import type { CountsBySource } from "../store/counters.ts";
import {
  ATTEMPT_BUCKETS,
  type Histogram as Buckets,
  type CounterName,
  LATENCY_BUCKETS,
  type Meter,
} from "./meter.ts";

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** One route as scraped: its object's meter and status, and its dead letters kept. */
export interface RouteSample {
  route: string;
  meter: Meter;
  status: GateStatus;
  deadLetters: number;
}

const ROUTE_COUNTERS: Record<CounterName, { name: string; help: string }> = {
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

/** The fields prom-client's metric objects carry at run time (not in its type declarations). */
type MetricFields = { name: string; help: string; type: string; aggregator: string };

/**
 * A histogram whose buckets were counted elsewhere (by the route objects): prom-client observes
 * one value at a time and has no call to set a bucket's count, so this one answers the registry's
 * read (`getForPromString`, what `Registry.metrics()` calls in prom-client 15) with the counts
 * given; the registry still writes the text (escaping, `le`, `_sum`, `_count`). The metrics test
 * parses the result, so a change in prom-client's internals fails there.
 */
class CountedHistogram extends Histogram<"route"> {
  private readonly series: Array<{ route: string; counts: Buckets }> = [];

  constructor(
    name: string,
    help: string,
    private readonly bounds: readonly number[],
    registry: Registry,
  ) {
    super({ name, help, labelNames: ["route"], buckets: [...bounds], registers: [registry] });
  }

  add(route: string, counts: Buckets): void {
    this.series.push({ route, counts });
  }

  async getForPromString() {
    const { name, help, type, aggregator } = this as unknown as MetricFields;
    const values = this.series.flatMap(({ route, counts }) => {
      let cumulative = 0;
      return [
        ...this.bounds.map((le, index) => {
          cumulative += counts.buckets[index] ?? 0;
          return { metricName: `${name}_bucket`, labels: { route, le }, value: cumulative };
        }),
        { metricName: `${name}_bucket`, labels: { route, le: "+Inf" }, value: counts.count },
        { metricName: `${name}_sum`, labels: { route }, value: counts.sum },
        { metricName: `${name}_count`, labels: { route }, value: counts.count },
      ];
    });
    return { name, help, type, aggregator, values };
  }
}

const circuitOpen = (sample: RouteSample) => sample.status.circuit.state !== "closed";

/**
 * The exposition text for these sources and routes.
 *
 * @example await renderMetrics({ chatwoot: counts }, [{ route: "crm", meter, status, deadLetters: 1 }])
 * // "# HELP webhook_requests_received_total ...\nwebhook_requests_received_total{source=\"chatwoot\"} 12\n..."
 */
export async function renderMetrics(
  sources: CountsBySource,
  routes: RouteSample[],
): Promise<string> {
  const registry = new Registry();
  const registers = [registry];
  const bySource = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ["source"], registers });
  const received = bySource(
    "webhook_requests_received_total",
    "POST /webhooks/:source requests of a known source, whatever the answer (accepted, repeats, handshakes, rejected)",
  );
  const rejected = new Counter({
    name: "webhook_requests_rejected_total",
    help: "Requests answered with an error and nothing kept (400, 401, 413, 415, 503), by status",
    labelNames: ["source", "code"],
    registers,
  });
  const accepted = bySource("webhook_events_accepted_total", "Events accepted (new, queued)");
  const duplicates = bySource(
    "webhook_events_duplicates_total",
    "Events that repeated one accepted in the last 24 hours (not delivered again)",
  );
  for (const [source, counts] of Object.entries(sources)) {
    const answered = Object.entries(counts.answered);
    received.inc({ source }, counts.requests + answered.reduce((sum, [, n]) => sum + n, 0));
    accepted.inc({ source }, counts.accepted);
    duplicates.inc({ source }, counts.duplicates);
    for (const [code, n] of answered) if (Number(code) >= 400) rejected.inc({ source, code }, n);
  }

  for (const [counter, { name, help }] of Object.entries(ROUTE_COUNTERS)) {
    const metric = new Counter({ name, help, labelNames: ["source", "route"], registers });
    for (const { route, meter } of routes) {
      for (const [source, counters] of Object.entries(meter.bySource)) {
        metric.inc({ source, route }, counters[counter as CounterName] ?? 0);
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
    [
      "webhook_route_circuit_open",
      "1 while the route's circuit breaker is open or half-open (deliveries held back but for a probe)",
      (s) => (circuitOpen(s) ? 1 : 0),
    ],
  ];
  for (const [name, help, value] of gauges) {
    const gauge = new Gauge({ name, help, labelNames: ["route"], registers });
    for (const sample of routes) gauge.set({ route: sample.route }, value(sample));
  }
  new Gauge({
    name: "webhook_circuits_open",
    help: "Routes whose circuit breaker is open or half-open",
    registers,
  }).set(routes.filter(circuitOpen).length);

  const attempts = new CountedHistogram(
    "webhook_delivery_attempt_duration_seconds",
    "How long one delivery attempt (POST) took",
    ATTEMPT_BUCKETS,
    registry,
  );
  const latency = new CountedHistogram(
    "webhook_delivery_latency_seconds",
    "From an event's acceptance to its delivery to the route",
    LATENCY_BUCKETS,
    registry,
  );
  for (const { route, meter } of routes) {
    attempts.add(route, meter.attemptSeconds);
    latency.add(route, meter.deliveredSeconds);
  }
  return registry.metrics();
}
