/**
 * What D1 keeps, and the shapes a delivery is made of. Events, their dedupe keys, deliveries and
 * attempts are kept in the event store's shards (src/store, docs/store.md); D1 keeps what is small
 * and global, one module per concern:
 * - dead-letters.ts: deliveries given up on, with what is needed to replay them (src/admin);
 * - replay.ts: dead letters to replay by filter, their events' copies, marked replayed (their
 *   deliveries are put back in line by the shards' `requeueForReplay`);
 * - erase.ts: the erasure records (DELETE /events/:id), and erasing what D1 holds of an event;
 * - sink.ts: the local dev sink;
 * - housekeeping.ts: pruning what is left of the D1 store from before the upgrade (its old tables
 *   are read only by the upgrade, src/store/legacy*.ts);
 * - schema.ts: the tables (created at runtime by `ready` in db.ts, and by migrations/*.sql);
 *   where.ts: list filters;
 * - types.ts: not storage, the shapes shared by the shards, the consumer and the dead letters
 *   (`StoredEvent`, `Attempt`, `DeliveryState`, `DeliveryOutcome`, `isSettled`, `DEDUPE_SECONDS`).
 */
export * from "./db.ts";
export * from "./dead-letters.ts";
export * from "./erase.ts";
export * from "./housekeeping.ts";
export * from "./replay.ts";
export * from "./sink.ts";
export * from "./types.ts";
