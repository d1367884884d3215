import { DurableObject } from "cloudflare:workers";
import type { Env } from "../config/env.ts";

/**
 * The listing index (docs/store.md, "Listing"): what `/events` needs to show events newest first
 * without calling every shard. One object per UTC day and sub-index `k` (`index-<day>-<k>`, K of
 * them per day, k = shard mod K), so no object takes more than a share of a day's writes. Rows
 * are in rowid order, which is the order they were added (time order); a page is read backwards
 * from a cursor by rowid, never by scanning. The object deletes itself whole once its day is past
 * retention (its alarm), so rows are never deleted one by one.
 */
export class EventIndex extends DurableObject<Env> {
  /** Whether the table exists: not before the first add, nor after the day was dropped. */
  private created = false;

  private create(): void {
    if (this.created) return;
    this.ctx.storage.sql.exec(
      `CREATE TABLE IF NOT EXISTS listed (pos INTEGER PRIMARY KEY, received_at INTEGER NOT NULL,
         id TEXT NOT NULL, source TEXT NOT NULL, name TEXT NOT NULL)`,
    );
    this.created = true;
  }

  /** A read creates nothing: a day with no table has no rows. */
  private exists(): boolean {
    if (this.created) return true;
    this.created =
      this.ctx.storage.sql
        .exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'listed'")
        .toArray().length > 0;
    return this.created;
  }

  /**
   * Adds the events a request accepted (one call per request), and arms the day's deletion.
   *
   * @example await stub.add([{ receivedAt: 1764720000, id: "7.1042.03f9a2c1", source: "chatwoot", name: "message_created" }], dropAt)
   */
  async add(rows: ListedEvent[], dropAtMs: number): Promise<void> {
    const sql = this.ctx.storage.sql;
    this.create();
    this.ctx.storage.transactionSync(() => {
      for (const row of rows) {
        sql.exec(
          "INSERT INTO listed (received_at, id, source, name) VALUES (?, ?, ?, ?)",
          row.receivedAt,
          row.id,
          row.source,
          row.name,
        );
      }
    });
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(dropAtMs);
  }

  /**
   * A bounded step of a page (listing.ts): reads at most `budget` rows before position `before`,
   * newest first, and returns those of `source` (any when undefined), at most `limit` of them.
   * `last` is the last row read (where the next step starts), `exhausted` that nothing is left
   * below it. The work is bounded whatever the filter: a rare source costs `budget` rows, not
   * the day.
   *
   * @example stub.scan(Number.MAX_SAFE_INTEGER, 50, 200, "hoory") // { rows, last: { pos, receivedAt }, exhausted }
   */
  scan(before: number, limit: number, budget: number, source?: string): IndexStep {
    if (!this.exists()) return { rows: [], exhausted: true };
    const read = this.ctx.storage.sql
      .exec<{ pos: number; received_at: number; id: string; source: string; name: string }>(
        LISTED_SQL.before,
        before,
        budget,
      )
      .toArray();
    const rows: IndexStep["rows"] = [];
    let last: IndexStep["last"];
    for (const row of read) {
      last = { pos: row.pos, receivedAt: row.received_at };
      if (source !== undefined && row.source !== source) continue;
      rows.push({
        pos: row.pos,
        receivedAt: row.received_at,
        id: row.id,
        source: row.source,
        name: row.name,
      });
      if (rows.length >= limit) return { rows, ...(last ? { last } : {}), exhausted: false };
    }
    return { rows, ...(last ? { last } : {}), exhausted: read.length < budget };
  }

  /** The day is past retention: everything goes at once. */
  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
    this.created = false;
  }
}

/** The one statement a page runs on an index object (test/store/plans.test.ts checks its plan). */
export const LISTED_SQL = {
  before: "SELECT * FROM listed WHERE pos < ?1 ORDER BY pos DESC LIMIT ?2",
} as const;

/** One bounded step of a page on one index object (see `EventIndex.scan`). */
export interface IndexStep {
  rows: Array<ListedEvent & { pos: number }>;
  /** The last row read (the lowest position): where the next step starts. */
  last?: { pos: number; receivedAt: number };
  /** Nothing is left below `last` (or below `before` when nothing was read). */
  exhausted: boolean;
}

/** What the listing keeps of an accepted event. */
export interface ListedEvent {
  receivedAt: number;
  id: string;
  source: string;
  name: string;
}
