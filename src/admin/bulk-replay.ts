/**
 * The work of `POST /deadletters/replay`: every dead letter matching a filter queued again, a
 * batch at a time, up to a bound per request.
 */
import type { Env } from "../config/env.ts";
import { type DeliveryMessage, enqueueMany } from "../enqueue/index.ts";
import {
  type DeadLetterFilter,
  deadLetterEvents,
  deadLettersMatching,
  markDeadLettersReplayed,
} from "../storage/replay.ts";
import { requeueForReplay } from "../store/index.ts";

/** Dead letters one bulk replay queues at most (50 batches of 100); `more` says there are others. */
const BULK_REPLAY_MAX = 5000;
const BULK_BATCH = 100;

/**
 * Queues again, oldest first, the dead letters still dead that match `filter` and whose route is
 * in `routes`: their events put back, their deliveries `queued`, the letters marked replayed.
 * Those whose route is gone are left as they are and counted as `skipped`; those of a route in
 * `ordered` are counted as `outOfOrder` (a replay is delivered at once, out of its order).
 *
 * @example
 * const { replayed, skipped, more } = await replayMatching(env, { route: "crm" }, new Set(["crm"]));
 */
export async function replayMatching(
  env: Env,
  filter: DeadLetterFilter,
  routes: ReadonlySet<string>,
  ordered: ReadonlySet<string> = new Set(),
): Promise<{ replayed: number; skipped: number; more: boolean; outOfOrder: number }> {
  let outOfOrder = 0;
  let replayed = 0;
  let skipped = 0;
  let after = 0;
  let more = false;
  while (replayed + skipped < BULK_REPLAY_MAX) {
    const refs = await deadLettersMatching(env.DB, filter, BULK_BATCH, after);
    if (refs.length === 0) break;
    after = refs[refs.length - 1]?.seq ?? after;
    const live = refs.filter((ref) => routes.has(ref.route));
    skipped += refs.length - live.length;
    const now = Math.floor(Date.now() / 1000);
    const ids = live.map((ref) => ref.id);
    // Each event is put back from its dead letter's copy should it have been pruned. Deliveries
    // already made are not sent again (their success is kept: no `redeliver`).
    const events = await deadLetterEvents(env.DB, ids);
    await requeueForReplay(
      env,
      live.map((ref) => {
        const restore = events.get(ref.id);
        return { eventId: ref.eventId, route: ref.route, ...(restore ? { restore } : {}) };
      }),
      { now },
    );
    await enqueueMany(
      env,
      live.map(
        (ref): DeliveryMessage => ({ v: 1, event: ref.eventId, route: ref.route, replay: ref.id }),
      ),
    );
    await markDeadLettersReplayed(env.DB, ids, now);
    replayed += live.length;
    outOfOrder += live.filter((ref) => ordered.has(ref.route)).length;
    if (refs.length < BULK_BATCH) break;
    more = replayed + skipped >= BULK_REPLAY_MAX;
  }
  return { replayed, skipped, more, outOfOrder };
}
