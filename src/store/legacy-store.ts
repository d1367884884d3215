import { DurableObject } from "cloudflare:workers";
import type { Env } from "../config/env.ts";
import { retentionSeconds } from "./alarm.ts";
import { type ImportState, importStep, startImport } from "./legacy.ts";
import { createLegacy, rowsOf } from "./legacy-rows.ts";
import { listAccepted } from "./listing.ts";
import { LEGACY_SHARD } from "./shard.ts";

/**
 * What makes one EventStore object `shard-legacy` (docs/store.md, "Upgrade from the D1 schema"):
 * the EventStore class (event-store.ts) extends this one. The import of what the D1 store had not
 * settled (legacy.ts) is started by `upgrade` and run by the alarm (`importing`); every call that
 * names events finds a D1 id's row by its tag first (`row`, `rows`).
 */
export abstract class LegacyAware extends DurableObject<Env> {
  /** The shard number, learnt from the calls (the alarm needs it to make ids). */
  protected shard: number | undefined;
  /** This object is `shard-legacy` and has that shard's index (see `becomeLegacy`). */
  private legacy = false;

  /** Lists this shard with the shards ever written (the registry object; event-store.ts). */
  protected abstract listShard(shard: number): Promise<void>;
  /** Makes sure the alarm runs (a local restart may have lost it). */
  protected abstract armAlarm(): Promise<void>;

  /**
   * `shard-legacy` only: each isolate's first request, queue batch or cron run
   * (legacy-worker.ts). Starts the import, run by the alarm; once it is done, only makes sure the
   * alarm runs.
   *
   * @example const state = await legacyStub(env).upgrade(); // state.doneAt once imported
   */
  async upgrade(): Promise<ImportState> {
    this.becomeLegacy();
    // Listed once, so a local restart's sweep claims its rows too (not on its first call, as a
    // numbered shard is: a consumer's call for an old id may come before this one).
    if (!this.ctx.storage.kv.get("registered")) {
      await this.listShard(LEGACY_SHARD);
      this.ctx.storage.kv.put("registered", true);
    }
    const state = startImport(this.ctx.storage, Math.floor(Date.now() / 1000));
    if (state.doneAt === undefined && (await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(Date.now());
    } else await this.armAlarm();
    return state;
  }

  /** The alarm's import step (`shard-legacy` only): when to run again (ms), or undefined. */
  protected importing(): Promise<number | undefined> {
    if (this.shard !== LEGACY_SHARD) return Promise.resolve(undefined);
    const days = Math.round(retentionSeconds(this.env) / 86_400);
    // Listed at the time of the import, not of receipt: the listing's pages assume each index
    // object's rows are added in time order (listing.ts). A page shows the event's own time.
    return importStep(this.ctx.storage, this.env.DB, (rows) => {
      const now = Math.floor(Date.now() / 1000);
      return listAccepted(
        this.env,
        rows.map((row) => ({ ...row, receivedAt: now, shard: LEGACY_SHARD })),
        days,
      );
    });
  }

  /**
   * The row of an event: `seq` itself, except for an id of the D1 store (`seq` 0, only ever sent
   * to `shard-legacy`), found by its tag (legacy-rows.ts).
   */
  protected row(seq: number, tag: string): number {
    return seq === 0 ? (this.rows([{ seq, tag }])[0]?.seq ?? 0) : seq;
  }

  /**
   * `refs` with their rows (see `row`). A numbered shard (one that knows its number) is never
   * made `shard-legacy` by a `seq` 0 it is sent: such a ref finds nothing there.
   */
  protected rows<T extends { seq: number; tag: string }>(refs: T[]): T[] {
    if (!refs.some((ref) => ref.seq === 0)) return refs;
    if (this.shard !== undefined && this.shard !== LEGACY_SHARD) return refs; // row 0: none
    this.becomeLegacy();
    return rowsOf(this.ctx.storage.sql, refs);
  }

  /** This object is `shard-legacy`: its ids are its events' tags, found by their own index. */
  protected becomeLegacy(): void {
    if (this.legacy) return;
    this.legacy = true;
    if (this.shard !== LEGACY_SHARD) this.ctx.storage.kv.put("shard", LEGACY_SHARD);
    this.shard = LEGACY_SHARD;
    createLegacy(this.ctx.storage.sql);
  }
}
