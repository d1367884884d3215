/**
 * What the consumer tells a route's object about each message (src/alerts): the attempts in
 * order, how the message ended, and its timings. Noted in the batch, sent once per route.
 */

import type { Attempted } from "./index.ts";
import type { Gates } from "./message.ts";

export type Ended = "delivered" | "dead" | "filtered" | "skipped" | "retrying";

/**
 * @example noteOutcome(gates, "crm", { source: "chatwoot", receivedAt }, 1, outcomes, "delivered");
 */
export function noteOutcome(
  gates: Pick<Gates, "note">,
  route: string,
  event: { source: string; receivedAt: number },
  attempt: number,
  outcomes: Attempted[],
  ended: Ended,
): void {
  gates.note(route, {
    health: {
      attempts: outcomes.map((o) =>
        o.kind === "delivered" ? { status: o.status } : { status: o.status, error: o.error },
      ),
      ...(ended === "dead" ? { dead: true } : {}),
      ...(attempt === 1 ? { firstTry: true } : {}),
    },
    meter: {
      source: event.source,
      ended,
      attempt,
      posts: outcomes.map((o) => ({
        seconds: Number(o.attemptLog.latencyMs ?? 0) / 1000,
        failed: o.kind !== "delivered",
      })),
      ...(ended === "delivered"
        ? { deliveredAfter: Math.max(0, Date.now() / 1000 - event.receivedAt) }
        : {}),
    },
  });
}
