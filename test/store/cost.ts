/**
 * Cost per event, counted (not timed) from the storage API's own counters: Durable Object SQL
 * cursors' rowsWritten / rowsRead for the shards and line objects, the route gates' key-value
 * rows and every call as the real Worker makes them (worker-calls.ts), D1's `meta` for today's
 * store.
 * Used by cost.test.ts (the targets) and by `npm run bench -- cost` (scripts/bench/cost.ts).
 */
import { runInDurableObject } from "cloudflare:test";
import type { Env } from "../../src/config/env.ts";
import { append, settle, turn } from "../../src/coordinate/lineup.ts";
import { pruneIn } from "../../src/store/housekeeping.ts";
import {
  type AdmitOptions,
  admitEvents,
  beginDelivery,
  settleDelivery,
} from "../../src/store/ops.ts";
import { parseEventId } from "../../src/store/shard.ts";
import {
  admit,
  deliveredIds,
  getDeliveryState,
  getEvent,
  prune,
  recordAttempt,
  recordOutcome,
} from "../d1-store/index.ts";
import { counting } from "./count.ts";
import type { EventCalls, Tally } from "./worker-calls.ts";

export type Scenario = "plain" | "three routes" | "ordered" | "rate-limited";
export const SCENARIOS: Scenario[] = ["plain", "three routes", "ordered", "rate-limited"];

/** What one event costs, request to prune. */
export interface EventCost {
  scenario: Scenario;
  failedFirst: boolean;
  statements: number;
  /** The event store's, the listing index's, an ordered route's lines' and the route gates'. */
  rowsWritten: number;
  /** Of `rowsWritten`, the route gates' (key-value rows, measured in the real flow). */
  gateRows: number;
  rowsRead: number;
  /** Measured in the real Worker flow (worker-calls.ts), as are the next four. */
  doRequests: number;
  queueOps: number;
  /** Destination POSTs plus calls to Durable Objects, the queue and D1. */
  subrequests: number;
  d1Statements: number;
  /** Every call, by binding and method (`EVENT_STORE.admit`...). */
  calls: Tally;
  bytes: number;
}

const DAY = 86_400;
const routesOf = (scenario: Scenario) => (scenario === "three routes" ? ["a", "b", "c"] : ["a"]);
const options = (now: number): AdmitOptions => ({
  now,
  dedupeSeconds: DAY,
  repeatBefore: now - 20,
  maxRequeues: 10,
});

/** Rows a listing index adds per event (docs/store.md, "Listing"): one row, one call. */
const INDEX_ROWS = 1;

/** Runs `work` on an ordered route's line object's storage (lines.ts), counting its statements' rows. */
async function gateRows(env: Env, work: (sql: SqlStorage) => void) {
  const stub = env.ORDER_LINES.get(env.ORDER_LINES.idFromName(`cost-${crypto.randomUUID()}`));
  return runInDurableObject(stub, async (_, state) => {
    const { sql, counts } = counting(state.storage.sql);
    work(sql);
    return counts();
  });
}

/**
 * One event through the sharded store: its rows as the EventStore, the listing index and an
 * ordered route's line object run them, plus the route gates' rows and every call as measured
 * through the real Worker (`calls`, from worker-calls.ts `measureScenario`).
 *
 * @example const cost = await shardCost(env, "plain", false, payload, (await measureScenario("plain")).ok);
 */
export async function shardCost(
  env: Env,
  scenario: Scenario,
  failedFirst: boolean,
  payload: string,
  calls: EventCalls,
): Promise<EventCost> {
  const routes = routesOf(scenario);
  const stub = env.EVENT_STORE.get(env.EVENT_STORE.idFromName(`cost-${crypto.randomUUID()}`));
  const shard = await runInDurableObject(stub, async (_, state) => {
    const { sql, counts } = counting(state.storage.sql);
    const now = Math.floor(Date.now() / 1000);
    const [admission] = admitEvents(
      sql,
      0,
      [
        {
          key: `cost:${crypto.randomUUID()}`,
          source: "chatwoot",
          name: "message_created",
          payload,
        },
      ],
      routes,
      options(now),
    );
    const ref = parseEventId(admission?.id ?? "");
    if (!ref) throw new Error("no event admitted");
    for (const route of routes) {
      beginDelivery(sql, 0, ref.seq, ref.tag, route);
      if (failedFirst && route === "a") {
        const failure = {
          webhookId: "msg_x",
          attempt: 1,
          status: 503,
          error: "HTTP 503",
          latencyMs: 9,
          at: now,
        };
        const outcome = {
          status: "retrying" as const,
          attempts: 1,
          lastStatus: 503,
          lastError: "HTTP 503",
          dueAt: now + 10,
        };
        settleDelivery(sql, ref.seq, route, { outcome, failures: [failure] }, now);
        beginDelivery(sql, 0, ref.seq, ref.tag, route);
      }
      const attempts = failedFirst && route === "a" ? 2 : 1;
      settleDelivery(
        sql,
        ref.seq,
        route,
        { outcome: { status: "delivered", attempts, lastStatus: 200 }, failures: [] },
        now + 10,
      );
    }
    pruneIn(sql, now + 8 * DAY, 100);
    return counts();
  });
  // The route's line object (lines.ts, lineup.ts): an ordered route lines the event up, admits its
  // turn on every attempt and settles it.
  const tries = failedFirst ? 2 : 1;
  const item = { event: "e", conversation: "c" };
  const gate =
    scenario === "ordered"
      ? await gateRows(env, (sql) => {
          append(sql, [item]);
          for (let i = 0; i < tries; i++) turn(sql, item);
          settle(sql, "e");
        })
      : { statements: 0, rowsWritten: 0, rowsRead: 0 };
  return {
    scenario,
    failedFirst,
    statements: shard.statements + gate.statements,
    // The route gates' rows as the real flow wrote them: the report's health, meter and circuit
    // (once per route per batch), a rate limit's next slot (per attempt).
    rowsWritten: shard.rowsWritten + INDEX_ROWS + gate.rowsWritten + calls.gateRows,
    gateRows: calls.gateRows,
    rowsRead: shard.rowsRead + gate.rowsRead,
    doRequests: calls.doRequests,
    queueOps: calls.queueOps,
    subrequests: calls.subrequests,
    d1Statements: calls.d1Statements,
    calls: calls.calls,
    bytes: (await shardBytes(env, routes, payload)) + LISTING_BYTES,
  };
}

