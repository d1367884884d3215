/**
 * Talking to the per-route Durable Object (`RouteGate`, see route-gate.ts) from the Worker: the
 * consumer's gate before posting (pause, circuit breaker, rate limit) and its reports, and the
 * admin routes' pause, resume and status. Ordering (`ordered: true`) from the Worker's side is
 * in order.ts, its lines in lines.ts.
 */

import type { AlertEvent } from "../alerts/events.ts";
import { sendAlerts } from "../alerts/send.ts";
import { thresholds } from "../config/alerts.ts";
import type { Env } from "../config/env.ts";
import { type Config, loadConfig, type Route } from "../config/index.ts";
import { breakerSettings } from "./breaker.ts";
import { lineCounts } from "./lines.ts";
import type { GateStatus, RouteGate, Verdict } from "./route-gate.ts";
import type { Report } from "./watch.ts";

export type { GateStatus, Verdict } from "./route-gate.ts";

/**
 * The route's Durable Object (one per route name, wherever it was first used).
 *
 * @example const { total, lines } = await gateOf(env, "crm").lines(50);
 */
export function gateOf(env: Env, route: string): DurableObjectStub<RouteGate> {
  return env.ROUTE_GATES.get(env.ROUTE_GATES.idFromName(route));
}

/** @example const { paused, held, circuit } = await gateStatus(env, "crm"); */
export const gateStatus = (env: Env, route: string): Promise<GateStatus> =>
  gateOf(env, route).status();

/**
 * What the console, `GET /routes` and `GET /metrics` show of a route: its object's status (pause,
 * held, circuit), health and meter, and for an ordered route the counts of its conversation
 * lines (lines.ts: one call per line shard).
 *
 * @example const { status, health, meter } = await watchRoute(env, route);
 */
export async function watchRoute(env: Env, route: Pick<Route, "name" | "ordered">) {
  const [watched, lines] = await Promise.all([
    gateOf(env, route.name).watch(),
    route.ordered ? lineCounts(env, route.name) : undefined,
  ]);
  const { conversations = 0, waiting = 0 } = lines ?? {};
  const status: GateStatus = {
    ...watched.status,
    ...(conversations > 0 ? { conversations, waiting } : {}),
  };
  return { ...watched, status };
}

/**
 * An operator's pause; its `route.paused` alert is handed to `background` (`ctx.waitUntil`).
 *
 * @example await pauseRoute(env, "crm", (p) => ctx.waitUntil(p)); // deliveries to crm are held from now on
 */
export async function pauseRoute(
  env: Env,
  route: string,
  background: (work: Promise<unknown>) => void = () => undefined,
): Promise<GateStatus> {
  const config = loadConfig(env);
  const consoleUrl = config.ok ? config.config.alerts.consoleUrl : "/console";
  const { alerts, ...status } = await gateOf(env, route).pause(route, consoleUrl);
  if (config.ok && alerts.length > 0) background(sendAlerts(config.config.alerts, alerts));
  return status;
}

/** @example await resumeRoute(env, "crm"); // held deliveries are queued again, in batches */
export const resumeRoute = (env: Env, route: string): Promise<GateStatus> =>
  gateOf(env, route).resume();

/**
 * The consumer's gate for one batch. A route with `maxPerSecond` asks its object before every
 * message (the slot must be exact). Any other route asks once per batch: only the answers
 * "paused" and "circuit open" matter there, and the first message's answer holds for the rest
 * of the batch (a pause takes effect from the next batch, at most `max_batch_size` deliveries
 * later). A message whose first answer was not a plain "go" (held, or the circuit's probe) makes
 * every later message of the batch ask again, so each is recorded as held by the object itself
 * and only one probe goes out. An ordered route's turn is asked before this (order.ts).
 *
 * @example
 * const gates = batchGates(env);
 * const verdict = await gates.admit(route, { event: id, deliveries: 1, tries: 0 });
 */
export function batchGates(env: Env) {
  const asked = new Map<string, Promise<Verdict>>();
  const reports = new Map<string, Report[]>();
  return {
    /** Notes how a message for `route` ended, for the route's alerts and metrics (`flush`). */
    note(route: string, report: Report) {
      reports.set(route, [...(reports.get(route) ?? []), report]);
    },
    /**
     * Sends the batch's notes to each route's object (one call per route): counters, health and
     * the circuit breaker; returns the alerts they raise, for the caller to send in the background.
     */
    async flush(config: Config): Promise<AlertEvent[]> {
      const work = [...reports].map(([name, list]) => {
        const route = config.routes.find((each) => each.name === name);
        const limits = {
          ...thresholds(config.alerts, route ?? {}),
          consoleUrl: config.alerts.consoleUrl,
        };
        return gateOf(env, name).report(
          name,
          list,
          limits,
          route ? breakerSettings(route, config.settings) : undefined,
        );
      });
      reports.clear();
      return (await Promise.all(work)).flat();
    },
    async admit(
      route: Route,
      request: { event: string; deliveries: number; tries: number; deadline?: number },
    ): Promise<Verdict> {
      const earlier = route.maxPerSecond ? undefined : asked.get(route.name);
      if (earlier) {
        const verdict = await earlier;
        if (verdict.kind === "go" && !verdict.probe) {
          return { kind: "go", at: Date.now(), spacingMs: 0 };
        }
      }
      const verdict = gateOf(env, route.name).admit({
        ...request,
        route: route.name,
        ...(route.maxPerSecond ? { maxPerSecond: route.maxPerSecond } : {}),
      });
      if (!route.maxPerSecond && !earlier) asked.set(route.name, verdict);
      return verdict;
    },
    /** New slots for the remaining `deliveries` of a message whose consumer woke up late. */
    reslot(route: string, maxPerSecond: number, deliveries: number) {
      return gateOf(env, route).reslot({ maxPerSecond, deliveries });
    },
  };
}

/** Resolves after `ms` milliseconds (wall time: a Worker waiting costs no CPU). */
export const sleep = (ms: number): Promise<void> =>
  ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();

/**
 * The cron's dead-letter digests: each route whose digest window has passed with dead letters
 * not yet told answers a `deliveries.dead` (one call per route), sent by `background`.
 *
 * @example await sendDigests(env, config, (p) => ctx.waitUntil(p));
 */
export async function sendDigests(
  env: Env,
  config: Config,
  background: (work: Promise<unknown>) => void,
): Promise<number> {
  const consoleUrl = config.alerts.consoleUrl;
  const alerts = (
    await Promise.all(
      config.routes.map((route) =>
        gateOf(env, route.name).digest(route.name, {
          ...thresholds(config.alerts, route),
          consoleUrl,
        }),
      ),
    )
  ).flat();
  if (alerts.length > 0) background(sendAlerts(config.alerts, alerts));
  return alerts.length;
}
