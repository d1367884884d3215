import { SCHEMA } from "./schema.ts";

const readyDbs = new WeakMap<D1Database, Promise<void>>();

/** Creates the schema once per isolate and database (idempotent); every store call awaits it. */
export function ready(db: D1Database): Promise<void> {
  let promise = readyDbs.get(db);
  if (!promise) {
    promise = db
      .batch(SCHEMA.map((sql) => db.prepare(sql)))
      .then(() => undefined)
      .catch((error) => {
        readyDbs.delete(db);
        throw error;
      });
    readyDbs.set(db, promise);
  }
  return promise;
}

/** Times are stored as unix seconds. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

/** D1 binds at most 100 parameters per statement: longer `IN (...)` lists are split. */
export const MAX_BOUND_PARAMETERS = 100;

export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** `?,?,?` for `n` parameters. */
export const marks = (n: number): string => Array.from({ length: n }, () => "?").join(",");
