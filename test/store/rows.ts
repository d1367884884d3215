/**
 * Test access to the rows of the event store's shards (what `env.DB.prepare(...)` was for the D1
 * store): run SQL inside the shard an event id names, in the real local Durable Object.
 */
import { runInDurableObject } from "cloudflare:test";
import type { Env } from "../../src/config/env.ts";
import { parseEventId, shardStub, writtenShards } from "../../src/store/index.ts";
import type { AdmitOptions } from "../../src/store/ops.ts";

/** A day in seconds: the dedupe window the tests admit with. */
export const DAY = 86_400;

/**
 * The admission settings of the store tests, at `now` (seconds): 24 h dedupe, a repeat of an
 * event overdue by 20 s queues it again, at most 10 times.
 *
 * @example admitEvents(sql, 0, [event], ["r"], admitOptions(now))
 */
export const admitOptions = (now: number): AdmitOptions => ({
  now,
  dedupeSeconds: DAY,
  repeatBefore: now - 20,
  maxRequeues: 10,
});

/** The row number an event id names in its shard (-1 when it names none). */
export const seqOf = (id: string | undefined): number => parseEventId(id ?? "")?.seq ?? -1;

/** Runs `work` in the shard of `eventId` with its SqlStorage and the event's row number. */
export function inShardOf<T>(
  env: Env,
  eventId: string,
  work: (sql: SqlStorage, seq: number) => T,
): Promise<T> {
  const ref = parseEventId(eventId);
  if (!ref) throw new Error(`not an event id of the store: ${eventId}`);
  return runInDurableObject(shardStub(env, ref.shard), (_, state) =>
    work(state.storage.sql, ref.seq),
  );
}

type Value = string | number | null;

/**
 * Sets columns of an event's delivery rows (every route's, or `route`'s), as if time had passed
 * or a write had happened: `setDelivery(env, id, { due_at: now - 3600 })`.
 */
export function setDelivery(
  env: Env,
  eventId: string,
  values: Record<string, Value>,
  route?: string,
): Promise<void> {
  const columns = Object.keys(values);
  // A row written since admission is no longer `new` (src/store/schema.ts): setting what only a
  // write sets makes an untouched row `queued`, as that write would have.
  const written = !("status" in values) && ("requeues" in values || "updated_at" in values);
  const set = [
    ...columns.map((column, i) => `${column} = ?${i + 1}`),
    ...(written ? ["status = CASE status WHEN 'new' THEN 'queued' ELSE status END"] : []),
  ].join(", ");
  return inShardOf(env, eventId, (sql, seq) => {
    const where = `event_seq = ?${columns.length + 1}${route ? ` AND route = ?${columns.length + 2}` : ""}`;
    sql.exec(
      `UPDATE deliveries SET ${set} WHERE ${where}`,
      ...Object.values(values),
      seq,
      ...(route ? [route] : []),
    );
    // A `new` row is due at its admission, and admission follows seq: the sweep's walk stops at
    // the first `new` row not yet due. Moving one row back in time moves the earlier ones (other
    // tests' rows in this shard) back with it, as if they had all been admitted that long ago.
    if (typeof values.due_at === "number")
      sql.exec(
        "UPDATE deliveries SET due_at = ?1 WHERE status = 'new' AND event_seq < ?2 AND due_at > ?1",
        values.due_at,
        seq,
      );
  });
}

/** Sets columns of an event's row: `setEvent(env, id, { received_at: eightDaysAgo })`. */
export function setEvent(env: Env, eventId: string, values: Record<string, Value>): Promise<void> {
  const columns = Object.keys(values);
  const set = columns.map((column, i) => `${column} = ?${i + 1}`).join(", ");
  return inShardOf(env, eventId, (sql, seq) => {
    sql.exec(
      `UPDATE events SET ${set} WHERE seq = ?${columns.length + 1}`,
      ...Object.values(values),
      seq,
    );
  });
}

/**
 * Every delivery to `route` in one of `statuses`, over every shard ever written, as event id →
 * status (a test's full read: shards keep no index by route).
 */
export async function deliveriesOf(
  env: Env,
  route: string,
  statuses: string[],
): Promise<Map<string, string>> {
  const found = await Promise.all(
    (await writtenShards(env)).map((shard) =>
      runInDurableObject(shardStub(env, shard), (_, state) =>
        state.storage.sql
          .exec<{ event_seq: number; tag: string; status: string }>(
            // `new` is `queued` as admission wrote it (src/store/schema.ts).
            `SELECT d.event_seq, e.tag, d.status FROM (SELECT event_seq, route,
                 CASE status WHEN 'new' THEN 'queued' ELSE status END AS status FROM deliveries)
               AS d JOIN events AS e ON e.seq = d.event_seq
             WHERE d.route = ?1 AND d.status IN (SELECT value FROM json_each(?2))`,
            route,
            JSON.stringify(statuses),
          )
          .toArray()
          .map((row) => [`${shard}.${row.event_seq}.${row.tag}`, row.status] as const),
      ),
    ),
  );
  return new Map(found.flat());
}

/**
 * An EVENT_STORE binding whose every shard refuses every call with `message` (as during an
 * outage, or an object over its limits).
 */
export function refusingStore(message: string): Env["EVENT_STORE"] {
  const refuse = () => Promise.reject(new Error(message));
  const stub = new Proxy({}, { get: () => refuse });
  return {
    idFromName: (name: string) => ({ name }),
    get: () => stub,
  } as unknown as Env["EVENT_STORE"];
}
