/**
 * The upgrade of ordered routes' lines (docs/store.md, "Upgrade from the D1 schema"): before
 * lines had their own objects (lines.ts), each route's RouteGate kept them in a `lineup` table
 * of its own storage. A deployment that upgrades with events in line still has them there; the
 * events wait (`waiting`) for a turn that only a line can pass on. `handOver` moves them, in
 * their order, to the ConversationLines objects, one page at a time, and drops the table when it
 * is empty. The Worker asks for it once per isolate and route before its first line operation
 * (`linesReady`), so no event accepted after the upgrade can get in line ahead of one accepted
 * before it.
 */
import type { Env } from "../config/env.ts";
import { log } from "../config/log.ts";
import { lineShard, linesOf } from "./lines.ts";
import type { Adopted } from "./lineup.ts";
import type { RouteGate } from "./route-gate.ts";

/** Rows moved per page: small enough for one RPC answer and one transaction each side. */
const PAGE = 500;

const hasTable = (sql: SqlStorage) =>
  sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'lineup'").toArray()
    .length > 0;

/**
 * Moves the RouteGate's old `lineup` rows of `route` to its ConversationLines objects, oldest
 * first; returns how many. Run inside the gate's `blockConcurrencyWhile`, so two callers never
 * interleave; a crash between a page's copy and its delete copies it again (`adopt` ignores an
 * event already in line).
 *
 * @example const moved = await handOver(env, this.ctx.storage.sql, "crm");
 */
export async function handOver(env: Env, sql: SqlStorage, route: string): Promise<number> {
  if (!hasTable(sql)) return 0;
  let moved = 0;
  for (;;) {
    const rows = sql
      .exec<{
        seq: number;
        conversation: string;
        event: string;
        at: number;
        head_since: number | null;
      }>("SELECT seq, conversation, event, at, head_since FROM lineup ORDER BY seq LIMIT ?", PAGE)
      .toArray();
    if (rows.length === 0) break;
    const shards = new Map<number, Adopted[]>();
    for (const row of rows) {
      const shard = lineShard(row.conversation);
      const item = {
        event: row.event,
        conversation: row.conversation,
        at: row.at,
        headSince: row.head_since,
      };
      shards.set(shard, [...(shards.get(shard) ?? []), item]);
    }
    await Promise.all(
      [...shards.values()].map((items) =>
        linesOf(env, route, (items[0] as Adopted).conversation).adopt(items),
      ),
    );
    sql.exec("DELETE FROM lineup WHERE seq <= ?", (rows[rows.length - 1] as { seq: number }).seq);
    moved += rows.length;
  }
  sql.exec("DROP TABLE lineup");
  log("info", "ordered route: lines moved from the route's gate to its line objects", {
    route,
    moved,
  });
  return moved;
}

const ready = new Map<string, Promise<void>>();

/**
 * Resolves once `route`'s lines from before the upgrade are in its line objects: one call to the
 * route's gate per isolate and route, none after. A failure is thrown (and asked again next time).
 *
 * @example await linesReady(env, "crm"); await linesOf(env, "crm", conversation).turn(item);
 */
export function linesReady(env: Env, route: string): Promise<void> {
  let done = ready.get(route);
  if (!done) {
    const gate: DurableObjectStub<RouteGate> = env.ROUTE_GATES.get(
      env.ROUTE_GATES.idFromName(route),
    );
    done = gate.handOverLines(route).then(
      () => undefined,
      (error: unknown) => {
        ready.delete(route);
        throw error;
      },
    );
    ready.set(route, done);
  }
  return done;
}
