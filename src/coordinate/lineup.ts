/**
 * The per-conversation line of an ordered route, kept in its Durable Object's SQLite storage
 * (src/coordinate/route-gate.ts calls these; one object per route, so one line per conversation
 * of that route). A row is an accepted event that is not settled yet; the first row of a
 * conversation (lowest `seq`) is its head, the only one that may be delivered. Rows are added
 * in the order the Worker accepted the events and removed when their delivery settles
 * (delivered, dead-lettered, filtered, skipped).
 *
 * All functions are synchronous: a Durable Object runs them without interleaving, so "is this
 * event the head?" and "remove the head, who is next?" are exact across any number of
 * concurrent consumers.
 */

export function createLineup(sql: SqlStorage): void {
  sql.exec(
    `CREATE TABLE IF NOT EXISTS lineup (seq INTEGER PRIMARY KEY AUTOINCREMENT,
       conversation TEXT NOT NULL, event TEXT NOT NULL UNIQUE, at INTEGER NOT NULL, head_since INTEGER)`,
  );
  sql.exec("CREATE INDEX IF NOT EXISTS lineup_conversation ON lineup (conversation, seq)");
}

/** An accepted event of an ordered route and the conversation it belongs to. */
export interface InLine {
  event: string;
  conversation: string;
}

function headOf(sql: SqlStorage, conversation: string): { seq: number; event: string } | undefined {
  return sql
    .exec<{ seq: number; event: string }>(
      "SELECT seq, event FROM lineup WHERE conversation = ? ORDER BY seq LIMIT 1",
      conversation,
    )
    .toArray()[0];
}

function markHead(sql: SqlStorage, seq: number, now: number): void {
  sql.exec("UPDATE lineup SET head_since = ? WHERE seq = ? AND head_since IS NULL", now, seq);
}

/**
 * Adds events at the end of their conversations' lines, in the order given (an event already
 * in line keeps its place). Returns the events that are their conversation's head (to be
 * delivered now) and those that wait behind another.
 *
 * @example append(sql, [{ event: "e1", conversation: "1:207" }]) // { heads: ["e1"], waiting: [] }
 */
export function append(
  sql: SqlStorage,
  items: InLine[],
  now = Date.now(),
): { heads: string[]; waiting: string[] } {
  const heads: string[] = [];
  const waiting: string[] = [];
  for (const item of items) {
    sql.exec(
      "INSERT OR IGNORE INTO lineup (conversation, event, at) VALUES (?, ?, ?)",
      item.conversation,
      item.event,
      now,
    );
    const head = headOf(sql, item.conversation);
    if (head?.event === item.event) {
      markHead(sql, head.seq, now);
      heads.push(item.event);
    } else waiting.push(item.event);
  }
  return { heads, waiting };
}

/** An event in a line kept before the upgrade (handover.ts), with its times. */
export interface Adopted extends InLine {
  at: number;
  headSince: number | null;
}

/**
 * Adds lines kept before the upgrade (handover.ts), in the order given, ahead of nothing: called
 * before any event accepted since is lined up. An event already in line is left where it is.
 */
export function adopt(sql: SqlStorage, items: Adopted[]): void {
  for (const item of items)
    sql.exec(
      "INSERT OR IGNORE INTO lineup (conversation, event, at, head_since) VALUES (?, ?, ?, ?)",
      item.conversation,
      item.event,
      item.at,
      item.headSince,
    );
}

/**
 * Whose turn it is in `item`'s conversation. The event is put in line first if it is not there
 * (its acceptance was interrupted before it was lined up: it goes last).
 */
export function turn(sql: SqlStorage, item: InLine, now = Date.now()): { head: string } {
  const { heads } = append(sql, [item], now);
  if (heads[0] === item.event) return { head: item.event };
  return { head: headOf(sql, item.conversation)?.event ?? item.event };
}

/**
 * Takes a settled event out of line. When it was its conversation's head, returns the new head
 * (to be delivered now), if any.
 *
 * @example settle(sql, "e1") // { next: "e2" }
 */
export function settle(sql: SqlStorage, event: string, now = Date.now()): { next?: string } {
  const row = sql
    .exec<{ seq: number; conversation: string }>(
      "SELECT seq, conversation FROM lineup WHERE event = ?",
      event,
    )
    .toArray()[0];
  if (!row) return {};
  const head = headOf(sql, row.conversation);
  sql.exec("DELETE FROM lineup WHERE seq = ?", row.seq);
  if (head?.seq !== row.seq) return {};
  const next = headOf(sql, row.conversation);
  if (!next) return {};
  markHead(sql, next.seq, now);
  return { next: next.event };
}

/**
 * The event after `event` in its conversation's line, when `event` is the head (what `settle`
 * would return), without changing anything.
 */
export function peek(sql: SqlStorage, event: string): { next?: string } {
  const row = sql
    .exec<{ seq: number; conversation: string }>(
      "SELECT seq, conversation FROM lineup WHERE event = ?",
      event,
    )
    .toArray()[0];
  if (!row || headOf(sql, row.conversation)?.seq !== row.seq) return {};
  const next = sql
    .exec<{ event: string }>(
      "SELECT event FROM lineup WHERE conversation = ? AND seq > ? ORDER BY seq LIMIT 1",
      row.conversation,
      row.seq,
    )
    .toArray()[0];
  return next ? { next: next.event } : {};
}

/** A conversation with events in line: its head, since when it is the head, how many wait behind. */
export interface ConversationLine {
  conversation: string;
  head: string;
  /** When the head became the head (epoch ms). */
  headSince: number;
  /** Events behind the head. */
  waiting: number;
}

/** Conversations with events in line, longest-waiting head first, and how many there are. */
export function lines(
  sql: SqlStorage,
  limit: number,
): { total: number; lines: ConversationLine[] } {
  const total = sql
    .exec<{ n: number }>("SELECT COUNT(DISTINCT conversation) AS n FROM lineup")
    .one().n;
  const rows = sql
    .exec<{ conversation: string; head: string; head_since: number | null; at: number; n: number }>(
      `SELECT l.conversation, l.event AS head, l.head_since, l.at, c.n FROM
         (SELECT conversation, MIN(seq) AS first, COUNT(*) AS n FROM lineup GROUP BY conversation) AS c
         JOIN lineup AS l ON l.seq = c.first
       ORDER BY COALESCE(l.head_since, l.at) LIMIT ?`,
      limit,
    )
    .toArray();
  return {
    total,
    lines: rows.map((row) => ({
      conversation: row.conversation,
      head: row.head,
      headSince: row.head_since ?? row.at,
      waiting: row.n - 1,
    })),
  };
}

/** How many events are in line behind their conversation's head, over all conversations. */
export function waitingCount(sql: SqlStorage): { conversations: number; waiting: number } {
  const row = sql
    .exec<{ c: number; n: number }>(
      "SELECT COUNT(DISTINCT conversation) AS c, COUNT(*) AS n FROM lineup",
    )
    .one();
  return { conversations: row.c, waiting: row.n - row.c };
}
