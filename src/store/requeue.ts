/**
 * A shard's deliveries put back in line or set aside, outside the consumer's own settle: a
 * rate-limited delivery sent again later, an ordered route's waiting deliveries and their turn,
 * a paused route's resume, a postponement while the configuration is broken, a replay (with the
 * event put back if it was pruned), a claim whose message the queue refused, and the held
 * deliveries of routes no longer configured. Synchronous: the EventStore runs each inside one
 * transaction (event-store.ts). The statuses and their meanings: src/storage/types.ts; the
 * lost-message count: `LOST` in schema.ts.
 *
 * Every call names its rows by (seq, tag): a row is touched only while its event still holds that
 * tag, so an id whose row number was reused (a shard emptied by the prune) never reaches another
 * event's deliveries.
 */
import type { StoredEvent } from "../storage/types.ts";
import { SQL } from "./schema.ts";

/** One delivery of this shard, as the Worker names it. */
export interface RowRef {
  seq: number;
  tag: string;
  route: string;
}

/** The refs whose event is here with that tag (an unknown or reused row number is dropped). */
export function known<T extends { seq: number; tag: string }>(sql: SqlStorage, refs: T[]): T[] {
  if (refs.length === 0) return [];
  const seqs = JSON.stringify([...new Set(refs.map((ref) => ref.seq))]);
  const tags = new Map(
    sql
      .exec<{ seq: number; tag: string }>(SQL.tagsOf, seqs)
      .toArray()
      .map((row) => [row.seq, row.tag]),
  );
  return refs.filter((ref) => tags.get(ref.seq) === ref.tag);
}

const pairs = (refs: RowRef[]) => JSON.stringify(refs.map((ref) => [ref.seq, ref.route]));

/**
 * What a call asks of a shard's rows (see the statements in schema.ts for each):
 * - `expect`: sent again with a delay, due then (a paused row becomes queued);
 * - `park`: waiting behind another event of its conversation, looked at again at `dueAt`;
 * - `release`: its turn came, queued now;
 * - `resume`: paused → queued, due now (its route's resume is about to queue it);
 * - `postpone`: retrying at `dueAt` with `reason` (the configuration is broken);
 * - `unqueue`: its message was refused by the queue: due at `dueAt`, the claim not counted.
 */
export type RowChange =
  | { kind: "expect"; dueAt: number }
  | { kind: "park"; dueAt: number }
  | { kind: "release" }
  | { kind: "resume" }
  | { kind: "postpone"; dueAt: number; reason: string }
  | { kind: "unqueue"; dueAt: number };

/**
 * Applies one change to these rows (unknown ids are skipped).
 *
 * @example changeRows(sql, [{ seq: 12, tag: "03f9a2c1", route: "crm" }], { kind: "resume" }, now)
 */
export function changeRows(sql: SqlStorage, refs: RowRef[], change: RowChange, now: number): void {
  const rows = known(sql, refs);
  if (rows.length === 0) return;
  switch (change.kind) {
    case "expect":
      for (const row of rows) sql.exec(SQL.expectAt, change.dueAt, now, row.seq, row.route);
      return;
    case "park":
      for (const route of new Set(rows.map((row) => row.route))) {
        const seqs = rows.filter((row) => row.route === route).map((row) => row.seq);
        sql.exec(SQL.park, change.dueAt, now, JSON.stringify(seqs), route);
      }
      return;
    case "release":
      for (const row of rows) sql.exec(SQL.release, now, row.seq, row.route);
      return;
    case "resume":
      sql.exec(SQL.resume, now, pairs(rows));
      return;
    case "postpone":
      sql.exec(SQL.postpone, change.dueAt, change.reason.slice(0, 500), now, pairs(rows));
      return;
    case "unqueue":
      for (const row of rows) sql.exec(SQL.unqueue, change.dueAt, row.seq, row.route);
      return;
  }
}

/** A delivery to replay, with its event to put back should it have been pruned. */
export interface ReplayRef extends RowRef {
  restore?: Pick<StoredEvent, "source" | "name" | "dispatch" | "receivedAt"> & { payload: string };
}

/**
 * Puts deliveries back to `queued` for a replay (attempts from 0, due now), creating rows where
 * there are none, after putting back events that were pruned. With `redeliver` (a replay of the
 * event) their record of webhooks already delivered is forgotten, so the replay sends them
 * again; without it (a dead letter's replay) they are skipped. Returns the refs replayed (an
 * event that could not be put back, its row number taken by another, is left out).
 */
export function replayRows(
  sql: SqlStorage,
  refs: ReplayRef[],
  redeliver: boolean,
  now: number,
): RowRef[] {
  for (const { seq, tag, restore } of refs) {
    if (!restore) continue;
    const { source, name, dispatch, payload, receivedAt } = restore;
    sql.exec(SQL.restoreEvent, seq, tag, source, name, dispatch ?? null, payload, receivedAt);
  }
  const rows = known(sql, refs);
  if (rows.length > 0) sql.exec(SQL.replay, now, pairs(rows), redeliver ? 1 : 0);
  return rows.map(({ seq, tag, route }) => ({ seq, tag, route }));
}

/**
 * Held deliveries of routes not in `configured` (a route removed while paused): `queued`, due
 * now, returned for the caller to send (the consumer then dead-letters each, naming the route).
 */
export function claimOrphansIn(
  sql: SqlStorage,
  configured: string[],
  limit: number,
  now: number,
): Array<{ seq: number; route: string }> {
  return sql
    .exec<{ event_seq: number; route: string }>(
      SQL.claimOrphans,
      now,
      JSON.stringify(configured),
      limit,
    )
    .toArray()
    .map((row) => ({ seq: row.event_seq, route: row.route }));
}
