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
