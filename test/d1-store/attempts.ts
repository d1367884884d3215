/** The D1 store's attempts (see index.ts): every attempt, and the webhooks that were delivered. */
import { ready } from "../../src/storage/db.ts";
import type { Attempt } from "../../src/storage/types.ts";

/** Records one attempt; a 2xx also records its webhook as delivered (a retry skips it). */
export async function recordAttempt(
  db: D1Database,
  eventId: string,
  route: string,
  attempt: Attempt,
): Promise<void> {
  await ready(db);
  const statements = [
    db
      .prepare(
        "INSERT INTO attempts (event_id, route, webhook_id, attempt, status, error, latency_ms, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
      )
      .bind(
        eventId,
        route,
        attempt.webhookId,
        attempt.attempt,
        attempt.status,
        attempt.error ?? null,
        attempt.latencyMs,
        attempt.at,
      ),
  ];
  if (attempt.status >= 200 && attempt.status < 300) {
    statements.push(
      db
        .prepare(
          "INSERT OR IGNORE INTO delivered (webhook_id, event_id, route, status, at) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(attempt.webhookId, eventId, route, attempt.status, attempt.at),
    );
  }
  await db.batch(statements);
}

/** The webhooks of one delivery already posted successfully (read by every queue message). */
export async function deliveredIds(
  db: D1Database,
  eventId: string,
  route: string,
): Promise<Set<string>> {
  await ready(db);
  const rows = await db
    .prepare("SELECT webhook_id FROM delivered WHERE event_id = ? AND route = ?")
    .bind(eventId, route)
    .all<{ webhook_id: string }>();
  return new Set(rows.results.map((row) => row.webhook_id));
}
