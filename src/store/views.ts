/**
 * What people read of the sharded store (docs/store.md, "Listing"): `/events` pages through the
 * listing index and asks only the shards of the page's events (one call per shard on the page),
 * `/events/:id` is one call to the event's shard. The route and status filters are answered by
 * those shards; the work per page is bounded (listing.ts).
 */
import type { Env } from "../config/env.ts";
import { DEFAULT_RETENTION_DAYS } from "../config/index.ts";
import type { DeliveryState } from "../storage/types.ts";
import { locate, shardStub } from "./calls.ts";
import type { ListedEvent } from "./event-index.ts";
import { dayOf, type ListCursor, listPage, type PageWork } from "./listing.ts";
import { parseEventId } from "./shard.ts";
import type { Detail } from "./view-ops.ts";

export type { Detail } from "./view-ops.ts";

export interface EventFilter {
  source?: string;
  /** Events with a delivery to this route... */
  route?: string;
  /** ... (or to any route) in this status. */
  status?: string;
  /** Unix seconds: only events received at or after. */
  since?: number;
}

/** What a listing shows of one delivery. */
export type DeliverySummary = Pick<
  DeliveryState,
  "route" | "status" | "attempts" | "lastStatus" | "lastError" | "deliveredAt" | "updatedAt"
>;

export interface EventSummary {
  id: string;
  source: string;
  event: string;
  receivedAt: number;
  deliveries: DeliverySummary[];
}

const DAY = 86_400;
/** Events per round handed to the shards when a route or status filter is set (at most one call per shard among them). */
export const FILTERED_CANDIDATES = 100;

function retentionDays(env: Env): number {
  const days = Number(env.RETENTION_DAYS ?? DEFAULT_RETENTION_DAYS);
  return Number.isFinite(days) && days >= 1 ? days : DEFAULT_RETENTION_DAYS;
}

const summary = ({
  route,
  status,
  attempts,
  lastStatus,
  lastError,
  deliveredAt,
  updatedAt,
}: DeliverySummary) => ({
  route,
  status,
  attempts,
  ...(lastStatus !== undefined ? { lastStatus } : {}),
  ...(lastError !== undefined ? { lastError } : {}),
  ...(deliveredAt !== undefined ? { deliveredAt } : {}),
  updatedAt,
});

/**
 * Events matching `filter`, newest first, at most `limit` (fewer when the page's bounded work
 * ran out first: `next` then resumes where it stopped). Pruned and erased events are left out.
 * `work` says what the page cost (index calls, rounds, shard calls).
 *
 * @example
 * const page = await listEvents(env, { route: "crm", status: "dead" }, 50);
 * const more = page.next && (await listEvents(env, { route: "crm", status: "dead" }, 50, page.next));
 */
export async function listEvents(
  env: Env,
  filter: EventFilter,
  limit: number,
  cursor?: ListCursor,
  now = Math.floor(Date.now() / 1000),
): Promise<{ items: EventSummary[]; next?: ListCursor; work: PageWork & { shardCalls: number } }> {
  let shardCalls = 0;
  const check = async (candidates: ListedEvent[]) => {
    const byShard = new Map<number, Array<{ index: number; seq: number; tag: string }>>();
    candidates.forEach((candidate, index) => {
      const ref = parseEventId(candidate.id);
      if (ref) byShard.set(ref.shard, [...(byShard.get(ref.shard) ?? []), { index, ...ref }]);
    });
    const out: Array<EventSummary | undefined> = new Array(candidates.length).fill(undefined);
    shardCalls += byShard.size;
    await Promise.all(
      [...byShard].map(async ([shard, refs]) => {
        const answers = await shardStub(env, shard).summaries(
          shard,
          refs.map(({ seq, tag }) => ({ seq, tag })),
        );
        refs.forEach(({ index }, i) => {
          const answer = answers[i];
          const candidate = candidates[index];
          if (answer?.state !== "kept" || !candidate) return;
          const wanted = answer.deliveries.some(
            (d) =>
              (filter.route === undefined || d.route === filter.route) &&
              (filter.status === undefined || d.status === filter.status),
          );
          if ((filter.route !== undefined || filter.status !== undefined) && !wanted) return;
          out[index] = {
            id: candidate.id,
            source: candidate.source,
            event: candidate.name,
            // The shard's: an event imported from the D1 store is listed as of its import.
            receivedAt: answer.receivedAt,
            deliveries: answer.deliveries.map(summary),
          };
        });
      }),
    );
    return out;
  };
  const retention = dayOf(now - retentionDays(env) * DAY);
  const page = await listPage(env, {
    ...(filter.source !== undefined ? { source: filter.source } : {}),
    ...(filter.since !== undefined ? { since: filter.since } : {}),
    limit,
    ...(cursor ? { cursor } : {}),
    oldestDay: Math.max(retention, filter.since !== undefined ? dayOf(filter.since) : retention),
    check,
    // A route or status filter leaves many out: each round asks the shards about more events.
    ...(filter.route !== undefined || filter.status !== undefined
      ? { candidates: FILTERED_CANDIDATES }
      : {}),
    today: dayOf(now),
  });
  return { ...page, work: { ...page.work, shardCalls } };
}

/**
 * One event with its deliveries and failed attempts: one call to its shard. Undefined when the
 * id is not one of this store's or the event is gone (pruned, or never was).
 *
 * @example const detail = await eventDetail(env, "7.1042.03f9a2c1"); // detail?.deliveries
 */
export async function eventDetail(env: Env, id: string): Promise<Detail | undefined> {
  const at = locate(env, id);
  if (!at) return undefined;
  return at.stub.detail(at.ref.shard, at.ref.seq, at.ref.tag);
}
