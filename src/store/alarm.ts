/**
 * What a shard's alarm does with what its housekeeping (housekeeping.ts) finds: claimed
 * deliveries named by event id, sent to the queue (those refused are due again at once), the
 * ones lost too many times in a row dead-lettered, and the prune run batch after batch.
 */
import type { Env } from "../config/env.ts";
import { loadConfig } from "../config/index.ts";
import { log } from "../config/log.ts";
import type { DeliveryMessage } from "../enqueue/queue.ts";
import { addDeadLetter } from "../storage/dead-letters.ts";
import {
  BUSY_GRACE_SECONDS,
  claimDueIn,
  MAX_REQUEUES,
  OVERDUE_GRACE_SECONDS,
  type PruneResult,
  pruneIn,
  REQUEUE_BACKOFF_CAP_SECONDS,
} from "./housekeeping.ts";
import { failedAttempts, parsed, readEvent, settleDelivery } from "./ops.ts";
import { SQL } from "./schema.ts";
import { eventId, parseEventId } from "./shard.ts";

const DAY = 24 * 60 * 60;

/** `RETENTION_DAYS` as the prune reads it (the Worker validates the setting; 7 when unset). */
export function retentionSeconds(env: Env): number {
  const days = Number(env.RETENTION_DAYS ?? 7);
  return (Number.isFinite(days) && days >= 1 ? days : 7) * DAY;
}

/** A delivery claimed by a sweep, named as the Worker names it. */
export interface IdClaim {
  id: string;
  seq: number;
  route: string;
  /** Messages lost in a row, this claim included. */
  requeues: number;
}

/**
 * Claims up to `limit` overdue deliveries: due `OVERDUE_GRACE_SECONDS` ago while the consumer is
 * idle, `BUSY_GRACE_SECONDS` while it works (a backlog is not a loss; see src/enqueue/sweep.ts).
 * `restartAt` (a local restart, which dropped the queue's messages): a delivery due before then
 * is overdue after the short grace even while the consumer works.
 */
export function claimIds(
  sql: SqlStorage,
  shard: number,
  options: { now: number; busy: boolean; restartAt?: number; limit: number },
): IdClaim[] {
  const { now } = options;
  const cutoff = now - (options.busy ? BUSY_GRACE_SECONDS : OVERDUE_GRACE_SECONDS);
  const before =
    options.restartAt === undefined
      ? cutoff
      : Math.max(cutoff, Math.min(now - OVERDUE_GRACE_SECONDS, options.restartAt));
  const cutoffs = {
    now,
    before,
    backoffSeconds: OVERDUE_GRACE_SECONDS,
    backoffCapSeconds: REQUEUE_BACKOFF_CAP_SECONDS,
  };
  const claims = claimDueIn(sql, cutoffs, options.limit);
  const tags = tagsOf(
    sql,
    claims.map((claim) => claim.seq),
  );
  return claims.map((claim) => ({
    ...claim,
    id: eventId({ shard, seq: claim.seq, tag: tags.get(claim.seq) ?? "00000000" }),
  }));
}

/** The tags of these rows, by seq. */
export function tagsOf(sql: SqlStorage, seqs: number[]): Map<number, string> {
  if (seqs.length === 0) return new Map();
  const rows = sql.exec<{ seq: number; tag: string }>(SQL.tagsOf, JSON.stringify(seqs));
  return new Map(rows.toArray().map((row) => [row.seq, row.tag]));
}

/** The alarm's sweep: claims, dead-letters what was lost too often, queues the rest. */
export async function sweepShard(
  env: Env,
  sql: SqlStorage,
  transaction: <T>(work: () => T) => T,
  shard: number,
  options: { now: number; busy: boolean; limit: number },
): Promise<{ sent: number; buried: number }> {
  const { now } = options;
  const claims = transaction(() => claimIds(sql, shard, options));
  const lost = claims.filter((claim) => claim.requeues > MAX_REQUEUES);
  for (const claim of lost) await bury(env, sql, transaction, shard, claim, now);
  const toSend = claims.filter((claim) => claim.requeues <= MAX_REQUEUES);
  if (toSend.length === 0) return { sent: 0, buried: lost.length };
  try {
    await env.DELIVERY_QUEUE.sendBatch(
      toSend.map((claim) => ({
        body: { v: 1, event: claim.id, route: claim.route } satisfies DeliveryMessage,
        contentType: "json" as const,
      })),
    );
    return { sent: toSend.length, buried: lost.length };
  } catch (error) {
    transaction(() => {
      for (const claim of toSend)
        sql.exec(SQL.unqueue, now - BUSY_GRACE_SECONDS, claim.seq, claim.route);
    });
    log("error", "shard sweep could not queue", { shard, error: String(error).slice(0, 300) });
    return { sent: 0, buried: lost.length };
  }
}

/**
 * A delivery whose message was lost too many times in a row: a dead letter (in D1), then its row
 * settled dead, in that order (a crash in between leaves it pending: the next sweep buries it).
 * An ordered route's conversation moves on when the consumer next asks whose turn it is (it finds
 * this head settled: src/coordinate/order.ts `admitInTurn`, or the waiting rows' recheck).
 */
async function bury(
  env: Env,
  sql: SqlStorage,
  transaction: <T>(work: () => T) => T,
  shard: number,
  claim: IdClaim,
  now: number,
): Promise<void> {
  const lastError = `its queue message was lost ${claim.requeues} times in a row (queued again ${claim.requeues - 1} times by the outbox sweep, never handled by the consumer): a queue dropping messages, or a consumer that dies on this event before recording anything; replay it once the cause is fixed`;
  const tag = parseEventId(claim.id)?.tag ?? "";
  const event = readEvent(sql, shard, claim.seq, tag);
  if (event) {
    const config = loadConfig(env);
    const target = config.ok
      ? config.config.routes.find((route) => route.name === claim.route)?.target
      : undefined;
    await addDeadLetter(env.DB, {
      event: parsed(event),
      route: claim.route,
      ...(target ? { target } : {}),
      attempts: failedAttempts(sql, claim.seq).filter((a) => a.route === claim.route),
      lastError,
    });
  }
  const outcome = {
    status: "dead" as const,
    lastError: event ? lastError : "the event is no longer stored",
  };
  transaction(() => settleDelivery(sql, claim.seq, claim.route, { outcome, failures: [] }, now));
  log("error", "dead letter", {
    route: claim.route,
    eventId: claim.id,
    reason: "queue message lost too many times in a row",
    lost: claim.requeues,
  });
}

/** Prunes every event due (past `before`, its deliveries settled), a batch per transaction. */
export function pruneAll(
  sql: SqlStorage,
  transaction: <T>(work: () => T) => T,
  before: number,
  batch: number,
): PruneResult {
  let total: PruneResult = { events: 0, kept: 0, done: false, after: 0 };
  while (!total.done) {
    const next = transaction(() => pruneIn(sql, before, batch, total.after));
    total = { ...next, events: total.events + next.events, kept: total.kept + next.kept };
  }
  return total;
}
