/**
 * What one event really costs in calls: it is POSTed to the real Worker (`POST /webhooks/chatwoot`)
 * and its queue messages are consumed by the real consumer, with an env whose Durable Object
 * namespaces, queue and D1 count every call made through them. Used by worker-calls.test.ts and
 * by cost.test.ts, whose table (`npm run bench -- cost`) takes its DO requests, queue operations
 * and subrequests from here.
 *
 * Calls an isolate makes once (the legacy shard's `upgrade`, an ordered route's `handOverLines`)
 * or at most every few seconds (the consumer's heartbeat, `beat`) are told apart: a throwaway
 * event on the same routes warms the isolate first, and what it made beyond the measured event
 * is reported per isolate. Calls Durable Objects make to each other (a shard registering itself
 * on its first write) and alarms are not seen here: they are per object, not per event.
 *
 * The Worker runs as deployed (`ENVIRONMENT` set: no local outbox sweep on requests, a signed
 * source) with the circuit breaker at its default, on fresh route names.
 */
import {
  createExecutionContext,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import type { Env } from "../../src/config/env.ts";
import worker from "../../src/index.ts";
import {
  baseEnv,
  chatwootSigned,
  consume,
  destination,
  received,
  retryIsDue,
  testEnv,
  unique,
} from "../delivery/helpers.ts";
import chatwoot from "../fixtures/chatwoot/message-created-incoming/source.json";
import type { Scenario } from "./cost.ts";
import { add, countingEnv, NAMESPACES, type Tally } from "./counting-env.ts";

export { countingEnv, type Tally } from "./counting-env.ts";

/** One event's calls, and what they add up to. */
export interface EventCalls {
  /** Every call by binding and method (queue: `send`/`sendBatch` calls; D1: calls). */
  calls: Tally;
  /** RPC calls to Durable Objects, of any namespace. */
  doRequests: number;
  /** Queue operations as billed: messages written, read (each delivery to the consumer), deleted (acked). */
  queueOps: number;
  /** Destination POSTs, and calls to Durable Objects, the queue (send, sendBatch) and D1. */
  subrequests: number;
  /** D1 statements run (a batch counts its statements). */
  d1Statements: number;
  /** Key-value rows the routes' RouteGate objects wrote (report: health, meter, circuit; a rate limit's next slot). */
  gateRows: number;
  posts: number;
  messages: { written: number; read: number; deleted: number };
}

/** Written at most once per isolate every 5 s (src/store/sweeps.ts `consumerBeat`), whatever the traffic. */
const PERIODIC = new Set(["EVENT_STORE.beat"]);
const SECRET = "cost-secret";

/** The env of a deployed Worker (no local sweep on requests; chatwoot signed) with these routes. */
function deployedEnv(routes: object[]): Env {
  return testEnv({
    ENVIRONMENT: "production",
    WEBHOOK_SECRET_CHATWOOT: SECRET,
    CIRCUIT_FAILURES: "5",
    ROUTES: JSON.stringify(routes),
  });
}

/** `POST /webhooks/chatwoot` with a new Chatwoot message, background work (waitUntil) included. */
async function postEvent(env: Env): Promise<void> {
  const text = JSON.stringify({ ...chatwoot, id: Math.floor(Math.random() * 1e9) });
  const request = new Request("https://translator.test/webhooks/chatwoot", {
    method: "POST",
    body: text,
    headers: { "content-type": "application/json", ...(await chatwootSigned(SECRET, text)) },
  });
  const ctx = createExecutionContext();
  const response = await worker.fetch(request as never, env, ctx);
  await waitOnExecutionContext(ctx);
  if (response.status !== 202) throw new Error(`not accepted: ${await response.text()}`);
}

/** The scenario's routes (fresh names, `prefix` shared by the runs of one scenario). */
export function scenarioRoutes(scenario: Scenario, prefix: string) {
  const names = scenario === "three routes" ? ["a", "b", "c"] : ["a"];
  return names.map((name) => ({
    name: `${prefix}-${name}`,
    sources: "*",
    target: "dotted",
    ...(scenario === "ordered" ? { ordered: true } : {}),
    ...(scenario === "rate-limited" ? { maxPerSecond: 10 } : {}),
  }));
}
type Routes = ReturnType<typeof scenarioRoutes>;

/**
 * Counts, from now on, the key-value rows the routes' RouteGate objects write (`put`, `delete`:
 * a row each) into whichever tally `into()` names at the time. The objects' storage is patched in
 * place (runInDurableObject), so it lasts as long as the object stays in memory.
 */
async function countGateRows(routes: Routes, into: () => Tally): Promise<void> {
  for (const { name } of routes) {
    const stub = baseEnv.ROUTE_GATES.get(baseEnv.ROUTE_GATES.idFromName(name));
    await runInDurableObject(stub, (_, state) => {
      const kv = state.storage.kv;
      const counted =
        (write: (...args: never[]) => unknown) =>
        (...args: never[]) => {
          add(into(), "ROUTE_GATES kv rows written");
          return write(...args);
        };
      Object.assign(kv, { put: counted(kv.put.bind(kv)), delete: counted(kv.delete.bind(kv)) });
    });
  }
}

/**
 * `events` events, each POSTed on its own, through the Worker on `routes` (with `failedFirst`, the
 * first route's destination answers 503 first, then 200): their messages consumed in one batch,
 * and those retried consumed again once due (attempt 2). Returns every call counted, in `tally`.
 */
export async function driveEvents(
  routes: Routes,
  options: { failedFirst?: boolean; events?: number; tally?: Tally } = {},
): Promise<{ tally: Tally; posts: number }> {
  const targets = routes.map((_, i) =>
    destination(options.failedFirst && i === 0 ? "503,200" : "200"),
  );
  const { env, tally, sent } = countingEnv(
    deployedEnv(routes.map((route, i) => ({ ...route, url: targets[i]?.url }))),
    options.tally,
  );
  for (let i = 0; i < (options.events ?? 1); i++) await postEvent(env);
  let messages = sent.splice(0);
  for (let attempt = 1; messages.length > 0 && attempt <= 5; attempt++) {
    add(tally, "queue messages read", messages.length);
    const result = await consume(env, messages, attempt);
    // consume() names the i-th message `m<i>-...`.
    const retried = new Set(result.retryMessages.map((each) => each.msgId.split("-")[0]));
    const again = messages.filter((_, i) => result.retryBatch.retry || retried.has(`m${i}`));
    add(tally, "queue messages deleted", messages.length - again.length);
    for (const message of again) await retryIsDue(baseEnv, message);
    // Messages the consumer itself sent (a follower's retry, a rate limit's wait) are read next.
    messages = [...again, ...sent.splice(0)];
  }
  const posts = (await Promise.all(targets.map((target) => received(target.key)))).flat();
  return { tally, posts: posts.length };
}

/** The totals of a tally (see `EventCalls`), per event when it counted `events` events. */
export function summarize(tally: Tally, posts: number, events = 1): EventCalls {
  const per: Tally = Object.fromEntries(Object.entries(tally).map(([k, n]) => [k, n / events]));
  const sum = (test: (key: string) => boolean) =>
    Object.entries(per).reduce((n, [key, count]) => n + (test(key) ? count : 0), 0);
  const doRequests = sum((key) => NAMESPACES.some((name) => key.startsWith(`${name}.`)));
  const queueCalls = sum((key) => key.startsWith("DELIVERY_QUEUE."));
  const d1Calls = sum((key) => key.startsWith("DB."));
  const messages = {
    written: per["queue messages written"] ?? 0,
    read: per["queue messages read"] ?? 0,
    deleted: per["queue messages deleted"] ?? 0,
  };
  return {
    calls: per,
    doRequests,
    queueOps: messages.written + messages.read + messages.deleted,
    subrequests: posts / events + doRequests + queueCalls + d1Calls,
    d1Statements: per["D1 statements"] ?? 0,
    gateRows: per["ROUTE_GATES kv rows written"] ?? 0,
    posts: posts / events,
    messages,
  };
}

/** What a scenario costs in calls: one event alone, happy path and failed first, and per isolate. */
export interface ScenarioCalls {
  ok: EventCalls;
  failed: EventCalls;
  /** What the warm-up made beyond the happy-path event, and any periodic call (`PERIODIC`). */
  perIsolate: Tally;
}

/**
 * A scenario measured on fresh routes: a throwaway event warms the isolate, then one event per
 * `failedFirst` value is measured, each alone in its batch.
 *
 * @example const { ok, perIsolate } = await measureScenario("plain"); // ok.doRequests
 */
export async function measureScenario(scenario: Scenario): Promise<ScenarioCalls> {
  const routes = scenarioRoutes(scenario, unique("c").slice(0, 16));
  let current: Tally = {};
  await countGateRows(routes, () => current);
  const run = async (failedFirst: boolean) => {
    current = {};
    return driveEvents(routes, { failedFirst, tally: current });
  };
  const warm = await run(false);
  const runs = [await run(false), await run(true)];
  const perIsolate: Tally = {};
  for (const [key, n] of Object.entries(warm.tally)) {
    const extra = n - (PERIODIC.has(key) ? 0 : (runs[0]?.tally[key] ?? 0));
    if (extra > 0) add(perIsolate, key, extra);
  }
  const [ok, failed] = runs.map(({ tally, posts }) => {
    const perEvent: Tally = {};
    for (const [key, n] of Object.entries(tally)) {
      if (PERIODIC.has(key)) add(perIsolate, key, n);
      else perEvent[key] = n;
    }
    return summarize(perEvent, posts);
  }) as [EventCalls, EventCalls];
  return { ok, failed, perIsolate };
}

/**
 * The happy path of `events` events consumed in one batch (a queue batch holds up to 10), per
 * event: a route's gate is asked once per batch and told once per batch (`report`). The isolate
 * is warmed first, and periodic calls are left out.
 */
export async function measureBatch(scenario: Scenario, events = 10): Promise<EventCalls> {
  const routes = scenarioRoutes(scenario, unique("c").slice(0, 16));
  let current: Tally = {};
  await countGateRows(routes, () => current);
  await driveEvents(routes, { tally: current });
  current = {};
  const { tally, posts } = await driveEvents(routes, { events, tally: current });
  for (const key of PERIODIC) delete tally[key];
  return summarize(tally, posts, events);
}
