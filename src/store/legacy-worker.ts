/**
 * The Worker's side of the upgrade from the D1 store (docs/store.md, "Upgrade from the D1
 * schema"): each isolate's first request, queue batch or cron run asks `shard-legacy` to import
 * what D1 had not settled (legacy.ts; one call per isolate, answered at once: the import runs
 * from that object's alarm), and, while keys the D1 store saw still decide repeats (their 24 hours run out
 * at most a day after the upgrade), the request path reads D1's old `seen` table for the keys of
 * a request: one statement per request during that day, none after.
 */
import type { Env } from "../config/env.ts";
import { log } from "../config/log.ts";
import { D1_SQL } from "./legacy-sql.ts";
import { LEGACY_SHARD, shardName } from "./shard.ts";

/** The object that holds what the D1 store had not settled. */
export const legacyStub = (env: Env) =>
  env.EVENT_STORE.get(env.EVENT_STORE.idFromName(shardName(LEGACY_SHARD)));

let asked = false;

/**
 * Asks `shard-legacy` to start (or go on with) the import, once per isolate, in the background.
 * Called by the fetch, queue and scheduled handlers.
 *
 * @example upgradeSoon(env, ctx); // in a handler, before answering
 */
export function upgradeSoon(env: Env, ctx: { waitUntil(work: Promise<unknown>): void }): void {
  if (asked) return;
  asked = true;
  ctx.waitUntil(
    legacyStub(env)
      .upgrade()
      .then(
        (state) => {
          if (state.doneAt === undefined) log("info", "legacy import under way", { ...state });
        },
        (error) => {
          asked = false;
          log("error", "legacy import not started; asking again on the next request", {
            error: String(error).slice(0, 300),
          });
        },
      ),
  );
}

/**
 * When the keys the D1 store saw stop deciding repeats (unix seconds): learnt by this isolate's
 * first read of `seen`; 0 when D1 has no such table (a deployment that never ran the D1 store).
 */
let seenUntil: number | undefined;

/** Tests only: forget what this isolate learnt of D1's `seen`. */
export function forgetSeenWindow(): void {
  seenUntil = undefined;
}

/**
 * The keys of these that the D1 store saw less than 24 hours ago, and the (UUID) id of the event
 * each names: repeats of events the old version accepted. One D1 statement while any key of
 * D1's may still decide a repeat (plus, once per isolate, when that ends); nothing after.
 * Throws when D1 cannot answer during that time: the caller refuses the request (503) rather
 * than take a repeat for a new event.
 *
 * @example const owners = await legacyOwners(env, ["chatwoot:abc"], nowSeconds()); // Map key → uuid
 */
export async function legacyOwners(
  env: Env,
  keys: string[],
  now: number,
): Promise<Map<string, string>> {
  const owners = new Map<string, string>();
  if (keys.length === 0 || (seenUntil !== undefined && seenUntil <= now)) return owners;
  const db = env.DB;
  const statements = [db.prepare(D1_SQL.seenKeys).bind(JSON.stringify([...new Set(keys)]), now)];
  if (seenUntil === undefined) statements.push(db.prepare(D1_SQL.seenUntil));
  try {
    const [found, until] = await db.batch<{ key: string; event_id: string; until: number | null }>(
      statements,
    );
    for (const row of found?.results ?? []) owners.set(row.key, row.event_id);
    if (until) seenUntil = until.results[0]?.until ?? 0;
  } catch (error) {
    if (!/no such table/i.test(String(error))) throw error;
    seenUntil = 0;
  }
  return owners;
}
