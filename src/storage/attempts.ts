import { ready } from "./db.ts";

export interface Attempt {
  webhookId: string;
  attempt: number;
  /** HTTP status, or 0 when there was no answer. */
  status: number;
  error?: string;
  latencyMs: number;
  at: number;
}

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

export async function listAttempts(
  db: D1Database,
  eventId: string,
  route: string,
): Promise<Attempt[]> {
  await ready(db);
  const rows = await db
    .prepare(
      "SELECT webhook_id, attempt, status, error, latency_ms, at FROM attempts WHERE event_id = ? AND route = ? ORDER BY seq",
    )
    .bind(eventId, route)
    .all<AttemptRow>();
  return rows.results.map(toAttempt);
}

/** An attempts row as D1 and the event store's shards keep it. */
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
