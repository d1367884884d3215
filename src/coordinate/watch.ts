/**
 * The route object's side of alerts and metrics (src/alerts): the health and the meter are two
 * `kv` values of the route's RouteGate, read and written once per report (a consumer batch
 * reports once per route), so an event adds no row of its own.
 */
import type { AlertEvent } from "../alerts/events.ts";
import {
  type AttemptReport,
  applyReport,
  breakerChanged,
  deadDigest,
  type Health,
  healthy,
  pausedAlert,
  type Thresholds,
} from "../alerts/health.ts";
import { count, emptyMeter, type Meter, type MeterReport } from "../alerts/meter.ts";
import { type Buckets, tally } from "../store/counts.ts";

export interface Report {
  health: AttemptReport;
  meter: MeterReport;
}

type Kv = DurableObjectStorage["kv"];

export const readHealth = (kv: Kv): Health => kv.get<Health>("health") ?? healthy();
/** The meter as stored: with the route's per-minute buckets of the last 24 h (src/store/counts.ts). */
type StoredMeter = Meter & { minutes?: Buckets };
const readStored = (kv: Kv): StoredMeter => kv.get<StoredMeter>("meter") ?? emptyMeter();
export const readMeter = (kv: Kv): Meter => {
  const { minutes: _, ...meter } = readStored(kv);
  return meter;
};
export const readBuckets = (kv: Kv): Buckets => readStored(kv).minutes ?? {};

/**
 * Applies a batch's reports for one route; pauses the route (as an operator's pause would) when
 * it has failed continuously for `pauseAfterMinutes`. Returns the alerts to send.
 */
export function applyReports(
  kv: Kv,
  route: string,
  reports: Report[],
  limits: Thresholds,
  held: () => number,
  now = Date.now(),
): AlertEvent[] {
  const health = readHealth(kv);
  const healthBefore = JSON.stringify(health);
  const meter = readStored(kv);
  const minutes = meter.minutes ?? {};
  const alerts: AlertEvent[] = [];
  let pause = false;
  for (const report of reports) {
    count(meter, report.meter);
    tally(minutes, report.meter, now);
    const result = applyReport(health, route, report.health, limits, now);
    alerts.push(...result.alerts);
    pause ||= result.pause;
  }
  if (pause && kv.get("pausedAt") === undefined) {
    autoPause(kv, now);
    alerts.push(...pausedAlert(health, route, "automatic", held(), limits, now));
  }
  // A row written per key per report: a healthy route's health does not change, only its meter.
  if (JSON.stringify(health) !== healthBefore) kv.put("health", health);
  kv.put("meter", { ...meter, minutes });
  return alerts;
}

function autoPause(kv: Kv, now: number) {
  kv.put("pausedAt", new Date(now).toISOString());
  kv.put("pausedBy", "automatic");
}

/** The cron's call: the dead-letter digest when its window has passed and some wait. */
export function flushDigest(kv: Kv, route: string, limits: Thresholds, now = Date.now()) {
  const health = readHealth(kv);
  if (health.deadPending === 0) return [];
  const alerts = deadDigest(health, route, limits, now);
  if (alerts.length > 0) kv.put("health", health);
  return alerts;
}

/** The circuit breaker's hook (issue 26): see `breakerChanged`. */
export function breaker(
  kv: Kv,
  route: string,
  open: boolean,
  limits: Thresholds,
  held: () => number,
  now = Date.now(),
): AlertEvent[] {
  const health = readHealth(kv);
  const { alerts, pause } = breakerChanged(health, route, open, limits, now);
  if (pause && kv.get("pausedAt") === undefined) {
    autoPause(kv, now);
    alerts.push(...pausedAlert(health, route, "automatic", held(), limits, now));
  }
  kv.put("health", health);
  return alerts;
}

/** An operator's pause: `route.paused` (by operator), once per window. */
export function operatorPaused(kv: Kv, route: string, held: number, consoleUrl: string) {
  const health = readHealth(kv);
  kv.put("pausedBy", "operator");
  const alerts = pausedAlert(health, route, "operator", held, { consoleUrl }, Date.now());
  kv.put("health", health);
  return alerts;
}
