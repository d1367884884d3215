/**
 * The Worker's sweep over the shards (src/enqueue/sweep.ts runs it): each shard's alarm sweeps
 * its own deliveries, so the Worker calls every shard only when an alarm may have been lost (a
 * local `wrangler dev` restart) and, as a safety net, from the hourly cron. One call per shard,
 * all in parallel.
 */
import type { Env } from "../config/env.ts";
import type { Claimed, Requeue } from "./calls.ts";
import { shardStub } from "./calls.ts";
import { REGISTRY } from "./event-store.ts";

/**
 * The shards ever written (each registers itself with the registry object on its first write,
 * whatever the shard count was then): what the Worker's sweep calls, rather than every number
 * below the shard count.
 *
 * @example const shards = await writtenShards(env); // [3, 17, 90]
 */
export function writtenShards(env: Env): Promise<number[]> {
  return env.EVENT_STORE.get(env.EVENT_STORE.idFromName(REGISTRY)).registered();
}

/**
 * Claims up to `limit` overdue deliveries in each shard written (or in `shards`; see the
 * EventStore's `claim`): queued
 * again now, `requeues` counting the claim. The caller sends them, or dead-letters those lost
 * more than `MAX_REQUEUES` times.
 *
 * @example const claimed = await claimOverdue(env, { restart: true }); // [{ eventId, route, requeues }]
 */
export async function claimOverdue(
  env: Env,
  options: { now?: number; restart?: boolean; limit?: number; shards?: number[] } = {},
): Promise<Claimed[]> {
  const { shards, ...rest } = options;
  const claims = await Promise.all(
    (shards ?? (await writtenShards(env))).map((shard) => shardStub(env, shard).claim(shard, rest)),
  );
  return claims.flat().map(({ id, route, requeues }) => ({ eventId: id, route, requeues }));
}

/**
 * Held deliveries of routes no longer configured (`paused` rows whose route is not in
 * `configured`): nothing would ever resume them. They become `queued`, due now, and are returned
 * for the caller to send: the consumer dead-letters each, naming the missing route.
 *
 * @example const orphans = await claimOrphanedHolds(env, ["crm", "bot"], 100);
 */
export async function claimOrphanedHolds(
  env: Env,
  configured: string[],
  limit: number,
  options: { now?: number; shards?: number[] } = {},
): Promise<Requeue[]> {
  const now = options.now ?? Math.floor(Date.now() / 1000);
  const found = await Promise.all(
    (options.shards ?? (await writtenShards(env))).map((shard) =>
      shardStub(env, shard).orphans(shard, configured, limit, now),
    ),
  );
  return found.flat().map(({ id, route }) => ({ eventId: id, route }));
}
