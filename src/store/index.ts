/**
 * The Worker's side of the sharded event store (docs/store.md): which shard, and the calls. A
 * request's events are grouped by shard and each shard is called once, all in parallel; a
 * delivery reads its event with `begin` and records what happened with `settle`.
 */
import type { Env } from "../config/env.ts";
import type { Attempt, StoredEvent } from "../storage/types.ts";
import { locate, shardStub } from "./calls.ts";
import { type CountsBySource, sumCounts } from "./counters.ts";
import { legacyOwners } from "./legacy-worker.ts";
import {
  type AdmitOptions,
  parsed,
  type Settlement,
  type ShardAdmission,
  type ShardDelivery,
  type ShardEvent,
} from "./ops.ts";
import { DEFAULT_SHARDS, MAX_SHARDS, shardOf } from "./shard.ts";
import { writtenShards } from "./sweeps.ts";

export * from "./calls.ts";
export type { CountsBySource, SourceCounts } from "./counters.ts";
export {
  BUSY_GRACE_SECONDS,
  IDLE_SECONDS,
  MAX_REQUEUES,
  OVERDUE_GRACE_SECONDS,
  REQUEUE_BACKOFF_CAP_SECONDS,
  SWEEP_BATCH,
} from "./housekeeping.ts";
export type { AdmitOptions, Settlement, ShardAdmission, ShardDelivery, ShardEvent } from "./ops.ts";
export { DEFAULT_SHARDS, eventId, parseEventId, shardName, shardOf } from "./shard.ts";
export { claimOrphanedHolds, claimOverdue, consumerBeat, writtenShards } from "./sweeps.ts";

/** The shard count: `STORE_SHARDS`, or the default sized in docs/store.md. */
export function shardCount(env: Pick<Env, "STORE_SHARDS">): number {
  const n = Number(env.STORE_SHARDS ?? DEFAULT_SHARDS);
  return Number.isInteger(n) && n >= 1 && n <= MAX_SHARDS ? n : DEFAULT_SHARDS;
}

/**
 * A shard (or the platform in front of it) refused: nothing of that shard's events was kept.
 * `overloaded` says the object asked not to be retried at once (the sender should back off).
 */
export class StoreRefused extends Error {
  constructor(
    message: string,
    readonly overloaded: boolean,
  ) {
    super(message);
  }
}

const refused = (error: unknown): StoreRefused =>
  new StoreRefused(
    `the event store refused: ${String(error).slice(0, 200)}`,
    typeof error === "object" && error !== null && "overloaded" in error && !!error.overloaded,
  );

/**
 * Admits events (deduplicated by their `key`) with a `queued` delivery per route: one call per
 * shard touched, in parallel. Returns one admission per event, in order. Throws `StoreRefused`
 * when a shard refuses; the events of shards that answered are kept all the same (listed in
 * `kept` of the error's cause is not needed: a retry is answered as a repeat for them).
 *
 * @example const admissions = await admitAll(env, [{ key, source: "chatwoot", name, payload }], ["default"], options);
 */
export async function admitAll(
  env: Env,
  events: ShardEvent[],
  routes: string[],
  options: AdmitOptions,
): Promise<ShardAdmission[]> {
  const n = shardCount(env);
  const out: ShardAdmission[] = new Array(events.length);
  const [repeats, legacy] = await Promise.all([
    earlierOwners(env, events, n, options),
    // For a day after the upgrade from the D1 store: its keys still decide repeats.
    legacyOwners(
      env,
      events.map((event) => event.key),
      options.now,
    ).catch((error) => {
      throw refused(error);
    }),
  ]);
  const groups = new Map<number, number[]>();
  events.forEach((event, index) => {
    const owner = repeats.get(event.key) ?? legacy.get(event.key);
    if (owner) {
      out[index] = { id: owner, duplicate: true, requeued: [] };
      return;
    }
    const shard = shardOf(event.key, n);
    groups.set(shard, [...(groups.get(shard) ?? []), index]);
  });
  const results = await Promise.allSettled(
    [...groups].map(async ([shard, indexes], call) => {
      const admissions = await shardStub(env, shard).admit(
        shard,
        indexes.map((i) => events[i] as ShardEvent),
        routes,
        // The request is counted once (GET /metrics), by the first shard it touches.
        { ...options, requests: call === 0 ? 1 : 0 },
      );
      indexes.forEach((i, k) => {
        out[i] = admissions[k] as ShardAdmission;
      });
    }),
  );
  const failure = results.find((result) => result.status === "rejected");
  if (failure) throw refused(failure.reason);
  return out;
}

