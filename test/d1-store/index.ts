/**
 * The D1 store as the version before the shards wrote it: every accepted event, its dedupe key,
 * its outbox rows and its attempts in one D1 database (the tables of src/storage/schema.ts:
 * `events`, `seen`, `deliveries`, `attempts`, `delivered`). The Worker no longer runs any of
 * this; it reads those tables only to upgrade from them (src/store/legacy*.ts), and its hourly
 * cron prunes what is left of them (`prune`, src/storage/housekeeping.ts, re-exported here).
 *
 * Used to build the rows an upgrade finds (test/store/legacy*.test.ts, the old version's own
 * statements: admission, the consumer's attempts and outcomes, an ordered route's parking), and
 * as the comparison in the cost table (test/store/cost.ts, "today's D1 store").
 *
 * - events.ts: admission (24-hour dedupe in `seen`) and the accepted events;
 * - deliveries.ts: the outbox, one row per (event, route), and the consumer's outcomes on it;
 * - attempts.ts: every delivery attempt, and the deliveries that succeeded (`delivered`).
 */
export { prune } from "../../src/storage/housekeeping.ts";
export * from "./attempts.ts";
export * from "./deliveries.ts";
export * from "./events.ts";

import type { NewEvent } from "./events.ts";

/** A fresh dedupe key (no two tests share one). */
export const freshKey = () => `test:${crypto.randomUUID()}`;

/** A dotted event as the old request path admitted it, with a UUID id. */
export function newEvent(key: string, payload: unknown = { text: "hi" }): NewEvent {
  return {
    key,
    id: crypto.randomUUID(),
    source: "dotted",
    name: "message.create.contact.chat",
    payload: JSON.stringify(payload),
  };
}
