/**
 * A route's filters, applied to an event's translation for it: `where` on the canonical event,
 * then `events` on each delivery's name. What they leave out is recorded `filtered` with the reason.
 */
import { eventAllowed, type Route } from "../config/index.ts";
import { log } from "../config/log.ts";
import type { EventTranslation } from "../translate/index.ts";
import { runWhere } from "../translate/where.ts";

export type Filtered =
  | {
      kind: "deliver";
      deliveries: Array<{ delivery: EventTranslation["deliveries"][number]; index: number }>;
    }
  | { kind: "filtered"; reason: string }
  | { kind: "skipped"; reason: string }
  | { kind: "failed"; error: string };

/**
 * What the route takes of one event's translation: the deliveries to make (with their position,
 * which `webhook-id` is derived from), or why there are none. A `where` that fails to run (a type
 * error, a guardrail) is `failed`: the delivery becomes a dead letter, replayable once it is fixed.
 *
 * @example await routeFilter(route, translation, eventId) // { kind: "filtered", reason: "where ..." }
 */
export async function routeFilter(
  route: Route,
  translation: EventTranslation,
  eventId: string,
): Promise<Filtered> {
  const canonical = translation.trace.canonical;
  if (route.where !== undefined && canonical) {
    const verdict = await runWhere(route.where, canonical);
    if ("error" in verdict) return { kind: "failed", error: `where failed: ${verdict.error}` };
    if (!verdict.pass) {
      log("info", "delivery filtered", { route: route.name, eventId, by: "where" });
      return {
        kind: "filtered",
        reason: `the route's where (${route.where}) is false for this event`,
      };
    }
  }
  const deliveries = translation.deliveries
    .map((delivery, index) => ({ delivery, index }))
    .filter(({ delivery }) => {
      const allowed = eventAllowed(route, delivery.event);
      if (!allowed) {
        log("info", "delivery filtered", { route: route.name, eventId, event: delivery.event });
      }
      return allowed;
    });
  if (deliveries.length > 0) return { kind: "deliver", deliveries };
  if (translation.deliveries.length > 0) {
    return { kind: "filtered", reason: "the route's event filter leaves nothing to deliver" };
  }
  const skip = translation.skipped[0];
  return {
    kind: "skipped",
    reason: `the target has no such event${skip ? `: ${skip.reason}` : ""}`,
  };
}
