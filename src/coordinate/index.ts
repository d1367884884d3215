/**
 * Talking to the per-route Durable Object (`RouteGate`, see route-gate.ts) from the Worker: the
 * consumer's gate before posting, and the admin routes' pause, resume and status. Ordering
 * (`ordered: true`) from the Worker's side is in order.ts.
 */
import type { Env } from "../config/env.ts";
import type { Route } from "../config/index.ts";
import type { GateStatus, RouteGate, Verdict } from "./route-gate.ts";

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

/** @example await pauseRoute(env, "crm"); // deliveries to crm are held from now on */
export const pauseRoute = (env: Env, route: string): Promise<GateStatus> =>
  gateOf(env, route).pause();

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
  return {
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
