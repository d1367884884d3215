import { nowSeconds, ready } from "./db.ts";
import { SETTLED_STATUSES } from "./deliveries.ts";
import { EVENT_RETENTION_SECONDS } from "./events.ts";

const SETTLED = SETTLED_STATUSES.map((status) => `'${status}'`).join(", ");

export interface Pruned {
  seen: number;
  events: number;
  delivered: number;
  attempts: number;
  deliveries: number;
}

/**
 * Drops expired dedupe keys, and events, delivery records, attempts and outbox rows older than
 * the retention (`RETENTION_DAYS`, default 7; retries end within 72 hours; dead letters keep
 * their own copy). A delivery not yet settled (queued, retrying, or held by a route paused for
 * longer than the retention) keeps its outbox row and its event, whatever their age: it will
 * still be delivered or dead-lettered. Run by the cron trigger.
 */
export async function prune(
  db: D1Database,
  now = nowSeconds(),
  retentionSeconds = EVENT_RETENTION_SECONDS,
): Promise<Pruned> {
  await ready(db);
  const before = now - retentionSeconds;
  const [seen, events, delivered, attempts, deliveries] = await db.batch([
    db.prepare("DELETE FROM seen WHERE expires_at <= ?").bind(now),
    db
      .prepare(
        `DELETE FROM events WHERE received_at <= ? AND NOT EXISTS (
           SELECT 1 FROM deliveries WHERE event_id = events.id AND status NOT IN (${SETTLED}))`,
      )
      .bind(before),
    db.prepare("DELETE FROM delivered WHERE at <= ?").bind(before),
    db.prepare("DELETE FROM attempts WHERE at <= ?").bind(before),
    db
      .prepare(`DELETE FROM deliveries WHERE updated_at <= ? AND status IN (${SETTLED})`)
      .bind(before),
  ]);
  const changes = (result: D1Result | undefined) => result?.meta.changes ?? 0;
  return {
    seen: changes(seen),
    events: changes(events),
    delivered: changes(delivered),
    attempts: changes(attempts),
    deliveries: changes(deliveries),
  };
}
