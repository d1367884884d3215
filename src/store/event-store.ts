import type { Env } from "../config/env.ts";
import { log } from "../config/log.ts";
import { claimIds, type IdClaim, pruneAll, retentionSeconds, sweepShard, tagsOf } from "./alarm.ts";
import { type CountsBySource, countAnswered, readCounts } from "./counters.ts";
import {
  IDLE_SECONDS,
  nextDueIn,
  OVERDUE_GRACE_SECONDS,
  type PruneResult,
  SWEEP_BATCH,
} from "./housekeeping.ts";
import { restoreLegacy } from "./legacy-rows.ts";
import { LegacyAware } from "./legacy-store.ts";
import {
  type AdmitOptions,
  admitEvents,
  type Begun,
  beginDelivery,
  createShard,
  deliveriesOfEvents,
  eraseIn,
  failedAttempts,
  liveOwners,
  readEvent,
  type Settlement,
  type ShardAdmission,
  type ShardDelivery,
  type ShardEvent,
  type ShardStoredEvent,
  settleDelivery,
} from "./ops.ts";
import {
  changeRows,
  claimOrphansIn,
  known,
  type ReplayRef,
  type RowChange,
  type RowRef,
  replayRows,
} from "./requeue.ts";
import { SQL } from "./schema.ts";
import { eventId, LEGACY_SHARD } from "./shard.ts";
import { type Detail, detailIn, type Summary, summariesIn } from "./view-ops.ts";

/** The shard's alarm runs at least this often while it holds anything (sweep; prune when due). */
export const ALARM_SECONDS = 60;
/** The prune runs at most this often per shard. */
export const PRUNE_EVERY_SECONDS = 3600;

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * The name of the EventStore object that lists the shards ever written (it holds no events):
 * the Worker's sweep after a local restart reads it, so it calls only shards that exist.
 */
export const REGISTRY = "shard-registry";

const registryOf = (env: Env) => env.EVENT_STORE.get(env.EVENT_STORE.idFromName(REGISTRY));

/**
 * One shard of the event store (docs/store.md): `EVENT_STORE.idFromName("shard-<n>")`. It owns
 * its events' dedupe keys, payloads, deliveries, failed attempts and outcomes in its SQLite
 * storage; every method is one transaction. Its alarm sweeps (re-queues deliveries whose queue
 * message was lost) and prunes (events past retention whose deliveries are all settled).
 *
 * The shard's number comes with every call (the object cannot read its own name), so the ids it
 * makes name it.
 */
