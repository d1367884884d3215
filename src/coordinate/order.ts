/**
 * Per-conversation order for routes with `ordered: true`, from the Worker's side: lining up
 * the events the Worker accepts (before it answers), and passing a conversation's turn on when
 * a delivery settles. The lines themselves are kept by the route's ConversationLines objects
 * (lines.ts: several per route, each conversation's line in the one its key hashes to).
 *
 * Why lined up at acceptance: Queues neither keeps the order of messages nor sends each once,
 * and a failed delivery is retried later, so the order has to be fixed before anything is
 * queued. Only each conversation's head gets a queue message; the rest wait in the object (their
 * outbox rows say `waiting`) until the delivery ahead of them is delivered or dead-lettered.
 *
 * What a crash can interrupt, and what recovers it (the sweep queues a `queued` row whose
 * message was lost about 20 s after it was due):
 * - between storing the events and lining them up: their rows are `queued`; the sweep queues
 *   them and the consumer's `awaitTurn` lines each up as it comes (last in its conversation);
 * - between lining up and marking the rest `waiting`: the sweep queues them, the consumer is
 *   told to wait and marks them then;
 * - while a settled delivery passes its turn on (`passTurn`): the next delivery's row is put
 *   back to `queued` BEFORE the object forgets the settled head, so at every point either the
 *   next row is `queued` (the sweep queues it; if the object still has the settled head, the
 *   consumer sees in the store that it is settled and passes the turn on itself: `awaitTurn`) or
 *   nothing happened yet and the settled delivery's own row is still pending (swept, found
 *   delivered or dead again, its turn passed on then).
 * A `waiting` row is also looked at again after `WAIT_RECHECK_SECONDS`, a safety net for any
 * state not foreseen here.
 */
import type { Env } from "../config/env.ts";
import type { Route } from "../config/index.ts";
import { log } from "../config/log.ts";
import type { DeliveryMessage } from "../enqueue/queue.ts";
import { findFormat } from "../formats/index.ts";
import { isSettled, type StoredEvent } from "../storage/types.ts";
import { getDeliveryState, parkDeliveries, releaseDelivery } from "../store/index.ts";
import { conversationOf } from "../verify/keys.ts";
import { linesReady } from "./handover.ts";
import { lineShard, linesOf } from "./lines.ts";
import type { InLine } from "./lineup.ts";

/**
 * How long a waiting delivery goes before the sweep makes the consumer look at it again (see the
 * module comment: only a turn lost to a crash needs it; otherwise it is a cheap no-op).
 */
export const WAIT_RECHECK_SECONDS = 300;

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** One accepted event and its conversation (absent: the event is never held back). */
export interface Accepted {
  event: string;
  conversation?: string;
}

/**
 * The conversation a stored event belongs to on an ordered route (`<source>:<key>`), or
 * undefined (no conversation, or a source no longer known).
 *
 * @example lineOf(event) // { event: "01J...", conversation: "chatwoot:1:207" }
 */
export function lineOf(event: StoredEvent): InLine | undefined {
  const source = findFormat(event.source);
  if (!source.ok) return undefined;
  const conversation = conversationOf(source.value, {
    name: event.name,
    ...(event.dispatch ? { dispatch: event.dispatch } : {}),
    payload: event.payload,
  });
  return conversation === undefined ? undefined : { event: event.id, conversation };
}

/**
 * Lines up the accepted events of each ordered route (one call per line shard touched, lines.ts)
 * and marks the ones behind another event of their conversation `waiting`. Returns, per route,
 * the events that must NOT be queued now. Should a line shard fail to answer, nothing is held
 * back for that route (the consumer lines the events up as their messages come, in the order
 * they come) and it is logged.
 *
 * @example const held = await lineUp(env, routes, [{ event: id, conversation: "1:207" }]);
 * // held.get("crm")?.has(id)
 */
