/**
 * Counts what a shard's statements cost, from the storage API's own counters (each cursor's
 * rowsWritten and rowsRead), by wrapping `exec` of the object's SqlStorage.
 */
export interface Counts {
  statements: number;
  rowsWritten: number;
  rowsRead: number;
}

/** `sql` with every cursor remembered; `counts()` sums them (consuming what was not read). */
export function counting(sql: SqlStorage): { sql: SqlStorage; counts: () => Counts } {
  const cursors: SqlStorageCursor<Record<string, SqlStorageValue>>[] = [];
  const wrapped = new Proxy(sql, {
    get(target, property) {
      if (property === "exec") {
        return (query: string, ...bindings: unknown[]) => {
          const cursor = target.exec(query, ...bindings);
          cursors.push(cursor);
          return cursor;
        };
      }
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return {
    sql: wrapped,
    counts: () => {
      for (const cursor of cursors) cursor.toArray();
      return {
        statements: cursors.length,
        rowsWritten: cursors.reduce((sum, cursor) => sum + cursor.rowsWritten, 0),
        rowsRead: cursors.reduce((sum, cursor) => sum + cursor.rowsRead, 0),
      };
    },
  };
}
