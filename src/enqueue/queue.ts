import type { Env } from "../config/env.ts";
import type { Requeue } from "../store/calls.ts";

/**
 * A queue message: one accepted source event for one route. The event itself is in its shard (bodies
 * may be 1 MiB, messages at most 128 KB), so a message is always a small reference; the consumer
 * translates with the mappings current when it runs. `replay` names the dead letter it replays.
 * `tries` counts attempts made before this message was sent (a message sent again after a pause
 * or a rate-limit wait starts a new queue attempt count; see src/coordinate). The outbox row of (event, route) says whether the delivery is still to be done: a message for
 * a settled row is acknowledged without sending anything, so extra copies are harmless.
 */
export interface DeliveryMessage {
  v: 1;
  event: string;
  route: string;
  replay?: string;
  tries?: number;
  /**
   * A replay of the event (POST /events/:id/replay), which delivers again what was delivered
   * before: its record of earlier successes was cleared when it was queued (`requeueForReplay`),
   * so the consumer skips, as for any message, only what is recorded delivered (by this replay).
   */
  again?: true;
}

/** Most messages one `sendBatch` takes. */
const QUEUE_BATCH = 100;

export const messageOf = ({ eventId, route }: Requeue): DeliveryMessage => ({
  v: 1,
  event: eventId,
  route,
});

/**
 * Sends the messages in batches of 100. Resolves with how many were sent; when the queue refuses
 * a batch, resolves with the count sent before it and the error (messages after it were not sent).
 */
export async function sendAll(
  env: Env,
  messages: DeliveryMessage[],
): Promise<{ sent: number; error?: unknown }> {
  let sent = 0;
  try {
    for (; sent < messages.length; sent += QUEUE_BATCH) {
      await env.DELIVERY_QUEUE.sendBatch(
        messages
          .slice(sent, sent + QUEUE_BATCH)
          .map((body) => ({ body, contentType: "json" as const })),
      );
    }
    return { sent: messages.length };
  } catch (error) {
    return { sent, error };
  }
}
