import type { Env } from "../config/env.ts";
import { DEFAULT_RETENTION_DAYS, loadConfig, type Route } from "../config/index.ts";
import { log } from "../config/log.ts";
import { lineUp } from "../coordinate/order.ts";
import { findFormat } from "../formats/index.ts";
import type { WireEvent } from "../formats/types.ts";
import { DEDUPE_SECONDS } from "../storage/types.ts";
import {
  admitAll,
  BUSY_GRACE_SECONDS,
  expectAt,
  MAX_REQUEUES,
  markUnqueued,
  OVERDUE_GRACE_SECONDS,
  parseEventId,
  type Requeue,
  requeueForReplay,
  type ShardAdmission,
  type ShardEvent,
} from "../store/index.ts";
import { listAccepted } from "../store/listing.ts";
import { conversationOf } from "../verify/keys.ts";
import { type DeliveryMessage, messageOf, sendAll } from "./queue.ts";

export type { DeliveryMessage } from "./queue.ts";

export interface Accepted {
  /** Ids of the events accepted now (each will be delivered to every route taking the source). */
  accepted: string[];
  /** Ids of the events these repeated (received in the last 24 hours; not delivered again). */
  duplicates: string[];
}

/**
 * Thrown when the queue refused messages. Every event accepted is stored with its pending
 * deliveries all the same (the outbox), so it will be delivered: `message` says so for a person,
 * `stored` lists the events accepted, `queued` those whose every message reached the queue.
 */
