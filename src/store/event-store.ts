import { DurableObject } from "cloudflare:workers";
import type { Env } from "../config/env.ts";
import { log } from "../config/log.ts";
import type { DeliveryMessage } from "../enqueue/queue.ts";
import {
  SWEEP_BATCH as BATCH,
  BUSY_GRACE_SECONDS,
  IDLE_SECONDS,
  MAX_REQUEUES,
  OVERDUE_GRACE_SECONDS,
  REQUEUE_BACKOFF_CAP_SECONDS,
} from "../enqueue/sweep.ts";
import { addDeadLetter } from "../storage/dead-letters.ts";
import { type CountsBySource, countAnswered, readCounts } from "./counters.ts";
import {
  claimOverdueIn,
  nextDueIn,
  type PruneResult,
  pruneIn,
  type ShardClaim,
} from "./housekeeping.ts";
import {
  type AdmitOptions,
  admitEvents,
  beginDelivery,
  createShard,
  deliveriesOfEvents,
  eraseIn,
  failedAttempts,
  liveOwners,
  parsed,
  readEvent,
  type Settlement,
  type ShardAdmission,
  type ShardDelivery,
  type ShardEvent,
  type ShardStoredEvent,
  settleDelivery,
} from "./ops.ts";
import { SQL } from "./schema.ts";
import { eventId } from "./shard.ts";

/** The shard's alarm runs at least this often while it holds anything (sweep; prune when due). */
export const ALARM_SECONDS = 60;
/** The prune runs at most this often per shard. */
export const PRUNE_EVERY_SECONDS = 3600;
const DAY = 24 * 60 * 60;

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** `RETENTION_DAYS` as the prune reads it (the Worker validates the setting; 7 when unset). */
function retentionSeconds(env: Env): number {
  const days = Number(env.RETENTION_DAYS ?? 7);
  return (Number.isFinite(days) && days >= 1 ? days : 7) * DAY;
}

/**
 * One shard of the event store (docs/store.md): `EVENT_STORE.idFromName("shard-<n>")`. It owns
 * its events' dedupe keys, payloads, deliveries, failed attempts and outcomes in its SQLite
 * storage; every method is one transaction. Its alarm sweeps (re-queues deliveries whose queue
 * message was lost) and prunes (events past retention whose deliveries are all settled).
 *
 * The shard's number comes with every call (the object cannot read its own name), so the ids it
 * makes name it.
 */
