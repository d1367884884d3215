/**
 * What one shard does with its SQLite storage, as plain synchronous functions (the EventStore
 * Durable Object, event-store.ts, calls them inside `transactionSync`, one call at a time, so
 * each is atomic and none interleaves with another).
 */
import {
  type Attempt,
  type AttemptRow,
  type DeliveryOutcome,
  type DeliveryState,
  type StoredEvent,
  toAttempt,
} from "../storage/types.ts";
import { countAdmitted } from "./counters.ts";
import { SHARD_SCHEMA, SQL } from "./schema.ts";
import { eventId, newTag } from "./shard.ts";

/** An event to admit: its dedupe key (opaque, stored as given) and what is stored of it. */
export interface ShardEvent {
  key: string;
  source: string;
  name: string;
  dispatch?: string;
  /** The payload as JSON text. */
  payload: string;
}

/** Per event: its new id, or the id of the event it repeats and the deliveries queued again. */
export type ShardAdmission =
  | { id: string; duplicate: false }
  | { id: string; duplicate: true; requeued: Array<{ route: string; requeues: number }> };

export interface AdmitOptions {
  now: number;
  /** A key is a repeat while its event is younger than this (seconds). */
  dedupeSeconds: number;
  /** A repeat queues again pending deliveries due at or before this... */
  repeatBefore: number;
  /** ... and lost fewer times in a row than this. */
  maxRequeues: number;
  /** This call's share of the request for `GET /metrics` (1 on one shard of a request; default 0). */
  requests?: number;
}

export function createShard(sql: SqlStorage): void {
  for (const statement of SHARD_SCHEMA) sql.exec(statement);
}

/**
 * Admits events in order: a key seen less than `dedupeSeconds` ago is a repeat (the same key
 * twice in one call: the second repeats the first); each new event gets a `queued` delivery per
 * route. Rows written on the happy path: the event (and its key's index entry), per route the
 * delivery (and its pending-index entry), and one per source for the call's counters (metrics).
 *
 * @example admitEvents(sql, 3, [{ key: "chatwoot:k1", source: "chatwoot", name: "message_created", payload: "{}" }], ["default"], options)
 */
export function admitEvents(
  sql: SqlStorage,
  shard: number,
  events: ShardEvent[],
  routes: string[],
  options: AdmitOptions,
): ShardAdmission[] {
  const { now } = options;
  const admissions = events.map((event): ShardAdmission => {
    sql.exec(SQL.releaseKey, event.key, now - options.dedupeSeconds);
    const tag = newTag();
    const inserted = sql
      .exec<{ seq: number }>(
        SQL.insertEvent,
        tag,
        event.key,
        event.source,
        event.name,
        event.dispatch ?? null,
        event.payload,
        now,
      )
      .toArray()[0];
    if (inserted) {
      for (const route of routes) sql.exec(SQL.insertDelivery, inserted.seq, route, now);
      return { id: eventId({ shard, seq: inserted.seq, tag }), duplicate: false };
    }
    const owner = sql.exec<{ seq: number; tag: string }>(SQL.ownerOfKey, event.key).one();
    const requeued = sql
      .exec<{ route: string; requeues: number }>(
        SQL.claimRepeat,
        now,
        owner.seq,
        options.repeatBefore,
        options.maxRequeues,
      )
      .toArray();
    return { id: eventId({ shard, ...owner }), duplicate: true, requeued };
  });
  countAdmitted(sql, events, admissions, options.requests ?? 0);
  return admissions;
}

type EventRow = {
  seq: number;
  tag: string;
  source: string;
  name: string;
  dispatch: string | null;
  payload: string;
  received_at: number;
};

/** A stored event as a shard returns it: the payload as the JSON text it was stored as. */
export type ShardStoredEvent = Omit<StoredEvent, "payload"> & { payload: string };

/** The event with its payload parsed (the Worker's side, after the call). */
export const parsed = (event: ShardStoredEvent): StoredEvent => ({
  ...event,
  payload: JSON.parse(event.payload),
});

/** One event, or undefined (pruned, erased, or a tag that does not match: not this event). */
export function readEvent(
  sql: SqlStorage,
  shard: number,
  seq: number,
  tag: string,
): ShardStoredEvent | undefined {
  const row = sql.exec<EventRow>(SQL.event, seq, tag).toArray()[0];
  if (!row) return undefined;
  return {
    id: eventId({ shard, seq: row.seq, tag: row.tag }),
    source: row.source,
    name: row.name,
    ...(row.dispatch ? { dispatch: row.dispatch } : {}),
    payload: row.payload,
    receivedAt: row.received_at,
  };
}

/** A `deliveries` row of a shard, as SQLite returns it. */
export type DeliveryRow = {
  event_seq: number;
  route: string;
  status: string;
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  queued_at: number;
  due_at: number;
  updated_at: number;
  delivered_at: number | null;
  requeues: number;
  delivered_ids: string | null;
};

