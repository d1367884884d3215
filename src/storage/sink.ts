import { ready } from "./db.ts";

/** Dev sink: records a request, keeping the last 100. */
export async function sinkRecord(
  db: D1Database,
  entry: { path: string; headers: Record<string, string>; body: string },
): Promise<number> {
  await ready(db);
  const [inserted] = await db.batch([
    db
      .prepare("INSERT INTO sink (at, path, headers, body) VALUES (?, ?, ?, ?) RETURNING seq")
      .bind(Date.now(), entry.path, JSON.stringify(entry.headers), entry.body),
    db.prepare("DELETE FROM sink WHERE seq <= (SELECT MAX(seq) - 100 FROM sink)"),
  ]);
  return (inserted?.results[0] as { seq: number } | undefined)?.seq ?? 0;
}

/**
 * The last `limit` sink records, newest first. `body` is the JSON parsed (text when it is not
 * JSON); `raw` is the exact text received, the bytes a signature covers.
 *
 * @example (await sinkList(db, 1))[0] // {seq, receivedAt, path, headers, body: {...}, raw: "{...}"}
 */
export async function sinkList(db: D1Database, limit: number) {
  await ready(db);
  const rows = await db
    .prepare("SELECT seq, at, path, headers, body FROM sink ORDER BY seq DESC LIMIT ?")
    .bind(limit)
    .all<{ seq: number; at: number; path: string; headers: string; body: string }>();
  return rows.results.map((row) => {
    let body: unknown = row.body;
    try {
      body = JSON.parse(row.body);
    } catch {
      // not JSON: shown as text
    }
    return {
      seq: row.seq,
      receivedAt: new Date(row.at).toISOString(),
      path: row.path,
      headers: JSON.parse(row.headers) as Record<string, string>,
      body,
      raw: row.body,
    };
  });
}
