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
 * Claims up to `limit` overdue pending deliveries, oldest due first, in one statement.
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

/** When the next pending delivery falls due, or undefined when none is pending. */
export function nextDueIn(sql: SqlStorage): number | undefined {
  return sql.exec<{ at: number | null }>(SQL.nextDue).one().at ?? undefined;
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
  return {
    events,
    kept: unsettled.size,
    done: due.length < rows.length || rows.length < limit,
    after: due.at(-1) ?? after,
  };
}
