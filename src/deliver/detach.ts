/**
 * A batch that does not wait for a hanging attempt (issue 26). Once every other message of a
 * batch is done and what is left has run `DETACH_AFTER_MS`, the batch returns: the queue
 * acknowledges its messages, and the attempts still running go on in the background
 * (`ctx.waitUntil`). A detached message that must be retried is sent to the queue again with its
 * delay, as a follower is (follow.ts). Its outbox row stays pending until the attempt settles, so
 * if the isolate dies first the sweep queues the delivery again: at least once still holds.
 *
 * A route whose attempts outlive their batches would take a connection per message until its
 * circuit opens (the breaker hears of an attempt when it ends, seconds later): once `limit` of its
 * attempts were left running in this isolate and are still running, its further messages are
 * sent again after a short wait instead (not an attempt). A destination that is merely slow
 * (hundreds of ms) never gets there: what a batch leaves of it ends before the next batch has
 * left as much again.
 */
import type { Env } from "../config/env.ts";
import type { DeliveryMessage } from "../enqueue/index.ts";
import { sendRetry } from "./follow.ts";

/** How long the last messages of a batch may run before the batch returns without them. */
export const DETACH_AFTER_MS = 200;

/**
 * A route whose timeout is longer than this is never detached: work left to `waitUntil` gets 30 s
 * after the handler returns (developers.cloudflare.com/workers/runtime-apis/context/#waituntil).
 */
export const DETACH_MAX_TIMEOUT_MS = 25_000;

/** Attempts left running by their batch, per route, in this isolate. */
const detachedByRoute = new Map<string, number>();

/**
 * True when `limit` or more attempts of `route` were left running by their batches and have not
 * ended: a new message of the route should wait (see the module comment).
 *
 * @example if (crowded("crm", 6)) await sendAgain(env, body, tries, 2);
 */
export function crowded(route: string, limit: number): boolean {
  return (detachedByRoute.get(route) ?? 0) >= limit;
}

/**
 * A batch message that can be detached. While attached, `ack` and `retry` go to the queue's
 * message; `detach` acknowledges it (unless it was already answered) and from then `retry` is
 * remembered and `done` sends the message again with that delay. `end` (the attempt is over)
 * keeps the count `crowded` reads.
 *
 * @example const each = detachable(message); await handle(each.message); await each.done(env);
 */
export function detachable(original: Message<DeliveryMessage>) {
  let answered = false;
  let detached = false;
  let retryDelay: number | undefined;
  const route = original.body.route;
  const message: Message<DeliveryMessage> = {
    id: original.id,
    timestamp: original.timestamp,
    body: original.body,
    attempts: original.attempts,
    ack() {
      if (detached) return;
      answered = true;
      original.ack();
    },
    retry(options) {
      if (detached) retryDelay = options?.delaySeconds ?? 0;
      else {
        answered = true;
        original.retry(options);
      }
    },
  };
  return {
    message,
    detach() {
      if (detached) return;
      detached = true;
      detachedByRoute.set(route, (detachedByRoute.get(route) ?? 0) + 1);
      if (!answered) original.ack();
    },
    end() {
      if (!detached) return;
      const left = (detachedByRoute.get(route) ?? 1) - 1;
      if (left > 0) detachedByRoute.set(route, left);
      else detachedByRoute.delete(route);
    },
    /** Sends the retry a detached message asked for (its row already says when it is due). */
    async done(env: Env): Promise<void> {
      if (detached && retryDelay !== undefined) await sendRetry(env, original.body, retryDelay);
    },
  };
}
