import type { Env } from "../config/env.ts";
import type { Route } from "../config/index.ts";
import { log } from "../config/log.ts";
import type { WireEvent } from "../formats/types.ts";
import { admit, forget, type NewEvent } from "../storage/index.ts";

/**
 * A queue message: one accepted source event for one route. The event itself is in D1 (bodies
 * may be 1 MiB, messages at most 128 KB), so a message is always a small reference; the consumer
 * translates with the mappings current when it runs. `replay` names the dead letter it replays.
 * `tries` counts attempts made before this message was sent (a message sent again after a pause
 * or a rate-limit wait starts a new queue attempt count; see src/coordinate).
 */
export interface DeliveryMessage {
  v: 1;
  event: string;
  route: string;
  replay?: string;
  tries?: number;
}

export interface Accepted {
  /** Ids of the events accepted now (each will be delivered to every route taking the source). */
  accepted: string[];
  /** Ids of the events these repeated (received in the last 24 hours; not delivered again). */
  duplicates: string[];
}

/** Most messages one `sendBatch` takes. */
const QUEUE_BATCH = 100;

/**
 * Thrown when the queue refused messages. `queued` are the events whose every message was queued
 * before the failure: they stay stored and will be delivered; the others were removed again.
 */
export class EnqueueError extends Error {
  constructor(
    message: string,
    readonly queued: string[],
    readonly dropped: number,
  ) {
    super(message);
  }
}

/**
 * Stores the events (deduplicated) and queues one message per new event and route. Everything
 * answered 2xx is durably stored and queued. If queueing fails part way, the events not fully
 * queued are removed again and the caller answers 503: the sender's retry then admits those
 * anew, while the events already queued are recognised as repeats and not delivered twice.
 */
export async function enqueue(
  env: Env,
  source: string,
  events: Array<{ wire: WireEvent; key: string }>,
  routes: Route[],
): Promise<Accepted> {
  const fresh: NewEvent[] = events.map(({ wire, key }) => ({
    key: `${source}:${key}`,
    id: crypto.randomUUID(),
    source,
    name: wire.name,
    ...(wire.dispatch ? { dispatch: wire.dispatch } : {}),
    payload: JSON.stringify(wire.payload),
  }));
  const admissions = await admit(env.DB, fresh);
  const accepted = admissions.filter((a) => !a.duplicate).map((a) => a.id);
  const duplicates = admissions.filter((a) => a.duplicate).map((a) => a.id);

  const messages: MessageSendRequest<DeliveryMessage>[] = accepted.flatMap((event) =>
    routes.map((route) => ({
      body: { v: 1, event, route: route.name } satisfies DeliveryMessage,
      contentType: "json" as const,
    })),
  );
  let sent = 0;
  try {
    for (; sent < messages.length; sent += QUEUE_BATCH) {
      await env.DELIVERY_QUEUE.sendBatch(messages.slice(sent, sent + QUEUE_BATCH));
    }
  } catch (error) {
    // Messages go event by event (every route of one event, then the next event).
    const queued = accepted.slice(0, Math.floor(sent / Math.max(1, routes.length)));
    const unqueued = accepted.slice(queued.length);
    log("error", "enqueue failed", {
      source,
      events: accepted.length,
      queued: queued.length,
      error: String(error),
    });
    await forget(env.DB, unqueued).catch(() => undefined);
    throw new EnqueueError(String(error), queued, unqueued.length);
  }
  return { accepted, duplicates };
}

/** Queues one message (a dead-letter replay; a rate-limited delivery sent again later). */
export async function enqueueOne(
  env: Env,
  message: DeliveryMessage,
  delaySeconds = 0,
): Promise<void> {
  await env.DELIVERY_QUEUE.send(message, {
    contentType: "json",
    ...(delaySeconds > 0 ? { delaySeconds } : {}),
  });
}
