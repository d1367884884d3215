/**
 * A WHERE clause built from optional conditions, with its bound values in order: the filters of
 * the console's and the admin API's lists.
 *
 * @example
 * const { sql, binds } = where([
 *   filter.route ? ["route = ?", filter.route] : undefined,
 *   filter.since !== undefined ? ["created_at >= ?", filter.since] : undefined,
 * ]);
 * db.prepare(`SELECT id FROM dead_letters ${sql} ORDER BY seq LIMIT ?`).bind(...binds, 50);
 */

/** One condition and the values of its `?` placeholders; undefined or false: not filtered. */
export type Condition = readonly [sql: string, ...binds: unknown[]] | undefined | false;

/** `WHERE a AND b` (empty when no condition applies) and the values to bind, in order. */
export function where(conditions: Condition[]): { sql: string; binds: unknown[] } {
  const applied = conditions.filter((condition) => !!condition);
  return {
    sql: applied.length > 0 ? `WHERE ${applied.map(([sql]) => sql).join(" AND ")}` : "",
    binds: applied.flatMap(([, ...binds]) => binds),
  };
}
