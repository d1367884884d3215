/**
 * The upgrade from the D1 store (docs/store.md, "Upgrade from the D1 schema"): the `shard-legacy`
 * EventStore object imports, from its alarm and in batches, every event D1 holds with a delivery
 * not settled (queued, retrying, waiting, paused), with all its delivery rows, its failed
 * attempts and the webhooks already posted, keeping its id (a UUID, kept as the event's tag and
 * found through the legacy-only `events_tag` index). Each batch is read from D1, written to the
 * shard in one transaction, then its D1 rows are marked `moved`: a crash between the two leaves
 * the rows unmarked, the next batch reads them again, and the shard, finding their ids, writes
 * nothing twice. Once imported, the deliveries are the legacy shard's like any shard's: its sweep
 * queues what is due, and a queue message still in flight for an old id finds its event there.
 */
import { log } from "../config/log.ts";
import { type AttemptRow, isSettled } from "../storage/types.ts";
import type { ListedEvent } from "./event-index.ts";
import { D1_SQL, LEGACY_SQL } from "./legacy-sql.ts";
import type { DeliveryRow } from "./ops.ts";

/** Events per batch: each may carry a payload of up to 1 MiB, read from D1 in one answer. */
export const IMPORT_BATCH = 25;

/** What the legacy shard records of its import (storage key `legacy`). */
export interface ImportState {
  /** When the import started (unix seconds). */
  startedAt: number;
  /** When a batch found nothing left to take; absent while the import runs. */
  doneAt?: number;
  /** Events, delivery rows and failed attempts written to the shard so far. */
  events: number;
  deliveries: number;
  attempts: number;
  /** Events with a pending delivery in D1 but no event row there: marked, nothing to deliver. */
  orphans: number;
}

const STATE_KEY = "legacy";

/** The import's state, or undefined when it never started. */
export const importState = (storage: DurableObjectStorage): ImportState | undefined =>
  storage.kv.get<ImportState>(STATE_KEY);

/** Starts the import (idempotent): its state, as it now is. */
export function startImport(storage: DurableObjectStorage, now: number): ImportState {
  const known = importState(storage);
  if (known) return known;
  const state: ImportState = { startedAt: now, events: 0, deliveries: 0, attempts: 0, orphans: 0 };
  storage.kv.put(STATE_KEY, state);
  return state;
}

type D1Event = {
  id: string;
  source: string;
  name: string;
  dispatch: string | null;
  payload: string;
  received_at: number;
};
/** D1's deliveries row: a shard's, keyed by the event's id, without the posted ids. */
type D1Delivery = Omit<DeliveryRow, "event_seq" | "delivered_ids"> & { event_id: string };
type D1Attempt = AttemptRow & { event_id: string; route: string };
type D1Delivered = { event_id: string; route: string; webhook_id: string };

/** What one batch read from D1. */
interface Batch {
  ids: string[];
  events: D1Event[];
  deliveries: D1Delivery[];
  attempts: D1Attempt[];
  delivered: D1Delivered[];
}

/** D1 before the upgrade, or a fresh deployment's: no table means nothing to import. */
const noTable = (error: unknown) => /no such table/i.test(String(error));

/** Up to `limit` events not yet taken, with their rows: two round trips. */
async function readBatch(db: D1Database, limit: number): Promise<Batch | undefined> {
  let ids: string[];
  try {
    const pending = await db.prepare(D1_SQL.pendingEvents).bind(limit).all<{ event_id: string }>();
    ids = pending.results.map((row) => row.event_id);
  } catch (error) {
    if (noTable(error)) return undefined;
    throw error;
  }
  if (ids.length === 0) return undefined;
  const list = JSON.stringify(ids);
  const [events, deliveries, attempts, delivered] = await db.batch<unknown>([
    db.prepare(D1_SQL.events).bind(list),
    db.prepare(D1_SQL.deliveries).bind(list),
    db.prepare(D1_SQL.failedAttempts).bind(list),
    db.prepare(D1_SQL.delivered).bind(list),
  ]);
  return {
    ids,
    events: (events?.results ?? []) as D1Event[],
    deliveries: (deliveries?.results ?? []) as D1Delivery[],
    attempts: (attempts?.results ?? []) as D1Attempt[],
    delivered: (delivered?.results ?? []) as D1Delivered[],
  };
}

const pairKey = (eventId: string, route: string) => `${eventId}\n${route}`;

/**
 * Writes one batch to the shard (the caller's transaction): each event not already there, with
 * its delivery rows (a pending row carries the webhooks already posted, so they are not posted
 * again) and failed attempts. An event already there (a batch written before a crash stopped the
 * marking) is skipped whole. Returns the counts written.
 */