const DEDUPE_WINDOW_MS = 24 * 60 * 60 * 1000;

/** The shard count before the last change, while that change is less than 24 hours old. */
export function previousShardCount(env: Env, nowMs = Date.now()): number | undefined {
  const changedAt = Date.parse(env.STORE_SHARDS_CHANGED_AT ?? "");
  if (!Number.isFinite(changedAt) || nowMs - changedAt >= DEDUPE_WINDOW_MS) return undefined;
  const previous = shardCount({ STORE_SHARDS: env.STORE_SHARDS_PREVIOUS });
  return env.STORE_SHARDS_PREVIOUS === undefined ? undefined : previous;
}

/**
 * Re-sharding (docs/store.md): for 24 hours after the shard count changed, keys whose shard
 * moved are first looked up in their previous shard (one read per previous shard touched, in
 * parallel), so a repeat of an event accepted before the change is still a repeat.
 */
async function earlierOwners(
  env: Env,
  events: ShardEvent[],
  n: number,
  options: AdmitOptions,
): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  const previous = previousShardCount(env, options.now * 1000);
  if (previous === undefined || previous === n) return owners;
  const moved = new Map<number, string[]>();
  for (const { key } of events) {
    const before = shardOf(key, previous);
    if (before !== shardOf(key, n)) moved.set(before, [...(moved.get(before) ?? []), key]);
  }
  try {
    await Promise.all(
      [...moved].map(async ([shard, keys]) => {
        const found = await shardStub(env, shard).owners(
          shard,
          keys,
          options.now - options.dedupeSeconds,
        );
        for (const [key, id] of Object.entries(found)) owners.set(key, id);
      }),
    );
  } catch (error) {
    throw refused(error);
  }
  return owners;
}

/**
 * The event with this id, or undefined (pruned, or not an id of this store).
 *
 * @example const event = await getEvent(env, "7.1042.03f9a2c1"); // event?.payload
 */
export async function getEvent(env: Env, id: string): Promise<StoredEvent | undefined> {
  const at = locate(env, id);
  if (!at) return undefined;
  const event = await at.stub.event(at.ref.shard, at.ref.seq, at.ref.tag);
  return event ? parsed(event) : undefined;
}

/** The same as `getEvent` (its first name). */
export const findEvent = getEvent;

/**
 * The consumer's one read per delivery: the event, its delivery to `route`, and that delivery's
 * failed attempts so far (none on the happy path).
 *
 * @example const { event, delivery, failures } = await begin(env, id, "crm");
 */
export async function begin(
  env: Env,
  id: string,
  route: string,
): Promise<{ event?: StoredEvent; delivery?: ShardDelivery; failures: Attempt[] }> {
  const at = locate(env, id);
  if (!at) return { failures: [] };
  const { event, delivery, failures } = await at.stub.begin(
    at.ref.shard,
    at.ref.seq,
    at.ref.tag,
    route,
  );
  return {
    ...(event ? { event: parsed(event) } : {}),
    ...(delivery ? { delivery } : {}),
    failures,
  };
}

/** The consumer's bookkeeping for one delivery: one call (see `recordOutcome`). */
export async function settle(
  env: Env,
  id: string,
  route: string,
  settlement: Settlement,
): Promise<void> {
  const at = locate(env, id);
  if (!at) return;
  await at.stub.settle(at.ref.seq, at.ref.tag, route, settlement);
}

/**
 * The per-source counters summed over every shard ever written (`GET /metrics`): one call to the
 * shard registry, then one per shard it lists, all in parallel, each reading its few counter
 * rows. Throws when a shard does not answer: a partial sum would read as a counter reset.
 *
 * @example const counts = await sourceCounts(env); // { chatwoot: { requests, accepted, duplicates, answered } }
 */
export async function sourceCounts(env: Env): Promise<CountsBySource> {
  const shards = await writtenShards(env);
  return sumCounts(await Promise.all(shards.map((shard) => shardStub(env, shard).counts())));
}

/**
 * Counts a request answered without an admission (a 4xx, a 503, a handshake) by its status, in
 * a shard picked at random (the scrape sums them all, and a flood of bad requests is spread).
 *
 * @example c.executionCtx.waitUntil(countAnswer(env, "chatwoot", 401));
 */
export async function countAnswer(env: Env, source: string, code: number): Promise<void> {
  const shard = Math.floor(Math.random() * shardCount(env));
  await shardStub(env, shard).answered(shard, source, code);
}