export class EventStore extends DurableObject<Env> {
  /** When the consumer last settled a delivery here (in memory: a restart counts as idle). */
  private lastSettle = 0;
  private alarmArmed = false;
  /** The shard number, learnt from the calls (the alarm needs it to make ids). */
  private shard: number | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      createShard(ctx.storage.sql);
      this.shard = ctx.storage.kv.get<number>("shard");
    });
  }

  private know(shard: number): void {
    if (this.shard === shard) return;
    this.shard = shard;
    this.ctx.storage.kv.put("shard", shard);
  }

  /** Arms the alarm once per object lifetime if none is set (reading it costs nothing). */
  private async arm(): Promise<void> {
    if (this.alarmArmed) return;
    this.alarmArmed = true;
    if ((await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now() + (OVERDUE_GRACE_SECONDS + 1) * 1000);
    }
  }

  /**
   * Admits a batch's events of this shard (see `admitEvents`): one call per shard per request.
   *
   * @example await stub.admit(3, events, ["default"], { now, dedupeSeconds: 86400, repeatBefore: now - 20, maxRequeues: 10 })
   */
  async admit(
    shard: number,
    events: ShardEvent[],
    routes: string[],
    options: AdmitOptions,
  ): Promise<ShardAdmission[]> {
    this.know(shard);
    const sql = this.ctx.storage.sql;
    const admissions = this.ctx.storage.transactionSync(() =>
      admitEvents(sql, shard, events, routes, options),
    );
    await this.arm();
    return admissions;
  }

  /** This shard's per-source counters (`GET /metrics` sums them over the shards). */
  counts(): CountsBySource {
    return readCounts(this.ctx.storage.sql);
  }

  /** Counts one request the Worker answered without an admission (`GET /metrics`). */
  answered(source: string, code: number): void {
    countAnswered(this.ctx.storage.sql, source, code);
  }

  /** Which of these keys are still repeats here, and of which event (see `liveOwners`). */
  owners(shard: number, keys: string[], since: number): Record<string, string> {
    return liveOwners(this.ctx.storage.sql, shard, keys, since);
  }

  /** Erases one event (see `eraseIn`), in one transaction. */
  erase(seq: number, tag: string) {
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => eraseIn(sql, seq, tag));
  }

  /** One event, or undefined. */
  event(shard: number, seq: number, tag: string): ShardStoredEvent | undefined {
    return readEvent(this.ctx.storage.sql, shard, seq, tag);
  }

  /** The consumer's read before a delivery: the event and its delivery row. */
  begin(shard: number, seq: number, tag: string, route: string) {
    return beginDelivery(this.ctx.storage.sql, shard, seq, tag, route);
  }

  /** The consumer's bookkeeping after a delivery: one call, one transaction. */
  settle(seq: number, route: string, settlement: Settlement, now = nowSeconds()): void {
    this.lastSettle = now;
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => settleDelivery(sql, seq, route, settlement, now));
  }

  /** An event's failed attempts (the console; a dead letter's copy). */
  attempts(seq: number) {
    return failedAttempts(this.ctx.storage.sql, seq);
  }

  /** The delivery rows of these events (a console page), in the order of `refs`. */
  deliveries(shard: number, refs: Array<{ seq: number; tag: string }>): ShardDelivery[][] {
    return deliveriesOfEvents(this.ctx.storage.sql, shard, refs);
  }

  /** Runs the sweep and, when due, the prune now (the alarm's work; tests call it directly). */
  async housekeeping(
    now = nowSeconds(),
  ): Promise<{ sent: number; buried: number; pruned?: PruneResult }> {
    const sql = this.ctx.storage.sql;
    const busy = now - this.lastSettle < IDLE_SECONDS;
    const claims = this.ctx.storage.transactionSync(() =>
      claimOverdueIn(
        sql,
        {
          now,
          before: now - (busy ? BUSY_GRACE_SECONDS : OVERDUE_GRACE_SECONDS),
          backoffSeconds: OVERDUE_GRACE_SECONDS,
          backoffCapSeconds: REQUEUE_BACKOFF_CAP_SECONDS,
        },
        BATCH,
      ),
    );
    const lost = claims.filter((claim) => claim.requeues > MAX_REQUEUES);
    const toSend = claims.filter((claim) => claim.requeues <= MAX_REQUEUES);
    for (const claim of lost) await this.bury(claim, now);
    const sent = await this.send(toSend, now);
    let pruned: PruneResult | undefined;
    const pruneAt = this.ctx.storage.kv.get<number>("pruneAt") ?? 0;
    if (now >= pruneAt) {
      const before = now - retentionSeconds(this.env);
      let after = 0;
      let total: PruneResult = { events: 0, kept: 0, done: false, after };
      while (!total.done) {
        const batch = this.ctx.storage.transactionSync(() => pruneIn(sql, before, BATCH, after));
        after = batch.after;
        total = { ...batch, events: total.events + batch.events, kept: total.kept + batch.kept };
      }
      pruned = total;
      this.ctx.storage.kv.put("pruneAt", now + PRUNE_EVERY_SECONDS);
    }
    return { sent, buried: lost.length, ...(pruned ? { pruned } : {}) };
  }

  override async alarm(): Promise<void> {
    const now = nowSeconds();
    const result = await this.housekeeping(now);
    if (result.sent > 0 || result.buried > 0)
      log("warn", "shard swept", { shard: this.shard, ...result });
    // Again in a minute while the shard holds anything; an idle, empty shard sleeps until written.
    const next = nextDueIn(this.ctx.storage.sql);
    const any = this.ctx.storage.sql.exec(SQL.oldest, 0, 1).toArray().length > 0;
    if (next !== undefined || any) {
      await this.ctx.storage.setAlarm((now + ALARM_SECONDS) * 1000);
    } else this.alarmArmed = false;
  }

  /** Queues the claimed deliveries; those the queue refused are due again at once. */
  private async send(claims: ShardClaim[], now: number): Promise<number> {
    if (claims.length === 0) return 0;
    const sql = this.ctx.storage.sql;
    const messages: DeliveryMessage[] = claims.map((claim) => ({
      v: 1,
      event: this.idOf(claim.seq),
      route: claim.route,
    }));
    try {
      await this.env.DELIVERY_QUEUE.sendBatch(
        messages.map((body) => ({ body, contentType: "json" })),
      );
      return messages.length;
    } catch (error) {
      for (const claim of claims)
        sql.exec(SQL.unqueue, now - BUSY_GRACE_SECONDS, claim.seq, claim.route);
      log("error", "shard sweep could not queue", {
        shard: this.shard,
        error: String(error).slice(0, 300),
      });
      return 0;
    }
  }

  private idOf(seq: number): string {
    const tag =
      this.ctx.storage.sql.exec<{ tag: string }>(SQL.tagOf, seq).toArray()[0]?.tag ?? "00000000";
    return eventId({ shard: this.shard ?? 0, seq, tag });
  }

  /** A delivery whose message was lost too many times in a row: a dead letter, then settled dead. */
  private async bury(claim: ShardClaim, now: number): Promise<void> {
    const lastError = `its queue message was lost ${claim.requeues} times in a row; replay it once the cause is fixed`;
    const id = this.idOf(claim.seq);
    const [, , tag] = id.split(".");
    const event = readEvent(this.ctx.storage.sql, this.shard ?? 0, claim.seq, tag ?? "");
    if (event) {
      await addDeadLetter(this.env.DB, {
        event: parsed(event),
        route: claim.route,
        attempts: failedAttempts(this.ctx.storage.sql, claim.seq).filter(
          (a) => a.route === claim.route,
        ),
        lastError,
      });
    }
    const sql = this.ctx.storage.sql;
    const settlement = { outcome: { status: "dead" as const, lastError }, failures: [] };
    this.ctx.storage.transactionSync(() =>
      settleDelivery(sql, claim.seq, claim.route, settlement, now),
    );
  }
}
