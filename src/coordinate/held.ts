/**
 * The deliveries a RouteGate holds (its `held` table): those that came while the route was paused
 * or its circuit open. Their queue messages were acked and their outbox rows say `paused`; this
 * table is what queues them again, so it is written by the same object that answered "held".
 */
import type { Env } from "../config/env.ts";
import { log } from "../config/log.ts";
import type { DeliveryMessage } from "../enqueue/index.ts";
import { resumeDeliveries } from "../store/index.ts";

export type Held = {
  seq: number;
  event: string;
  route: string;
  /** Attempts made before it was held (carried by the message that releases it). */
  tries: number;
  /** Epoch ms past which its retry window is over (a dead letter if still undelivered), if known. */
  deadline: number | null;
};

export function createHeld(sql: SqlStorage): void {
  sql.exec(
    `CREATE TABLE IF NOT EXISTS held (seq INTEGER PRIMARY KEY AUTOINCREMENT, event TEXT NOT NULL, route TEXT NOT NULL, tries INTEGER NOT NULL DEFAULT 0, at INTEGER NOT NULL)`,
  );
  // Added with the circuit breaker (issue 26): tables created before it lack the column.
  const columns = sql.exec<{ name: string }>("PRAGMA table_info(held)").toArray();
  if (!columns.some((column) => column.name === "deadline")) {
    sql.exec("ALTER TABLE held ADD COLUMN deadline INTEGER");
  }
  // One row per delivery: a message can reach the gate twice (the sweep re-queues a delivery whose
  // first message is still in flight), and a delivery held twice would be queued twice on resume.
  // Tables from before the index may hold repeats; the oldest row of each stays.
  if (sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'held_delivery'").toArray().length === 0) {
    sql.exec("DELETE FROM held WHERE seq NOT IN (SELECT MIN(seq) FROM held GROUP BY event, route)");
    sql.exec("CREATE UNIQUE INDEX held_delivery ON held (event, route)");
  }
}

/** Records a held delivery; holding one already held changes nothing (its place stays). */
export function hold(
  sql: SqlStorage,
  delivery: { event: string; route: string; tries?: number; deadline?: number },
): void {
  sql.exec(
    "INSERT OR IGNORE INTO held (event, route, tries, at, deadline) VALUES (?, ?, ?, ?, ?)",
    delivery.event,
    delivery.route,
    delivery.tries ?? 0,
    Date.now(),
    delivery.deadline ?? null,
  );
}

export const heldCount = (sql: SqlStorage): number =>
  sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM held").one().n;

/** The oldest held deliveries, at most `limit`; with `expiredBy`, only those past their deadline. */
export function oldestHeld(sql: SqlStorage, limit: number, expiredBy?: number): Held[] {
  const where = expiredBy === undefined ? "" : "WHERE deadline IS NOT NULL AND deadline <= ?";
  const binds = expiredBy === undefined ? [limit] : [expiredBy, limit];
  return sql
    .exec<Held>(
      `SELECT seq, event, route, tries, deadline FROM held ${where} ORDER BY seq LIMIT ?`,
      ...binds,
    )
    .toArray();
}

/**
 * Queues held deliveries again: their outbox rows go back to `queued` first (should the messages
 * be lost, the sweep queues them; a `paused` row is left to this object), then one `sendBatch`,
 * then they leave the table. A crash in between queues some twice, and the consumer never
 * re-sends a delivery already made.
 */
export async function release(env: Env, sql: SqlStorage, rows: Held[], why: string) {
  if (rows.length === 0) return;
  await resumeDeliveries(
    env,
    rows.map((row) => ({ eventId: row.event, route: row.route })),
  );
  await env.DELIVERY_QUEUE.sendBatch(
    rows.map((row) => ({
      body: {
        v: 1,
        event: row.event,
        route: row.route,
        ...(row.tries > 0 ? { tries: row.tries } : {}),
      } satisfies DeliveryMessage,
      contentType: "json" as const,
    })),
  );
  sql.exec(
    "DELETE FROM held WHERE seq IN (SELECT value FROM json_each(?))",
    JSON.stringify(rows.map((row) => row.seq)),
  );
  log("info", "held deliveries queued again", { route: rows[0]?.route, count: rows.length, why });
}