/** A delivery row as the rest of the code sees it (the same shape the D1 store had). */
export const toDelivery = (shard: number, tag: string, row: DeliveryRow): ShardDelivery => ({
  eventId: eventId({ shard, seq: row.event_seq, tag }),
  route: row.route,
  // `new`: queued, as admission wrote it (kept out of the pending index; schema.ts).
  status: row.status === "new" ? "queued" : row.status,
  attempts: row.attempts,
  ...(row.last_status !== null ? { lastStatus: row.last_status } : {}),
  ...(row.last_error !== null ? { lastError: row.last_error } : {}),
  queuedAt: row.queued_at,
  dueAt: row.due_at,
  updatedAt: row.updated_at,
  ...(row.delivered_at !== null ? { deliveredAt: row.delivered_at } : {}),
  requeues: row.requeues,
  deliveredIds: row.delivered_ids ? (JSON.parse(row.delivered_ids) as string[]) : [],
});

export type ShardDelivery = DeliveryState & {
  /** Webhooks of this delivery already posted successfully (only while it is not delivered). */
  deliveredIds: string[];
};

/** What the consumer reads before a delivery: the event, its row, the row's failed attempts. */
export interface Begun {
  event?: ShardStoredEvent;
  delivery?: ShardDelivery;
  /** Failed attempts of this delivery so far (a dead letter carries them); none on the happy path. */
  failures: Attempt[];
}

/** The event, its delivery to `route` and that delivery's failed attempts, for the consumer (a read). */
export function beginDelivery(
  sql: SqlStorage,
  shard: number,
  seq: number,
  tag: string,
  route: string,
): Begun {
  const event = readEvent(sql, shard, seq, tag);
  if (!event) return { failures: [] };
  const row = sql.exec<DeliveryRow>(SQL.delivery, seq, route).toArray()[0];
  const failures = row
    ? sql.exec<AttemptRow>(SQL.attemptsOfRoute, seq, route).toArray().map(toAttempt)
    : [];
  return { event, ...(row ? { delivery: toDelivery(shard, tag, row) } : {}), failures };
}

/** What the consumer learnt: the outcome, the failed attempts, and the webhooks delivered so far. */
export interface Settlement {
  outcome: DeliveryOutcome;
  failures: Attempt[];
  deliveredIds?: string[];
}

/**
 * Records a delivery's outcome on its row (creating it if missing) and its failed attempts, in
 * one transaction. Rows written on the happy path: the delivery row (and leaving the pending
 * index); plus one per failed attempt.
 */
export function settleDelivery(
  sql: SqlStorage,
  seq: number,
  route: string,
  { outcome, failures, deliveredIds }: Settlement,
  now: number,
): void {
  for (const failure of failures) {
    sql.exec(
      SQL.failedAttempt,
      seq,
      route,
      failure.attempt,
      failure.webhookId,
      failure.status,
      failure.error?.slice(0, 500) ?? null,
      failure.latencyMs,
      failure.at,
    );
  }
  sql.exec(
    SQL.settle,
    seq,
    route,
    outcome.status,
    outcome.attempts ?? null,
    outcome.lastStatus ?? null,
    outcome.lastError?.slice(0, 500) ?? null,
    outcome.dueAt ?? now,
    now,
    outcome.status === "delivered" ? now : null,
    deliveredIds && deliveredIds.length > 0 ? JSON.stringify(deliveredIds) : null,
  );
}

/** Every failed attempt of one event, by route then attempt number. */
export function failedAttempts(sql: SqlStorage, seq: number): Array<Attempt & { route: string }> {
  return sql
    .exec<AttemptRow & { route: string }>(SQL.attemptsOf, seq)
    .toArray()
    .map((row) => ({ route: row.route, ...toAttempt(row) }));
}

/** The delivery rows of these events, in the order of `refs` (a console page). */
export function deliveriesOfEvents(
  sql: SqlStorage,
  shard: number,
  refs: Array<{ seq: number; tag: string }>,
): ShardDelivery[][] {
  const rows = sql
    .exec<DeliveryRow>(SQL.deliveriesOf, JSON.stringify(refs.map((ref) => ref.seq)))
    .toArray();
  return refs.map((ref) =>
    rows.filter((row) => row.event_seq === ref.seq).map((row) => toDelivery(shard, ref.tag, row)),
  );
}

/**
 * The events that own these keys and are younger than `since` (still deciding repeats), by key.
 * A read: the request path asks a key's previous shard this for 24 hours after the shard count
 * changed (docs/store.md, "Re-sharding").
 */
export function liveOwners(
  sql: SqlStorage,
  shard: number,
  keys: string[],
  since: number,
): Record<string, string> {
  const owners: Record<string, string> = {};
  const rows = sql.exec<{ key: string; seq: number; tag: string }>(
    SQL.liveKeys,
    JSON.stringify(keys),
    since,
  );
  for (const row of rows) owners[row.key] = eventId({ shard, seq: row.seq, tag: row.tag });
  return owners;
}

/**
 * Erases an event on request (DELETE /events/:id): its payload and what destinations answered
 * go; kept are that it existed (source, name, time), each delivery's status (one not yet settled
 * becomes `erased`, so it is never made) and its attempts' statuses and times. Undefined when
 * there is no such event.
 */
export function eraseIn(
  sql: SqlStorage,
  seq: number,
  tag: string,
): { source: string; name: string; receivedAt: number } | undefined {
  const row = sql
    .exec<{ source: string; name: string; received_at: number }>(SQL.eraseEvent, seq, tag)
    .toArray()[0];
  if (!row) return undefined;
  sql.exec(SQL.eraseDeliveries, seq);
  sql.exec(SQL.eraseAttempts, seq);
  return { source: row.source, name: row.name, receivedAt: row.received_at };
}