export function writeBatch(
  sql: SqlStorage,
  batch: Omit<Batch, "ids">,
): Pick<ImportState, "events" | "deliveries" | "attempts"> & { listed: ListedEvent[] } {
  const posted = new Map<string, string[]>();
  for (const row of batch.delivered) {
    const key = pairKey(row.event_id, row.route);
    posted.set(key, [...(posted.get(key) ?? []), row.webhook_id]);
  }
  const counts = { events: 0, deliveries: 0, attempts: 0, listed: [] as ListedEvent[] };
  for (const event of batch.events) {
    const inserted = sql
      .exec<{ seq: number }>(
        LEGACY_SQL.importEvent,
        event.id,
        event.source,
        event.name,
        event.dispatch,
        event.payload,
        event.received_at,
      )
      .toArray()[0];
    if (!inserted) continue;
    counts.events++;
    const { id, source, name, received_at: receivedAt } = event;
    counts.listed.push({ id, source, name, receivedAt });
    for (const row of batch.deliveries.filter((d) => d.event_id === event.id)) {
      const ids = isSettled(row.status) ? undefined : posted.get(pairKey(event.id, row.route));
      sql.exec(
        LEGACY_SQL.importDelivery,
        inserted.seq,
        row.route,
        row.status,
        row.attempts,
        row.last_status,
        row.last_error,
        row.queued_at,
        row.due_at,
        row.updated_at,
        row.delivered_at,
        row.requeues,
        ids && ids.length > 0 ? JSON.stringify(ids) : null,
      );
      counts.deliveries++;
    }
    for (const row of batch.attempts.filter((a) => a.event_id === event.id)) {
      sql.exec(
        LEGACY_SQL.importAttempt,
        inserted.seq,
        row.route,
        row.attempt,
        row.webhook_id,
        row.status,
        row.error,
        row.latency_ms,
        row.at,
      );
      counts.attempts++;
    }
  }
  return counts;
}

/** Puts imported events in the listing (`GET /events`, the console); see listing.ts. */
export type ListImported = (rows: ListedEvent[]) => Promise<void>;

/**
 * Imports one batch: read from D1, written to the shard (one transaction), listed (`list`: a
 * failure is logged, the events stay reachable by id), marked in D1. Returns the state after it;
 * `doneAt` is set once nothing is left to take.
 *
 * @example const state = await importBatch(this.ctx.storage, this.env.DB, nowSeconds(), IMPORT_BATCH, list);
 */
export async function importBatch(
  storage: DurableObjectStorage,
  db: D1Database,
  now: number,
  limit = IMPORT_BATCH,
  list?: ListImported,
): Promise<ImportState> {
  const state = startImport(storage, now);
  if (state.doneAt !== undefined) return state;
  const batch = await readBatch(db, limit);
  if (!batch) {
    const done = { ...state, doneAt: now };
    storage.kv.put(STATE_KEY, done);
    return done;
  }
  const written = storage.transactionSync(() => writeBatch(storage.sql, batch));
  if (list && written.listed.length > 0)
    await list(written.listed).catch((error) => {
      log("error", "legacy import: events not listed (still found by id)", {
        events: written.listed.length,
        error: String(error).slice(0, 300),
      });
    });
  await db.prepare(D1_SQL.markMoved).bind(JSON.stringify(batch.ids)).run();
  const found = new Set(batch.events.map((event) => event.id));
  const next: ImportState = {
    ...state,
    events: state.events + written.events,
    deliveries: state.deliveries + written.deliveries,
    attempts: state.attempts + written.attempts,
    orphans: state.orphans + batch.ids.filter((id) => !found.has(id)).length,
  };
  storage.kv.put(STATE_KEY, next);
  return next;
}

/** How long one alarm run imports before it lets the sweep run and re-arms. */
const IMPORT_BUDGET_MS = 5_000;
/** How soon the alarm runs again while batches are left, and after a failure. */
const AGAIN_MS = 1_000;
const RETRY_MS = 30_000;

/**
 * The legacy shard alarm's share: batches until nothing is left or `budgetMs` passed. Returns
 * when the alarm must run again (ms from now), or undefined once the import is done (or was
 * never started). A failure (D1 unavailable) is logged and tried again in 30 s, for as long as it
 * takes: nothing was marked that was not written.
 *
 * @example const again = await importStep(this.ctx.storage, this.env.DB, list);
 */
export async function importStep(
  storage: DurableObjectStorage,
  db: D1Database,
  list?: ListImported,
  budgetMs = IMPORT_BUDGET_MS,
): Promise<number | undefined> {
  const until = Date.now() + budgetMs;
  let state = importState(storage);
  if (!state || state.doneAt !== undefined) return undefined;
  try {
    while (state && state.doneAt === undefined) {
      if (Date.now() >= until) return AGAIN_MS;
      state = await importBatch(storage, db, Math.floor(Date.now() / 1000), IMPORT_BATCH, list);
    }
  } catch (error) {
    log("error", "legacy import failed; trying again in 30 s", {
      ...state,
      error: String(error).slice(0, 300),
    });
    return RETRY_MS;
  }
  if (state) log("info", "legacy import done", { ...state });
  return undefined;
}
