import { nowSeconds, ready } from "./db.ts";
import { EVENT_RETENTION_SECONDS, SETTLED_STATUSES } from "./types.ts";

const SETTLED = SETTLED_STATUSES.map((status) => `'${status}'`).join(", ");

export interface Pruned {
  seen: number;
  events: number;
  delivered: number;
  attempts: number;
  deliveries: number;
}

/**
 * Prunes what is left of the D1 store from before the upgrade to the shards (its tables: `seen`,
 * `events`, `delivered`, `attempts`, `deliveries`; the shards prune themselves from their alarms):
 * expired dedupe keys, and events, delivery records, attempts and outbox rows older than the
 * retention (`RETENTION_DAYS`, default 7). A delivery not settled (queued, retrying, held by a
 * paused route, or `moved` to the shards by the upgrade's import) keeps its outbox row and its
 * event, whatever their age. Dead letters are kept until deleted. Run by the hourly cron.
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
