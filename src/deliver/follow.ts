/**
 * Ordered routes: when a delivery settles, the next event of its conversation is delivered by
 * the same consumer invocation at once (a follower) instead of going to the back of the queue,
 * where it would wait behind every message queued before it. A conversation then moves at the
 * consumer's pace rather than one trip through the whole queue per event, which is what keeps
 * an ordered route's throughput close to an unordered one's under a backlog (README "Ordered
 * delivery"). Bounded per batch (`FOLLOW_MAX` deliveries, `FOLLOW_MS` of wall time): past that,
 * the next event is queued as usual. A follower's row is `queued` before it is taken, so if the
 * invocation dies the sweep queues it.
 */
import type { Env } from "../config/env.ts";
import type { DeliveryMessage } from "../enqueue/index.ts";
import { takeFree } from "./pool.ts";

/** Followers one batch delivers at most, and how long after the batch started it takes more. */
export const FOLLOW_MAX = 50;
export const FOLLOW_MS = 10_000;

/**
 * The followers of one batch: `take` is handed to the consumer's turn passing (it says whether
 * the batch delivers the event itself), `next` gives them back in order.
 *
 * @example const follow = followers(); if (follow.take("crm", id)) ...; const body = follow.next();
 */
export function followers(started = Date.now()) {
  const queue: DeliveryMessage[] = [];
  let taken = 0;
  return {
    take(route: string, event: string): boolean {
      if (taken >= FOLLOW_MAX || Date.now() - started > FOLLOW_MS) return false;
      taken++;
      queue.push({ v: 1, event, route });
      return true;
    },
    /** True while a follower is waiting for a lane. */
    pending: (): boolean => queue.length > 0,
    /** The next follower whose key (see `keyOf`) is not busy, removed from the list. */
    next: (
      busy: ReadonlySet<string> = new Set(),
      keyOf: (body: DeliveryMessage) => string = (body) => `${body.route}\n${body.event}`,
    ): DeliveryMessage | undefined => takeFree(queue, busy, keyOf),
  };
}

/**
 * A follower as a queue message. `ack` does nothing; `retry` is remembered and `done` sends the
 * message to the queue with that delay (its row already says `retrying`, due then).
 */
export function followerMessage(body: DeliveryMessage) {
  let retryDelay: number | undefined;
  const message: Message<DeliveryMessage> = {
    id: `follow-${crypto.randomUUID()}`,
    timestamp: new Date(),
    body,
    attempts: 1,
    ack() {},
    retry(options) {
      retryDelay = options?.delaySeconds ?? 0;
    },
  };
  return {
    message,
    async done(env: Env): Promise<void> {
      if (retryDelay !== undefined) await sendRetry(env, body, retryDelay);
    },
  };
}

/**
 * Queues the retry of a message the queue no longer holds (a follower's, or one whose batch
 * returned without it: detach.ts). Its row already says `retrying`, due then, so only the queue
 * is written.
 *
 * @example await sendRetry(env, { v: 1, event: id, route: "crm" }, 30);
 */
export async function sendRetry(env: Env, body: DeliveryMessage, delaySeconds: number) {
  await env.DELIVERY_QUEUE.send(body, {
    contentType: "json",
    ...(delaySeconds > 0 ? { delaySeconds } : {}),
  });
}
