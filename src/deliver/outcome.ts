/**
 * The consumer's bookkeeping around attempts: whether a message needs work at all, dead
 * letters, a message sent again later, and what a set of attempts leads to (delivered, a
 * retry after a delay, or a dead letter).
 */
import type { Env } from "../config/env.ts";
import type { Settings } from "../config/index.ts";
import { log } from "../config/log.ts";
import type { DeliveryMessage } from "../enqueue/index.ts";
import { enqueueOne } from "../enqueue/index.ts";
import { addDeadLetter } from "../storage/dead-letters.ts";
import { type Attempt, type DeliveryState, isSettled, type StoredEvent } from "../storage/types.ts";
import { attemptsOf } from "../store/index.ts";
import {
  type Attempted,
  backoffSeconds,
  type Outcome,
  QUEUE_MAX_DELAY_SECONDS,
  RETRY_WINDOW_SECONDS,
} from "./index.ts";

/**
 * A delayed retry may come back this much before the time recorded for it without being taken
 * for an extra copy (see `redundant`).
 */
const EARLY_SECONDS = 2;

/**
 * Sends the message again after `delaySeconds` (a rate-limited route's slot is further away than
 * the gate hands out), carrying the attempts already made: waiting for a slot is not an attempt,
 * so a deep backlog behind a rate limit never exhausts MAX_ATTEMPTS or the queue's retention.
 */
export async function sendAgain(
  env: Env,
  body: DeliveryMessage,
  tries: number,
  delaySeconds: number,
) {
  const { tries: _, ...rest } = body;
  await enqueueOne(env, { ...rest, ...(tries > 0 ? { tries } : {}) }, delaySeconds);
}

/**
 * Keeps a dead letter of the event for the route, with its attempts (read from the event's shard
 * when not given: its failed attempts), and logs it.
 */
export async function deadLetter(
  env: Env,
  event: StoredEvent,
  routeName: string,
  target: string | undefined,
  lastError: string,
  made?: Attempt[],
): Promise<void> {
  const attempts: Attempt[] = made ?? (await attemptsOf(env, event.id, routeName));
  const id = await addDeadLetter(env.DB, {
    event,
    route: routeName,
    ...(target ? { target } : {}),
    attempts,
    lastError,
  });
  log("error", "dead letter", {
    deadLetter: id,
    route: routeName,
    source: event.source,
    eventId: event.id,
    event: event.name,
    attempts: attempts.length,
    lastError: lastError.slice(0, 200),
  });
}

/**
 * Why this message needs no work, or undefined when it does. A settled row (delivered, dead,
 * filtered, skipped) is left alone, and a row whose delayed retry is still to come belongs to
 * that retry's message, so this one is an extra copy (from the sweep or a sender's repeat) and
 * is dropped instead of starting a second chain of retries. A paused or waiting row goes to the
 * route's gate, which holds it again, tells it to wait, or lets it through. Rows are absent for
 * messages queued before the outbox existed: worked on.
 */
export function redundant(state: DeliveryState | undefined, now: number): string | undefined {
  if (!state) return undefined;
  if (isSettled(state.status)) return `the delivery is ${state.status}`;
  if (state.status === "retrying" && state.dueAt > now + EARLY_SECONDS) {
    return "its retry is already scheduled";
  }
  return undefined;
}

/** What the attempts of one message lead to. */
export type Conclusion =
  | { kind: "delivered" }
  | { kind: "dead"; error: string }
  | { kind: "retry"; error: string; delaySeconds: number };

/**
 * Decides what the attempts of one message lead to: any refused → dead; all delivered →
 * delivered; otherwise a retry after `Retry-After` or the backoff, unless this was attempt
 * `maxAttempts` or the retry would fall outside `RETRY_WINDOW_SECONDS` of `firstQueued` (unix
 * seconds) → dead.
 *
 * @example conclude(outcomes, 3, settings, queuedAt) // { kind: "retry", error: "HTTP 503", delaySeconds: 40 }
 */
export function conclude(
  outcomes: Attempted[],
  attempt: number,
  settings: Settings,
  firstQueued: number,
): Conclusion {
  const rejected = outcomes.find((o) => o.kind === "rejected");
  if (rejected) return { kind: "dead", error: `not retried: ${rejected.error}` };
  const retries = outcomes.filter((o) => o.kind === "retry");
  if (retries.length === 0) return { kind: "delivered" };
  const last = retries[retries.length - 1] as Extract<Outcome, { kind: "retry" }>;
  if (attempt >= settings.maxAttempts) {
    return { kind: "dead", error: `gave up after ${attempt} attempts: ${last.error}` };
  }
  const hinted = retries.map((o) => o.retryAfter ?? -1).reduce((a, b) => Math.max(a, b), -1);
  const delaySeconds = Math.min(
    QUEUE_MAX_DELAY_SECONDS,
    hinted >= 0 ? Math.max(hinted, 0) : backoffSeconds(attempt, settings),
  );
  const queuedForSeconds = Math.max(0, Date.now() / 1000 - firstQueued);
  if (queuedForSeconds + delaySeconds > RETRY_WINDOW_SECONDS) {
    return {
      kind: "dead",
      error: `gave up after ${attempt} attempts: the next retry (in ${delaySeconds} s) would fall outside the ${RETRY_WINDOW_SECONDS / 3600} h retry window; last error: ${last.error}`,
    };
  }
  return { kind: "retry", error: last.error, delaySeconds };
}
