/**
 * A route's health, kept by its RouteGate object (one `kv` value, written once per report): the
 * run of failed attempts, whether `route.failing` was raised, when an automatic pause is due,
 * the dead letters waiting for their digest, when each type was last sent (one per type per
 * window), and the last alerts (the console). Plain functions over plain data: the object calls
 * them inside its single thread, so every decision is exact.
 */
import { type AlertEvent, type AlertType, alertOf } from "./events.ts";

/** At most one alert per route per type in this window; dead letters are digested per window. */
export const ALERT_WINDOW_MS = 5 * 60 * 1000;
/** Last answers and errors kept for `route.failing`, and last alerts kept for the console. */
const KEEP = 5;
const KEEP_ALERTS = 10;

export interface Health {
  /** Failed attempts in a row (0: the last attempt succeeded). */
  failures: number;
  /** Epoch ms of the first failure of the current run. */
  failingSince?: number;
  /** Epoch ms since when the circuit breaker is open (set by `breakerChanged`). */
  breakerSince?: number;
  lastStatuses: number[];
  lastErrors: string[];
  /** Deliveries whose first attempt failed in this run. */
  affected: number;
  /** `route.failing` was raised for this run (so its end raises `route.recovered`). */
  failing: boolean;
  /** Dead letters not yet told, and when the first of them was made. */
  deadPending: number;
  deadSince?: number;
  /** Epoch ms each type was last sent. */
  lastSent: Partial<Record<AlertType, number>>;
  recent: AlertEvent[];
}

export const healthy = (): Health => ({
  failures: 0,
  lastStatuses: [],
  lastErrors: [],
  affected: 0,
  failing: false,
  deadPending: 0,
  lastSent: {},
  recent: [],
});

/** What the consumer tells the route's object about one message's attempts, in order. */
export interface AttemptReport {
  /** Each attempt: its status (0: none) and error (absent: delivered). */
  attempts: Array<{ status: number; error?: string }>;
  /** The message ended in a dead letter. */
  dead?: boolean;
  /** This was the delivery's first attempt (a retry's failure affects no new event). */
  firstTry?: boolean;
}

export interface Thresholds {
  failingAfter: number;
  pauseAfterMinutes: number;
  consoleUrl: string;
}

/** Raises `type` unless one was sent within the window; keeps it for the console either way. */
function raise(health: Health, alert: AlertEvent, now: number, out: AlertEvent[]): void {
  const last = health.lastSent[alert.type];
  if (last !== undefined && now - last < ALERT_WINDOW_MS) return;
  health.lastSent[alert.type] = now;
  health.recent = [alert, ...health.recent].slice(0, KEEP_ALERTS);
  out.push(alert);
}

const iso = (ms: number | undefined) => new Date(ms ?? 0).toISOString();

/**
 * Applies one message's report; returns the alerts to send and whether the route must now be
 * paused automatically (failing continuously for `pauseAfterMinutes`, breaker time included).
 *
 * @example const { alerts, pause } = applyReport(health, route, report, thresholds, Date.now());
 */
export function applyReport(
  health: Health,
  route: string,
  report: AttemptReport,
  limits: Thresholds,
  now: number,
): { alerts: AlertEvent[]; pause: boolean } {
  const alerts: AlertEvent[] = [];
  let counted = report.firstTry !== true;
  for (const attempt of report.attempts) {
    if (attempt.error === undefined) {
      if (health.failing && health.breakerSince === undefined) {
        const data = {
          failingSince: iso(health.failingSince),
          failures: health.failures,
          eventsAffected: health.affected,
        };
        raise(health, alertOf("route.recovered", route, limits.consoleUrl, data, now), now, alerts);
      }
      Object.assign(health, { failures: 0, lastStatuses: [], lastErrors: [], affected: 0 });
      health.failing = false;
      delete health.failingSince;
      continue;
    }
    health.failures++;
    health.failingSince ??= now;
    if (!counted) health.affected++;
    counted = true;
    health.lastStatuses = [...health.lastStatuses, attempt.status].slice(-KEEP);
    health.lastErrors = [...health.lastErrors, attempt.error.slice(0, 200)].slice(-KEEP);
    if (!health.failing && health.failures >= limits.failingAfter) {
      health.failing = true;
      raise(health, failingAlert(health, route, "attempts", limits, now), now, alerts);
    }
  }
  if (report.dead) {
    health.deadPending++;
    health.deadSince ??= now;
    alerts.push(...deadDigest(health, route, limits, now));
  }
  return { alerts, pause: pauseDue(health, limits, now) };
}