/** Bytes a listing row takes (docs/store.md: received_at, shard, seq, tag, source, name). */
const LISTING_BYTES = 90;

/** Bytes stored per event in a shard: the database's growth over `n` settled events, divided. */
export async function shardBytes(
  env: Env,
  routes: string[],
  payload: string,
  n = 200,
): Promise<number> {
  const stub = env.EVENT_STORE.get(env.EVENT_STORE.idFromName(`bytes-${crypto.randomUUID()}`));
  return runInDurableObject(stub, async (_, state) => {
    const sql = state.storage.sql;
    const now = Math.floor(Date.now() / 1000);
    admitEvents(
      sql,
      0,
      [{ key: "warm", source: "chatwoot", name: "message_created", payload }],
      routes,
      options(now),
    );
    const before = sql.databaseSize;
    const events = Array.from({ length: n }, () => ({
      key: `chatwoot:${crypto.randomUUID().replaceAll("-", "")}${crypto.randomUUID().replaceAll("-", "")}`,
      source: "chatwoot",
      name: "message_created",
      payload,
    }));
    for (const admission of admitEvents(sql, 0, events, routes, options(now))) {
      const ref = parseEventId(admission.id);
      for (const route of routes) {
        const outcome = { status: "delivered" as const, attempts: 1, lastStatus: 200 };
        settleDelivery(sql, ref?.seq ?? 0, route, { outcome, failures: [] }, now);
      }
    }
    return (sql.databaseSize - before) / n;
  });
}

/** D1 with every statement's `meta` summed (first() is run as all() to see its meta). */
function countingD1(db: D1Database) {
  const total = { statements: 0, rowsWritten: 0, rowsRead: 0, size: 0 };
  const add = (result: D1Result) => {
    total.statements++;
    total.rowsWritten += result.meta.rows_written ?? 0;
    total.rowsRead += result.meta.rows_read ?? 0;
    total.size = result.meta.size_after ?? total.size;
  };
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement =>
    new Proxy(statement, {
      get(target, property) {
        if (property === "bind") return (...values: unknown[]) => wrap(target.bind(...values));
        if (property === "run" || property === "all")
          return async () => {
            const result = await target.all();
            add(result);
            return result;
          };
        if (property === "first")
          return async () => {
            const result = await target.all();
            add(result);
            return result.results[0] ?? null;
          };
        return Reflect.get(target, property, target);
      },
    });
  const wrapped = new Proxy(db, {
    get(target, property) {
      if (property === "prepare") return (query: string) => wrap(target.prepare(query));
      if (property === "batch")
        return async (statements: D1PreparedStatement[]) => {
          const results = await target.batch(statements);
          for (const result of results) add(result);
          return results;
        };
      return Reflect.get(target, property, target);
    },
  });
  return { db: wrapped, total };
}

/**
 * One plain event through today's D1 store, statement for statement as the request path and
 * the consumer run it (admit; per route: event, row, deliveries made, attempt, outcome; prune).
 */
export async function d1Cost(
  env: Env,
  scenario: "plain" | "three routes",
  failedFirst: boolean,
  payload: string,
) {
  await prune(env.DB, Math.floor(Date.now() / 1000) + 30 * DAY, 0);
  const { db, total } = countingD1(env.DB);
  const routes = routesOf(scenario);
  const id = crypto.randomUUID();
  await admit(
    db,
    [{ key: `cost:${id}`, id, source: "chatwoot", name: "message_created", payload }],
    routes,
  );
  const now = Math.floor(Date.now() / 1000);
  for (const route of routes) {
    const attempts = failedFirst && route === "a" ? [503, 200] : [200];
    for (const [i, status] of attempts.entries()) {
      await Promise.all([getEvent(db, id), getDeliveryState(db, id, route)]);
      await deliveredIds(db, id, route);
      await recordAttempt(db, id, route, {
        webhookId: `msg_${i}`,
        attempt: i + 1,
        status,
        latencyMs: 9,
        at: now,
      });
      await recordOutcome(
        db,
        id,
        route,
        status === 200
          ? { status: "delivered", attempts: i + 1, lastStatus: 200 }
          : { status: "retrying", attempts: 1, lastStatus: 503, dueAt: now + 10 },
      );
    }
  }
  const beforePrune = { ...total };
  await prune(db, now + 8 * DAY, 7 * DAY);
  return { ...total, pruneRows: total.rowsWritten - beforePrune.rowsWritten };
}
