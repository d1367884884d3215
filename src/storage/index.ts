/**
 * Everything kept in D1, one module per concern:
 * - events.ts: admission (24-hour dedupe) and the accepted events;
 * - deliveries.ts: the outbox, one row per (event, route) saying where its delivery stands;
 * - requeue.ts: putting outbox rows back in line for a new message (sweep, repeat, resume, replay);
 * - delivery-list.ts: reading the D1 outbox by route and status (the events of the sharded store
 *   are read through src/store/views.ts);
 * - replay.ts: dead letters to replay by filter, their events put back, marked replayed;
 * - attempts.ts: every delivery attempt, and the deliveries that succeeded;
 * - dead-letters.ts: deliveries given up on, with what is needed to replay them;
 * - housekeeping.ts: pruning past retention; sink.ts: the local dev sink;
 * - erase.ts: erasing an event on request (DELETE /events/:id);
 * - schema.ts: the tables (created at runtime by `ready` in db.ts); where.ts: list filters.
 */
export * from "./attempts.ts";
export * from "./db.ts";
export * from "./dead-letters.ts";
export * from "./deliveries.ts";
export * from "./delivery-list.ts";
export * from "./erase.ts";
export * from "./events.ts";
export * from "./housekeeping.ts";
export * from "./replay.ts";
export * from "./requeue.ts";
export * from "./sink.ts";