function failingAlert(
  health: Health,
  route: string,
  reason: "attempts" | "breaker",
  limits: Thresholds,
  now: number,
): AlertEvent {
  return alertOf(
    "route.failing",
    route,
    limits.consoleUrl,
    {
      failures: health.failures,
      reason,
      lastStatuses: health.lastStatuses,
      lastErrors: health.lastErrors,
      failingSince: iso(health.failingSince ?? health.breakerSince),
      eventsAffected: health.affected,
    },
    now,
  );
}

/** True when the route has been failing (or its breaker open) for `pauseAfterMinutes` (0: never). */
export function pauseDue(health: Health, limits: Thresholds, now: number): boolean {
  const since = health.breakerSince ?? (health.failures > 0 ? health.failingSince : undefined);
  if (limits.pauseAfterMinutes === 0 || since === undefined) return false;
  return now - since >= limits.pauseAfterMinutes * 60_000;
}

/**
 * The dead-letter digest: sent when dead letters wait and none was sent within the window (the
 * first one at once); the rest wait for the window's end (`flushDigest`, from the cron).
 */
export function deadDigest(
  health: Health,
  route: string,
  limits: Thresholds,
  now: number,
): AlertEvent[] {
  if (health.deadPending === 0) return [];
  const last = health.lastSent["deliveries.dead"];
  if (last !== undefined && now - last < ALERT_WINDOW_MS) return [];
  const alert = alertOf(
    "deliveries.dead",
    route,
    limits.consoleUrl,
    {
      count: health.deadPending,
      since: iso(health.deadSince),
      deadLettersUrl: `${limits.consoleUrl}?route=${encodeURIComponent(route)}&status=dead`,
    },
    now,
  );
  const out: AlertEvent[] = [];
  raise(health, alert, now, out);
  health.deadPending = 0;
  delete health.deadSince;
  return out;
}

/**
 * The circuit breaker's hook (src/coordinate/breaker.ts): the breaker calls this when it opens
 * (`open: true`) or when its probe succeeds (`open: false`). Opening raises `route.failing` if
 * not raised yet; time open counts as failing for the automatic pause; closing raises
 * `route.recovered`.
 */
export function breakerChanged(
  health: Health,
  route: string,
  open: boolean,
  limits: Thresholds,
  now: number,
): { alerts: AlertEvent[]; pause: boolean } {
  const alerts: AlertEvent[] = [];
  if (open) {
    health.breakerSince ??= now;
    if (!health.failing) {
      health.failing = true;
      raise(health, failingAlert(health, route, "breaker", limits, now), now, alerts);
    }
    return { alerts, pause: pauseDue(health, limits, now) };
  }
  delete health.breakerSince;
  return applyReport(health, route, { attempts: [{ status: 200 }] }, limits, now);
}

/** The automatic pause's alert (the object has just paused the route). */
export function pausedAlert(
  health: Health | undefined,
  route: string,
  by: "operator" | "automatic",
  held: number,
  limits: Pick<Thresholds, "consoleUrl">,
  now: number,
): AlertEvent[] {
  const since = health?.breakerSince ?? health?.failingSince;
  const alert = alertOf(
    "route.paused",
    route,
    limits.consoleUrl,
    {
      by,
      pausedAt: iso(now),
      held,
      ...(by === "automatic" && since !== undefined ? { failingSince: iso(since) } : {}),
    },
    now,
  );
  const out: AlertEvent[] = [];
  if (health) raise(health, alert, now, out);
  else out.push(alert);
  return out;
}
