/**
 * Talking to the per-route Durable Object (`RouteGate`, see route-gate.ts) from the Worker: the
 * consumer's gate before posting, and the admin routes' pause, resume and status. Ordering
 * (`ordered: true`) from the Worker's side is in order.ts.
 */

import type { AlertEvent } from "../alerts/events.ts";
import { sendAlerts } from "../alerts/send.ts";
import { thresholds } from "../config/alerts.ts";
import type { Env } from "../config/env.ts";
import { type Config, loadConfig, type Route } from "../config/index.ts";
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

/** @example const { paused, held } = await gateStatus(env, "crm"); */
export const gateStatus = (env: Env, route: string): Promise<GateStatus> =>
  gateOf(env, route).status();

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
 * message (the slot must be exact), and so does a message with a `conversation` (an ordered
 * route: whose turn it is changes with every delivery). Any other route asks once per batch: only the answer
 * "paused" matters there, and the first message's answer holds for the rest of the batch (a
 * pause takes effect from the next batch, at most `max_batch_size` deliveries later). Once a
 * route is seen paused, every later message of the batch is asked about again, so each is
 * recorded as held by the object itself.
 *
 * @example
 * const gates = batchGates(env);
 * const verdict = await gates.admit(route, { event: id, deliveries: 1, tries: 0 });
 */
export function batchGates(env: Env) {
  const open = new Set<string>();
  const reports = new Map<string, Report[]>();
  return {
    /** Notes how a message for `route` ended, for the route's alerts and metrics (`flush`). */
    note(route: string, report: Report) {
      reports.set(route, [...(reports.get(route) ?? []), report]);
    },
    /**
     * Sends the batch's notes to each route's object (one call per route) and returns the alerts
     * they raise, for the caller to send in the background.
     */
    async flush(config: Config): Promise<AlertEvent[]> {
      const work = [...reports].map(([name, list]) => {
        const route = config.routes.find((each) => each.name === name) ?? {};
        const limits = {
          ...thresholds(config.alerts, route),
          consoleUrl: config.alerts.consoleUrl,
        };
        return gateOf(env, name).report(name, list, limits);
      });
      reports.clear();
      return (await Promise.all(work)).flat();
    },
    async admit(
      route: Route,
      request: { event: string; deliveries: number; tries: number; conversation?: string },
    ): Promise<Verdict> {
      if (!route.maxPerSecond && request.conversation === undefined && open.has(route.name)) {
        return { kind: "go", at: Date.now(), spacingMs: 0 };
      }
      const verdict = await gateOf(env, route.name).admit({
        ...request,
        route: route.name,
        ...(route.maxPerSecond ? { maxPerSecond: route.maxPerSecond } : {}),
      });
      if (verdict.kind === "go") open.add(route.name);
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
