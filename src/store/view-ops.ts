/**
 * What a shard answers to people (the console, `/events`, `/events/:id`): reads only, as plain
 * synchronous functions the EventStore object (event-store.ts) calls. Every statement is in
 * `VIEW_SQL`, so test/store/plans.test.ts checks its plan like the shard's own (`SQL`).
 */
import type { Attempt } from "../storage/types.ts";
import {
  type DeliveryRow,
  failedAttempts,
  readEvent,
  type ShardDelivery,
  type ShardStoredEvent,
  toDelivery,
} from "./ops.ts";
import { SQL } from "./schema.ts";

export const VIEW_SQL = {
  /** Which of a page's events are still here (a listing row outlives its pruned event a day). */
  eventsAmong: `SELECT seq, tag, received_at, payload = 'null' AS erased FROM events
     WHERE seq IN (SELECT value FROM json_each(?1))`,
  deliveriesAmong: SQL.deliveriesOf,
  /** One event's deliveries, by route. */
  deliveriesOfOne: "SELECT * FROM deliveries WHERE event_seq = ?1 ORDER BY route",
} as const;

/** A listed event as its shard sees it now: gone (pruned, or another event's row), erased, or its deliveries. */
export type Summary =
  | { state: "gone" }
  | { state: "erased" }
  | { state: "kept"; receivedAt: number; deliveries: ShardDelivery[] };

/**
 * The deliveries of a page's events, in the order of `refs`, in two reads whatever their number.
 * An event whose row is gone or holds another tag is `gone`; an erased one is `erased`.
 *
 * @example summariesIn(sql, 7, [{ seq: 1042, tag: "03f9a2c1" }]) // [{ state: "kept", deliveries: [...] }]
 */
export function summariesIn(
  sql: SqlStorage,
  shard: number,
  refs: Array<{ seq: number; tag: string }>,
): Summary[] {
  const list = JSON.stringify(refs.map((ref) => ref.seq));
  const events = new Map(
    sql
      .exec<{ seq: number; tag: string; received_at: number; erased: number }>(
        VIEW_SQL.eventsAmong,
        list,
      )
      .toArray()
      .map((row) => [row.seq, row]),
  );
  const deliveries = sql.exec<DeliveryRow>(VIEW_SQL.deliveriesAmong, list).toArray();
  return refs.map((ref) => {
    const event = events.get(ref.seq);
    if (!event || event.tag !== ref.tag) return { state: "gone" };
    if (event.erased) return { state: "erased" };
    return {
      state: "kept",
      receivedAt: event.received_at,
      deliveries: deliveries
        .filter((row) => row.event_seq === ref.seq)
        .map((row) => toDelivery(shard, ref.tag, row)),
    };
  });
}

/** One event with its deliveries and its failed attempts (`/events/:id`), or undefined. */
export interface Detail {
  event: ShardStoredEvent;
  /** Whether it was erased on request (its payload is gone; see eraseIn). */
  erased: boolean;
  deliveries: ShardDelivery[];
  failures: Array<Attempt & { route: string }>;
}

/** @example detailIn(sql, 7, 1042, "03f9a2c1") // { event, erased: false, deliveries, failures } */
export function detailIn(
  sql: SqlStorage,
  shard: number,
  seq: number,
  tag: string,
): Detail | undefined {
  const event = readEvent(sql, shard, seq, tag);
  if (!event) return undefined;
  const deliveries = sql
    .exec<DeliveryRow>(VIEW_SQL.deliveriesOfOne, seq)
    .toArray()
    .map((row) => toDelivery(shard, tag, row));
  return {
    event,
    erased: event.payload === "null",
    deliveries,
    failures: failedAttempts(sql, seq),
  };
}
