/**
 * The Worker's calls on deliveries kept in the shards, by event id (docs/store.md), taking
 * `env` (the names and meanings of the D1 store's functions before the shards). Rows of several
 * events are grouped by shard: one call per shard touched, in parallel.
 *
 * An id that is not `<shard>.<seq>.<tag>` (an event of the D1 store before the upgrade) names
 * nothing here: reads answer undefined, writes skip it (`locate`).
 */
import type { Env } from "../config/env.ts";
import type { Attempt, DeliveryOutcome, StoredEvent } from "../storage/types.ts";
import type { Settlement, ShardDelivery } from "./ops.ts";
import type { ReplayRef, RowChange, RowRef } from "./requeue.ts";
import { type EventRef, parseEventId, shardName } from "./shard.ts";
import { consumerBeat } from "./sweeps.ts";

/** A delivery named as the Worker names it: the (event, route) of a queue message. */
export interface Requeue {
  eventId: string;
  route: string;
}

/** A claimed delivery and its `requeues` count, this claim included. */
export interface Claimed extends Requeue {
  requeues: number;
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** The stub of one shard (addressed by name: nothing to create). */
export const shardStub = (env: Env, shard: number) =>
  env.EVENT_STORE.get(env.EVENT_STORE.idFromName(shardName(shard)));

/** Where an event id lives, or undefined when it names no shard. */
export function locate(env: Env, id: string) {
  const ref = parseEventId(id);
  return ref ? { ref, stub: shardStub(env, ref.shard) } : undefined;
}

/** `rows` grouped by the shard their event id names (ids naming none are left out). */
export function byShard<T extends Requeue>(rows: T[]): Map<number, Array<T & { ref: EventRef }>> {
  const groups = new Map<number, Array<T & { ref: EventRef }>>();
  for (const row of rows) {
    const ref = parseEventId(row.eventId);
    if (!ref) continue;
    groups.set(ref.shard, [...(groups.get(ref.shard) ?? []), { ...row, ref }]);
  }
  return groups;
}

const refOf = ({ ref, route }: Requeue & { ref: EventRef }): RowRef => ({
  seq: ref.seq,
  tag: ref.tag,
  route,
});

/** Applies `change` to these deliveries: one call per shard touched. */
async function changeAll(env: Env, rows: Requeue[], change: RowChange): Promise<void> {
  await Promise.all(
    [...byShard(rows)].map(([shard, list]) =>
      shardStub(env, shard).change(list.map(refOf), change, nowSeconds()),
    ),
  );
}

/**
 * The row of one delivery, or undefined (no such event or delivery).
 *
 * @example const state = await getDeliveryState(env, eventId, "default"); // state?.status
 */
export async function getDeliveryState(
  env: Env,
  eventId: string,
  route: string,
): Promise<ShardDelivery | undefined> {
  const at = locate(env, eventId);
  return at ? at.stub.delivery(at.ref.shard, at.ref.seq, at.ref.tag, route) : undefined;
}

/**
 * Records the outcome of one delivery on its row, with the attempts that failed and the webhooks
 * delivered so far (the consumer's one write per message).
 *
 * @example await recordOutcome(env, eventId, "default", { status: "retrying", attempts: 2, lastStatus: 503, lastError: "HTTP 503", dueAt: now + 20 });
 */
export async function recordOutcome(
  env: Env,
  eventId: string,
  route: string,
  outcome: DeliveryOutcome,
  extra: Omit<Settlement, "outcome"> = { failures: [] },
): Promise<void> {
  const at = locate(env, eventId);
  if (!at) return;
  // Each settle is also the consumer's heartbeat (written at most once per isolate every 5 s).
  await Promise.all([
    at.stub.settle(at.ref.seq, at.ref.tag, route, { ...extra, outcome }),
    consumerBeat(env),
  ]);
}

/** The failed attempts of one delivery (a dead letter's copy). */
export async function attemptsOf(env: Env, eventId: string, route: string): Promise<Attempt[]> {
  const at = locate(env, eventId);
  if (!at) return [];
  const all = await at.stub.attempts(at.ref.seq, at.ref.tag);
  return all.filter((attempt) => attempt.route === route).map(({ route: _, ...rest }) => rest);
}

/**
 * A pending delivery's next message is due at `dueAt` (sent again with a delay), so the sweep
 * does not take the wait for a lost message. A paused one becomes `queued` again.
 */
export const expectAt = (env: Env, delivery: { event: string; route: string }, dueAt: number) =>
  changeAll(env, [{ eventId: delivery.event, route: delivery.route }], { kind: "expect", dueAt });

/**
 * Deliveries of an ordered route waiting behind another event of their conversation: no message
 * exists for them until their turn; at `dueAt` the sweep has the consumer look again.
 *
 * @example await parkDeliveries(env, "crm", ["3.17.03f9a2c1"], nowSeconds() + WAIT_RECHECK_SECONDS);
 */
export const parkDeliveries = (env: Env, route: string, eventIds: string[], dueAt: number) =>
  changeAll(
    env,
    eventIds.map((eventId) => ({ eventId, route })),
    { kind: "park", dueAt },
  );

/** A waiting delivery's turn came: `queued`, due now (the caller queues its message). */
export const releaseDelivery = (env: Env, eventId: string, route: string) =>
  changeAll(env, [{ eventId, route }], { kind: "release" });

/**
 * Held deliveries that a route's resume is about to queue again: `paused` → `queued`, due now,
 * so that if their messages are lost the sweep queues them. Call before sending them.
 *
 * @example await resumeDeliveries(env, rows.map((r) => ({ eventId: r.event, route: r.route })));
 */
export const resumeDeliveries = (env: Env, rows: Requeue[]) =>
  changeAll(env, rows, { kind: "resume" });

/**
 * Postpones pending deliveries to `dueAt` with a reason (the configuration is broken; the
 * consumer retries their messages then): `retrying`, not lost, until then.
 */
export const postpone = (env: Env, rows: Requeue[], dueAt: number, reason: string) =>
  changeAll(env, rows, { kind: "postpone", dueAt, reason });

/**
 * Deliveries whose message the queue refused (at acceptance, or after a claim): due at `dueAt`
 * (in the past, so the next sweep takes them), the claim not counted as a loss.
 */
export const markUnqueued = (env: Env, rows: Requeue[], dueAt: number) =>
  changeAll(env, rows, { kind: "unqueue", dueAt });

/**
 * Puts deliveries back to `queued` for a replay, before its messages are sent: attempts from 0,
 * due now, rows created where missing; `restore` puts back an event that was pruned (a dead
 * letter's copy). With `redeliver` (POST /events/:id/replay) the webhooks already delivered are
 * forgotten, so the replay delivers them again and a retry of the replay skips only what the
 * replay delivered; without it (a dead letter's replay) they are not sent again. Returns the
 * deliveries replayed (an event that could not be put back is left out).
 *
 * @example await requeueForReplay(env, [{ eventId: id, route: "crm" }], { redeliver: true });
 */
export async function requeueForReplay(
  env: Env,
  rows: Array<Requeue & { restore?: StoredEvent }>,
  options: { redeliver?: boolean; now?: number } = {},
): Promise<Requeue[]> {
  const now = options.now ?? nowSeconds();
  const done = await Promise.all(
    [...byShard(rows)].map(async ([shard, list]) => {
      const refs: ReplayRef[] = list.map((row) => ({
        ...refOf(row),
        ...(row.restore ? { restore: toRestore(row.restore) } : {}),
      }));
      const replayed = await shardStub(env, shard).replay(refs, options.redeliver === true, now);
      return list.filter((row) =>
        replayed.some((r) => r.seq === row.ref.seq && r.route === row.route),
      );
    }),
  );
  return done.flat().map(({ eventId, route }) => ({ eventId, route }));
}

const toRestore = (event: StoredEvent): NonNullable<ReplayRef["restore"]> => ({
  source: event.source,
  name: event.name,
  ...(event.dispatch ? { dispatch: event.dispatch } : {}),
  payload: JSON.stringify(event.payload),
  receivedAt: event.receivedAt,
});
