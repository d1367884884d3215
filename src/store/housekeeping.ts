/**
 * A shard's periodic work, run by its alarm (event-store.ts): the sweep (pending deliveries whose
 * queue message was lost, found through the partial index of pending rows) and the prune (the
 * oldest events, by rowid, while they are past retention). Both read only what is due.
 */
import { SQL } from "./schema.ts";

/** How long past its due time a pending delivery may go unhandled, while the consumer is idle. */
export const OVERDUE_GRACE_SECONDS = 20;
/** ... and while the consumer is busy (a backlog is not a loss): the longest a copy waits. */
export const BUSY_GRACE_SECONDS = 600;
/**
 * The consumer is idle when no delivery was settled (its heartbeat) for this long. A consumer
 * working through a backlog on a loaded machine can go more than 10 s between two settles (a
 * batch of slow destinations), which must not make the backlog look lost.
 */
export const IDLE_SECONDS = 30;
/** Most deliveries one sweep batch queues again (and events one prune batch looks at). */
export const SWEEP_BATCH = 100;
/** Lost messages in a row after which a delivery is dead-lettered instead of queued again. */
export const MAX_REQUEUES = 10;
/** The longest the sweep waits, past the grace period, before taking a message lost again. */
export const REQUEUE_BACKOFF_CAP_SECONDS = 3600;

/** A delivery claimed by the sweep: queued again now; `requeues` counts this claim. */
export interface ShardClaim {
  seq: number;
  route: string;
  requeues: number;
}

export interface SweepCutoffs {
  now: number;
  /** Pending rows due at or before this are overdue... */
  before: number;
  /** ... a row already queued again waits `backoffSeconds` x (2^n - 1) longer, at most the cap. */
  backoffSeconds: number;
  backoffCapSeconds: number;
}

/**
 * Claims up to `limit` overdue pending deliveries of the pending index, oldest due first, in one
 * statement (the `new` rows: `claimFreshIn`).
 *
 * @example claimOverdueIn(sql, { now, before: now - 20, backoffSeconds: 20, backoffCapSeconds: 3600 }, 100)
 */
export function claimOverdueIn(
  sql: SqlStorage,
  cutoffs: SweepCutoffs,
  limit: number,
): ShardClaim[] {
  return sql
    .exec<{ event_seq: number; route: string; requeues: number }>(
      SQL.claimOverdue,
      cutoffs.now,
      cutoffs.before,
      cutoffs.backoffSeconds,
      cutoffs.backoffCapSeconds,
      limit,
    )
    .toArray()
    .map((row) => ({ seq: row.event_seq, route: row.route, requeues: row.requeues }));
}

/** Rows the walk over `new` rows reads at most per call (schema.ts: `new`). */
export const FRESH_SCAN = 2_000;

type FreshRow = { event_seq: number; route: string; status: string; due_at: number };

const freshFrom = (sql: SqlStorage) =>
  sql.exec<{ next_seq: number }>(SQL.freshFrom).toArray()[0]?.next_seq ?? 0;

/**
 * The walk over `new` rows (a delivery as admission wrote it, kept out of the pending index;
 * schema.ts): from where the last walk stopped, in rowid order, claims those due at or before
 * `cutoffs.before`, at most `limit`, as the indexed claim does (queued again now, a first loss),
 * and moves the start to the first `new` row left. A `new` row is due when its event was
 * admitted, and rowid order is admission order, so the first one not due ends the walk: the work
 * is the rows admitted since the oldest delivery still untouched, at most `FRESH_SCAN`.
 *
 * @example claimFreshIn(sql, { now, before: now - 20, backoffSeconds: 20, backoffCapSeconds: 3600 }, 100)
 */
export function claimFreshIn(sql: SqlStorage, cutoffs: SweepCutoffs, limit: number): ShardClaim[] {
  const from = freshFrom(sql);
  const rows = sql.exec<FreshRow>(SQL.freshRows, from, FRESH_SCAN).toArray();
  const last = rows.at(-1);
  // Past every row read; when the read was cut short, from its last event (its other routes).
  let next =
    last === undefined ? from : rows.length < FRESH_SCAN ? last.event_seq + 1 : last.event_seq;
  const claims: ShardClaim[] = [];
  for (const row of rows) {
    if (row.status !== "new") continue;
    if (row.due_at > cutoffs.before || claims.length >= limit) {
      next = row.event_seq;
      break;
    }
    sql.exec(SQL.claimFresh, cutoffs.now, row.event_seq, row.route);
    claims.push({ seq: row.event_seq, route: row.route, requeues: 1 });
  }
  sql.exec(SQL.moveFresh, next);
  return claims;
}

/**
 * Every kind of overdue delivery, at most `limit`: the pending index's first, then `new` rows.
 *
 * @example claimDueIn(sql, { now, before: now - 20, backoffSeconds: 20, backoffCapSeconds: 3600 }, 100)
 */
export function claimDueIn(sql: SqlStorage, cutoffs: SweepCutoffs, limit: number): ShardClaim[] {
  const indexed = claimOverdueIn(sql, cutoffs, limit);
  return [...indexed, ...claimFreshIn(sql, cutoffs, limit - indexed.length)];
}

/** When the oldest `new` row fell due (its admission), or undefined when there is none. */
function firstFreshDue(sql: SqlStorage): number | undefined {
  for (const row of sql.exec<FreshRow>(SQL.freshRows, freshFrom(sql), FRESH_SCAN))
    if (row.status === "new") return row.due_at;
  return undefined;
}

/** When the next pending delivery falls due, or undefined when none is pending. */
export function nextDueIn(sql: SqlStorage): number | undefined {
  const indexed = sql.exec<{ at: number | null }>(SQL.nextDue).one().at ?? undefined;
  const fresh = firstFreshDue(sql);
  if (indexed === undefined) return fresh;
  return fresh === undefined ? indexed : Math.min(indexed, fresh);
}

export interface PruneResult {
  events: number;
  /** Events past retention kept because a delivery of theirs is still to be done. */
  kept: number;
  /** False when more may be due (the batch was full): prune again from `after`. */
  done: boolean;
  /** The last event looked at: where the next batch starts. */
  after: number;
}

/**
 * Deletes, oldest first, up to `limit` events received at or before `before` whose deliveries
 * are all settled, with their deliveries and attempts. Events are in rowid order of receipt, so
 * the walk stops at the first event not yet due; `after` skips events already known to be kept
 * (a delivery held by a route paused for longer than the retention).
 */
export function pruneIn(sql: SqlStorage, before: number, limit: number, after = 0): PruneResult {
  const rows = sql.exec<{ seq: number; received_at: number }>(SQL.oldest, after, limit).toArray();
  const due = rows.filter((row) => row.received_at <= before).map((row) => row.seq);
  if (due.length === 0) return { events: 0, kept: 0, done: true, after };
  const list = JSON.stringify(due);
  const unsettled = new Set(
    sql
      .exec<{ event_seq: number }>(SQL.unsettledAmong, list)
      .toArray()
      .map((row) => row.event_seq),
  );
  const gone = JSON.stringify(due.filter((seq) => !unsettled.has(seq)));
  sql.exec(SQL.pruneAttempts, gone);
  sql.exec(SQL.pruneDeliveries, gone);
  const events = sql.exec(SQL.pruneEvents, gone).toArray().length;
  if (events > 0) sql.exec(SQL.rewindFresh);
  return {
    events,
    kept: unsettled.size,
    done: due.length < rows.length || rows.length < limit,
    after: due.at(-1) ?? after,
  };
}