export async function lineUp(
  env: Env,
  routes: Route[],
  accepted: Accepted[],
): Promise<Map<string, Set<string>>> {
  const held = new Map<string, Set<string>>();
  const shards = new Map<number, InLine[]>();
  for (const { event, conversation } of accepted) {
    if (conversation === undefined) continue;
    const shard = lineShard(conversation);
    shards.set(shard, [...(shards.get(shard) ?? []), { event, conversation }]);
  }
  if (shards.size === 0) return held;
  await Promise.all(
    routes
      .filter((route) => route.ordered)
      .map(async (route) => {
        try {
          await linesReady(env, route.name);
          const answers = await Promise.all(
            [...shards.values()].map((items) =>
              linesOf(env, route.name, (items[0] as InLine).conversation).line(items),
            ),
          );
          const waiting = answers.flatMap((answer) => answer.waiting);
          await parkDeliveries(env, route.name, waiting, nowSeconds() + WAIT_RECHECK_SECONDS);
          held.set(route.name, new Set(waiting));
        } catch (error) {
          log("error", "ordered route: events not lined up at acceptance", {
            route: route.name,
            events: accepted.length,
            error: String(error).slice(0, 300),
          });
        }
      }),
  );
  return held;
}

/**
 * A delivery of an ordered route settles (delivered, dead, filtered, skipped): `record` writes
 * its outcome in the store, it leaves its conversation's line and, if it was the head, the next event
 * is queued, or handed to `takeOver` when it returns true (the consumer delivers it next). The
 * next row goes back to `queued` before anything else, the line forgets the head last (see the
 * module comment). Idempotent. Without a line (an event of no conversation, or no longer
 * stored) only `record` runs: a delivery waiting behind it is looked at again by the sweep.
 *
 * @example await passTurn(env, "crm", lineOf(event), () => recordOutcome(env, eventId, "crm", { status: "delivered" }));
 */
export async function passTurn(
  env: Env,
  route: string,
  line: InLine | undefined,
  record: () => Promise<void> = async () => {},
  takeOver?: (next: string) => boolean,
): Promise<void> {
  if (!line) return record();
  await linesReady(env, route);
  const lines = linesOf(env, route, line.conversation);
  const { next } = await lines.peek(line.event);
  if (next) await releaseDelivery(env, next, route);
  await record();
  const settled = await lines.settle(line.event);
  // Another consumer passed this turn on in the meantime (`awaitTurn`): it queued the next.
  if (!settled.next) return;
  if (settled.next !== next) await releaseDelivery(env, settled.next, route);
  // The consumer may deliver the next one itself, at once (its row is `queued`: should it die
  // first, the sweep queues it), instead of sending it to the back of the queue.
  if (takeOver?.(settled.next)) return;
  await queueTurn(env, route, settled.next);
}

/** Queues the delivery whose turn it now is (its row is already `queued`). */
async function queueTurn(env: Env, route: string, event: string): Promise<void> {
  await env.DELIVERY_QUEUE.send({ v: 1, event, route } satisfies DeliveryMessage, {
    contentType: "json",
  });
  log("info", "ordered delivery released", { route, eventId: event });
}

/**
 * Whether it is `item`'s turn in its conversation: undefined when it is (it is the head), else
 * the event ahead of it. When the line says another event is the head but that one is settled
 * in the store (its turn was never passed on: a crash), the turn is passed on here and the question
 * asked again, once.
 *
 * @example const ahead = await awaitTurn(env, "crm", { event, conversation }); // undefined: go
 */
export async function awaitTurn(
  env: Env,
  route: string,
  item: InLine,
): Promise<string | undefined> {
  await linesReady(env, route);
  const lines = linesOf(env, route, item.conversation);
  const first = await lines.turn(item);
  if (first.head === item.event) return undefined;
  const head = await getDeliveryState(env, first.head, route);
  if (head && !isSettled(head.status)) return first.head;
  log("warn", "ordered route: a settled head had not passed its turn on", {
    route,
    head: first.head,
    eventId: item.event,
  });
  await passTurnOf(env, route, { event: first.head, conversation: item.conversation }, item.event);
  const again = await lines.turn(item);
  return again.head === item.event ? undefined : again.head;
}

/** `passTurn` for a head settled earlier, on behalf of `asking` (which needs no message). */
async function passTurnOf(env: Env, route: string, head: InLine, asking: string): Promise<void> {
  const lines = linesOf(env, route, head.conversation);
  const { next } = await lines.peek(head.event);
  if (next && next !== asking) await releaseDelivery(env, next, route);
  const settled = await lines.settle(head.event);
  if (!settled.next || settled.next === asking) return;
  if (settled.next !== next) await releaseDelivery(env, settled.next, route);
  await queueTurn(env, route, settled.next);
}

/** Marks a delivery told to wait for its turn (its message is acked). */
export async function park(env: Env, route: string, event: string): Promise<void> {
  await parkDeliveries(env, route, [event], nowSeconds() + WAIT_RECHECK_SECONDS);
}
