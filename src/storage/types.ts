/**
 * The shapes a delivery is made of, shared by the event store (src/store), the consumer
 * (src/deliver), ordered routes (src/coordinate) and D1's dead letters: an accepted event, an
 * attempt, where a delivery stands and what the consumer learnt. Plain types and constants: no
 * storage here (events, their deliveries and attempts are kept in the shards, src/store).
 *
 * Life of a delivery (one row per accepted event and route, in its event's shard; times are unix
 * seconds):
 *
 *   queued ──(consumer: 2xx)──────────────────────────→ delivered
 *     │  └──(consumer: retryable failure)→ retrying ──→ delivered | dead
 *     ├──(translation skipped it / the route's filter left nothing)→ skipped | filtered
 *     └──(rejected, untranslatable, route gone)──────→ dead   (a dead letter holds a copy)
 *   dead ──(replay)→ queued
 *   queued | retrying ──(the route is paused: its Durable Object holds it)→ paused ──(resume)→ queued
 *   queued ──(an ordered route: another event of its conversation is ahead)→ waiting ──(its turn)→ queued
 *   any not settled ──(DELETE /events/:id)→ erased
 *
 * `dueAt` is when the delivery is next expected to be handled: the time it was queued, or, while
 * retrying, when the delayed retry comes back. A pending delivery whose `dueAt` is more than a
 * grace period in the past has no live queue message, as far as anyone can tell, and is queued
 * again by its shard's sweep; after too many lost messages in a row it is dead-lettered.
 */

/** How long a received event's key is remembered for deduplication. */
export const DEDUPE_SECONDS = 24 * 60 * 60;
/** Accepted events are pruned after this long (retries end well before; dead letters keep a copy). */
export const EVENT_RETENTION_SECONDS = 7 * 24 * 60 * 60;

/** An accepted event, as a delivery reads it. */
export interface StoredEvent {
  id: string;
  source: string;
  name: string;
  dispatch?: string;
  payload: unknown;
  receivedAt: number;
}

/** One delivery attempt. */
export interface Attempt {
  webhookId: string;
  attempt: number;
  /** HTTP status, or 0 when there was no answer. */
  status: number;
  error?: string;
  latencyMs: number;
  at: number;
}

/** An attempts row as the event store's shards (and D1's old `attempts` table) keep it. */
export type AttemptRow = {
  webhook_id: string;
  attempt: number;
  status: number;
  error: string | null;
  latency_ms: number;
  at: number;
};

/** An attempts row as an `Attempt`. */
export const toAttempt = (row: AttemptRow): Attempt => ({
  webhookId: row.webhook_id,
  attempt: row.attempt,
  status: row.status,
  ...(row.error ? { error: row.error } : {}),
  latencyMs: row.latency_ms,
  at: row.at,
});

/** Where one delivery stands (see the module comment). */
export type DeliveryStatus =
  | "queued"
  | "retrying"
  | "paused"
  | "waiting"
  | "delivered"
  | "dead"
  | "filtered"
  | "skipped"
  | "erased";

/** Statuses that are final until a person acts (a replay): never queued again by the sweep. */
export const SETTLED_STATUSES = ["delivered", "dead", "filtered", "skipped", "erased"] as const;

export const isSettled = (status: string): boolean =>
  (SETTLED_STATUSES as readonly string[]).includes(status);

/** One delivery, as the code sees it. */
export interface DeliveryState {
  eventId: string;
  route: string;
  status: DeliveryStatus | (string & {});
  /** Attempts made since the event was accepted (or last replayed). */
  attempts: number;
  /** HTTP status of the last attempt (0: no answer). */
  lastStatus?: number;
  lastError?: string;
  /** When the delivery was first queued (accepted, or replayed). */
  queuedAt: number;
  /** When it is next expected to be handled (see the module comment). */
  dueAt: number;
  updatedAt: number;
  deliveredAt?: number;
  /**
   * How many times in a row the sweep (or a sender's repeat) queued it again since the consumer
   * last handled it: messages lost one after the other (src/store/schema.ts, `LOST`).
   */
  requeues: number;
}

/** What the consumer learnt from handling one message. */
export interface DeliveryOutcome {
  status: DeliveryStatus;
  /** The attempt number just made (unchanged when nothing was posted). */
  attempts?: number;
  lastStatus?: number;
  lastError?: string;
  /** When the delivery is next expected to be handled (for `retrying`: when the retry comes back). */
  dueAt?: number;
}