export class EnqueueError extends Error {
  constructor(
    message: string,
    readonly stored: string[],
    readonly queued: string[],
  ) {
    super(message);
  }
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Stores the events (deduplicated) with a pending delivery per route in the event store's shards
 * (one call per shard touched: the outbox), lists them for /events, then queues one message per
 * new event and route. A repeat of an event whose deliveries are overdue (stored, but its
 * messages never reached the queue or were lost) queues them again.
 *
 * A shard that refuses throws `StoreRefused` (nothing of that shard was kept; the sender is told
 * to retry). If the queue refuses messages, nothing is undone: the events stay stored, the
 * deliveries whose messages were not sent are marked overdue, and the sweep (or the sender's
 * retry, answered as a repeat) queues them; `EnqueueError` says so.
 *
 * @example const { accepted, duplicates } = await enqueue(env, "chatwoot", keyed, routes);
 */
export async function enqueue(
  env: Env,
  source: string,
  events: Array<{ wire: WireEvent; key: string }>,
  routes: Route[],
): Promise<Accepted> {
  const fresh: ShardEvent[] = events.map(({ wire, key }) => ({
    key,
    source,
    name: wire.name,
    ...(wire.dispatch ? { dispatch: wire.dispatch } : {}),
    payload: JSON.stringify(wire.payload),
  }));
  const now = nowSeconds();
  let admissions: ShardAdmission[];
  try {
    admissions = await admitAll(
      env,
      fresh,
      routes.map((route) => route.name),
      {
        now,
        dedupeSeconds: DEDUPE_SECONDS,
        repeatBefore: now - OVERDUE_GRACE_SECONDS,
        maxRequeues: MAX_REQUEUES,
      },
    );
  } catch (error) {
    // Nothing of the refusing shard was kept: the sender must retry, told when (StoreRefused).
    log("error", "the event store refused", { source, error: String(error).slice(0, 300) });
    throw error;
  }
  const accepted = admissions.filter((a) => !a.duplicate).map((a) => a.id);
  const duplicates = admissions.filter((a) => a.duplicate).map((a) => a.id);
  const repeats: Requeue[] = admissions.flatMap((a) =>
    a.duplicate ? a.requeued.map(({ route }) => ({ eventId: a.id, route })) : [],
  );

  // Ordered routes: the events are lined up per conversation now, in the order accepted; only
  // each conversation's head is queued (src/coordinate/order.ts). Meanwhile /events lists them.
  const [held] = await Promise.all([
    routes.some((route) => route.ordered)
      ? lineUp(env, routes, conversations(source, admissions, events))
      : new Map<string, Set<string>>(),
    list(env, fresh, admissions, now),
  ]);
  // Event by event (every route of one event, then the next event), then the repeats.
  const pending: Requeue[] = [
    ...accepted.flatMap((eventId) =>
      routes
        .filter((route) => !held.get(route.name)?.has(eventId))
        .map((route) => ({ eventId, route: route.name })),
    ),
    ...repeats,
  ];
  const { sent, error } = await sendAll(env, pending.map(messageOf));
  if (repeats.length > 0) {
    log("info", "repeat queued overdue deliveries", {
      source,
      deliveries: repeats.length,
      sent: Math.max(0, sent - (pending.length - repeats.length)),
    });
  }
  if (error === undefined) return { accepted, duplicates };

  const unsent = pending.slice(sent);
  const queued = accepted.slice(0, Math.floor(sent / Math.max(1, routes.length)));
  log("error", "enqueue failed", {
    source,
    events: accepted.length,
    queued: queued.length,
    unsent: unsent.length,
    error: String(error).slice(0, 300),
  });
  // So that the next sweep takes them, busy consumer or not. If the store fails too, they still
  // become overdue after the grace period.
  const marked = await markUnqueued(env, unsent, now - BUSY_GRACE_SECONDS - 1).then(
    () => true,
    () => false,
  );
  const stored = accepted.length - queued.length;
  throw new EnqueueError(
    `The queue refused ${unsent.length} of ${pending.length} messages (${String(error).slice(0, 200)}). ` +
      (accepted.length === 0
        ? "No new event was accepted; "
        : `All ${accepted.length} events accepted are stored${stored > 0 ? `, ${stored} of them not yet queued` : ""}; `) +
      `nothing is lost: the outbox sweep queues what is waiting ${marked ? "within about a minute" : "within minutes"}. ` +
      "Retrying this request is safe: it is answered as a repeat and queues anything still waiting.",
    accepted,
    queued,
  );
}

/** The events accepted now (not repeats), in order, with the conversation each belongs to. */
function conversations(
  source: string,
  admissions: ShardAdmission[],
  events: Array<{ wire: WireEvent }>,
): Array<{ event: string; conversation?: string }> {
  const format = findFormat(source);
  return admissions.flatMap((admission, index) => {
    const wire = events[index]?.wire;
    if (admission.duplicate || !wire) return [];
    const conversation = format.ok ? conversationOf(format.value, wire) : undefined;
    return [{ event: admission.id, ...(conversation !== undefined ? { conversation } : {}) }];
  });
}

/**
 * Adds the events accepted now to the listing index (/events, the console). A failure there
 * loses nothing (the events are kept and delivered): it is logged, and the request goes on.
 */
async function list(
  env: Env,
  fresh: ShardEvent[],
  admissions: ShardAdmission[],
  receivedAt: number,
): Promise<void> {
  const rows = admissions.flatMap((admission, index) => {
    const event = fresh[index];
    const shard = parseEventId(admission.id)?.shard;
    if (admission.duplicate || !event || shard === undefined) return [];
    return [{ shard, receivedAt, id: admission.id, source: event.source, name: event.name }];
  });
  if (rows.length === 0) return;
  const config = loadConfig(env);
  const days = (config.ok && config.config.settings.retentionDays) || DEFAULT_RETENTION_DAYS;
  await listAccepted(env, rows, days).catch((error) => {
    log("error", "accepted events not listed (they are kept and delivered)", {
      events: rows.length,
      error: String(error).slice(0, 300),
    });
  });
}

/**
 * Queues one message: a delivery sent again later (`delaySeconds` > 0: a rate-limited route's
 * slot is further away; its row is marked due then, so the sweep does not take the wait for a
 * loss), or else a dead letter's replay (`replay` set: its delivery is first put back to
 * `queued` with a fresh attempt count; deliveries made before are not sent again). Either way,
 * should the send fail, the row is pending and the sweep sends it.
 *
 * @example await enqueueOne(env, { v: 1, event: id, route: "crm", replay: deadLetterId });
 */
export async function enqueueOne(
  env: Env,
  message: DeliveryMessage,
  delaySeconds = 0,
): Promise<void> {
  // A replayed dead letter's message sent again later is not a new replay: the attempts made
  // since the replay still count.
  if (delaySeconds === 0 && message.replay) {
    await requeueForReplay(env, [{ eventId: message.event, route: message.route }]);
  } else await expectAt(env, message, nowSeconds() + delaySeconds);
  await env.DELIVERY_QUEUE.send(message, {
    contentType: "json",
    ...(delaySeconds > 0 ? { delaySeconds } : {}),
  });
}

/**
 * Queues messages whose outbox rows the caller has already put back to `queued` (a replay of
 * events or of dead letters in bulk), 100 per `sendBatch`. Throws when the queue refuses: the
 * rows stay queued and the sweep sends them.
 *
 * @example await enqueueMany(env, [{ v: 1, event: id, route: "crm", again: true }]);
 */
export async function enqueueMany(env: Env, messages: DeliveryMessage[]): Promise<void> {
  const result = await sendAll(env, messages);
  if (result.error !== undefined) throw result.error;
}