export class EventStore extends LegacyAware {
  /** When the consumer last settled a delivery here (in memory: a restart counts as idle). */
  private lastSettle = 0;
  private alarmArmed = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      createShard(ctx.storage.sql);
      this.shard = ctx.storage.kv.get<number>("shard");
      if (this.shard === LEGACY_SHARD) this.becomeLegacy();
    });
  }

  protected listShard(shard: number): Promise<void> {
    return registryOf(this.env).register(shard);
  }

  protected armAlarm(): Promise<void> {
    return this.arm();
  }

  /** Learns the shard's number; a shard written for the first time registers itself. */
  private async know(shard: number): Promise<void> {
    if (this.shard === shard) return;
    const first = this.ctx.storage.kv.get<number>("shard") === undefined;
    this.shard = shard;
    this.ctx.storage.kv.put("shard", shard);
    if (!first) return;
    await registryOf(this.env)
      .register(shard)
      .catch((error) => {
        log("error", "shard not registered; a local restart's sweep will miss it", {
          shard,
          error: String(error).slice(0, 300),
        });
      });
  }

  /** The registry object's list of shards ever written (see `REGISTRY`). */
  register(shard: number): void {
    const shards = this.ctx.storage.kv.get<number[]>("shards") ?? [];
    if (!shards.includes(shard)) this.ctx.storage.kv.put("shards", [...shards, shard]);
  }

  /** On the registry object: the queue consumer's heartbeat (`consumerBeat`), and its reading. */
  beat(at: number): void {
    if (at > (this.ctx.storage.kv.get<number>("beat") ?? 0)) this.ctx.storage.kv.put("beat", at);
  }

  lastBeat(): number {
    return this.ctx.storage.kv.get<number>("beat") ?? 0;
  }

  /**
   * Whether the consumer is busy (a delivery overdue by the short grace may be waiting in a
   * backlog): this shard settled one, or the consumer's heartbeat is, under `IDLE_SECONDS` old.
   */
  private async busy(now: number): Promise<boolean> {
    if (now - this.lastSettle < IDLE_SECONDS) return true;
    const due = nextDueIn(this.ctx.storage.sql);
    if (due === undefined || due > now - OVERDUE_GRACE_SECONDS) return false;
    const beat = await registryOf(this.env)
      .lastBeat()
      .catch(() => 0);
    return now - beat < IDLE_SECONDS;
  }

  /** On the registry object: every shard ever written, in the order they were first written. */
  registered(): number[] {
    return this.ctx.storage.kv.get<number[]>("shards") ?? [];
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
    await this.know(shard);
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
  async answered(shard: number, source: string, code: number): Promise<void> {
    await this.know(shard);
    countAnswered(this.ctx.storage.sql, source, code);
  }

  /** Which of these keys are still repeats here, and of which event (see `liveOwners`). */
  owners(shard: number, keys: string[], since: number): Record<string, string> {
    return liveOwners(this.ctx.storage.sql, shard, keys, since);
  }

  /** Erases one event (see `eraseIn`), in one transaction. */
  erase(seq: number, tag: string) {
    const sql = this.ctx.storage.sql;
    return this.ctx.storage.transactionSync(() => eraseIn(sql, this.row(seq, tag), tag));
  }

  /** One event, or undefined. */
  event(shard: number, seq: number, tag: string): ShardStoredEvent | undefined {
    return readEvent(this.ctx.storage.sql, shard, this.row(seq, tag), tag);
  }

  /** The consumer's read before a delivery: the event, its row and the row's failed attempts. */
  begin(shard: number, seq: number, tag: string, route: string): Begun {
    return beginDelivery(this.ctx.storage.sql, shard, this.row(seq, tag), tag, route);
  }

  /** One delivery row, without its event (undefined: no such event or delivery). */
  delivery(shard: number, at: number, tag: string, route: string): ShardDelivery | undefined {
    const seq = this.row(at, tag);
    if (known(this.ctx.storage.sql, [{ seq, tag }]).length === 0) return undefined;
    return deliveriesOfEvents(this.ctx.storage.sql, shard, [{ seq, tag }])[0]?.find(
      (row) => row.route === route,
    );
  }

  /**
   * The consumer's bookkeeping after a delivery: one call, one transaction. Nothing happens for
   * an id whose event is not here (a row number reused after the shard was emptied).
   */
  settle(at: number, tag: string, route: string, settlement: Settlement, now = nowSeconds()) {
    this.lastSettle = now;
    const sql = this.ctx.storage.sql;
    const seq = this.row(at, tag);
    this.ctx.storage.transactionSync(() => {
      if (known(sql, [{ seq, tag }]).length > 0) settleDelivery(sql, seq, route, settlement, now);
    });
  }

  /** Rows put back in line or set aside (see `changeRows`), in one transaction. */
  change(refs: RowRef[], change: RowChange, now = nowSeconds()): void {
    const sql = this.ctx.storage.sql;
    this.ctx.storage.transactionSync(() => changeRows(sql, this.rows(refs), change, now));
  }

  /** Deliveries queued again for a replay (see `replayRows`); returns those replayed. */
  async replay(refs: ReplayRef[], redeliver: boolean, now = nowSeconds()): Promise<RowRef[]> {
    const sql = this.ctx.storage.sql;
    const rows = this.ctx.storage.transactionSync(() =>
      replayRows(sql, this.rows(restoreLegacy(sql, this.rows(refs))), redeliver, now),
    );
    await this.arm();
    // Named as the caller named them (an old id's seq 0, not the row found for it).
    const asked = new Map(refs.map((ref) => [ref.tag, ref.seq]));
    return rows.map((row) => ({ ...row, seq: asked.get(row.tag) ?? row.seq }));
  }

  /** An event's failed attempts (the console; a dead letter's copy). */
  attempts(seq: number, tag = "") {
    return failedAttempts(this.ctx.storage.sql, this.row(seq, tag));
  }

  /** The delivery rows of these events (a console page), in the order of `refs`. */
  deliveries(shard: number, refs: Array<{ seq: number; tag: string }>): ShardDelivery[][] {
    return deliveriesOfEvents(this.ctx.storage.sql, shard, this.rows(refs));
  }

  /** A listing page's events as this shard has them now (see `summariesIn`). */
  summaries(shard: number, refs: Array<{ seq: number; tag: string }>): Summary[] {
    return summariesIn(this.ctx.storage.sql, shard, this.rows(refs));
  }

  /** One event, its deliveries and failed attempts, in one call (see `detailIn`). */
  detail(shard: number, seq: number, tag: string): Detail | undefined {
    return detailIn(this.ctx.storage.sql, shard, this.row(seq, tag), tag);
  }

  /**
   * The Worker's sweep of this shard (src/enqueue/sweep.ts): claims overdue deliveries and
   * returns them for the Worker to queue or dead-letter. `restart`: the Worker's isolate just
   * started (locally, its queue was dropped), so a busy shard is not given the longer grace.
   * Also arms the alarm, which an object restarted locally may have lost.
   */
  async claim(shard: number, options: { now?: number; restartAt?: number; limit?: number } = {}) {
    await this.know(shard);
    const now = options.now ?? nowSeconds();
    const sql = this.ctx.storage.sql;
    const busy = await this.busy(now);
    const claims: IdClaim[] = this.ctx.storage.transactionSync(() =>
      claimIds(sql, shard, {
        now,
        busy,
        ...(options.restartAt !== undefined ? { restartAt: options.restartAt } : {}),
        limit: options.limit ?? SWEEP_BATCH,
      }),
    );
    if (this.holdsAnything()) await this.arm();
    return claims;
  }

  /** Held deliveries of routes not in `configured`: queued now, returned by id (see `claimOrphansIn`). */
  orphans(shard: number, configured: string[], limit: number, now = nowSeconds()) {
    const sql = this.ctx.storage.sql;
    const rows = this.ctx.storage.transactionSync(() =>
      claimOrphansIn(sql, configured, limit, now),
    );
    const tags = tagsOf(
      sql,
      rows.map((row) => row.seq),
    );
    return rows.map((row) => ({
      id: eventId({ shard, seq: row.seq, tag: tags.get(row.seq) ?? "00000000" }),
      route: row.route,
    }));
  }

  private holdsAnything(): boolean {
    return this.ctx.storage.sql.exec(SQL.oldest, 0, 1).toArray().length > 0;
  }

  /** Runs the sweep and, when due, the prune now (the alarm's work; tests call it directly). */
  async housekeeping(
    now = nowSeconds(),
  ): Promise<{ sent: number; buried: number; pruned?: PruneResult }> {
    const sql = this.ctx.storage.sql;
    const transaction = <T>(work: () => T): T => this.ctx.storage.transactionSync(work);
    const busy = await this.busy(now);
    const swept = await sweepShard(this.env, sql, transaction, this.shard ?? 0, {
      now,
      busy,
      limit: SWEEP_BATCH,
    });
    const pruneAt = this.ctx.storage.kv.get<number>("pruneAt") ?? 0;
    if (now < pruneAt) return swept;
    const pruned = pruneAll(sql, transaction, now - retentionSeconds(this.env), SWEEP_BATCH);
    this.ctx.storage.kv.put("pruneAt", now + PRUNE_EVERY_SECONDS);
    return { ...swept, pruned };
  }

  override async alarm(): Promise<void> {
    // shard-legacy: a few batches of the import first (again in a second while any is left).
    const again = await this.importing();
    const now = nowSeconds();
    const result = await this.housekeeping(now);
    if (result.sent > 0 || result.buried > 0)
      log("warn", "shard swept", { shard: this.shard, ...result });
    // Again in a minute while the shard holds anything; an idle, empty shard sleeps until written.
    if (again !== undefined) await this.ctx.storage.setAlarm(Date.now() + again);
    else if (nextDueIn(this.ctx.storage.sql) !== undefined || this.holdsAnything()) {
      await this.ctx.storage.setAlarm((now + ALARM_SECONDS) * 1000);
    } else this.alarmArmed = false;
  }
}
