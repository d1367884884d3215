/**
 * Crash test (`npm run test:crash`, also run by `npm run test:load`; not part of `npm test`).
 *
 * Every event the Worker acknowledged must be delivered or dead-lettered even when the process
 * dies: `wrangler dev` keeps its queue in memory, so killing it drops every message not yet
 * delivered, while the event store (the shards: events and their delivery rows) survives in the
 * --persist-to directory.
 * For each scenario, with a fresh state directory:
 *   1. the destination is down (connection refused); `wrangler dev` starts;
 *   2. CRASH_EVENTS distinct Chatwoot webhooks are posted (CRASH_CONCURRENCY at a time) and
 *      the acknowledged ones (2xx) are counted;
 *   3. the process group is killed: SIGKILL after every event was acknowledged and retries have
 *      started; SIGKILL in the middle of the burst; SIGTERM after the burst;
 *   4. the destination comes up, `wrangler dev` starts again on the same state, one more webhook
 *      is posted, and within CRASH_DEADLINE_SECONDS (120) every event acknowledged before the
 *      crash must have reached the destination (a 2xx to a request with its `webhook-id`) or be a
 *      dead letter (`GET /deadletters`).
 * Prints, per scenario, acknowledged, delivered, dead letters, pending (not settled when time ran
 * out, but still held by the outbox: queued or retrying), lost (no delivery, no dead letter,
 * nothing pending: must be 0), duplicated deliveries and the seconds from the restart to the last
 * one; exits 1 if anything is lost or still pending.
 * All traffic stays on 127.0.0.1; everything it starts is stopped at the end.
 */
import { randomUUID } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clock, fixture, type Listening, listenOn, sleep } from "./harness.ts";
import {
  deadLetters,
  freePort,
  HOST,
  pendingDeliveries,
  QUICK_RETRIES,
  type RunningWorker,
  routedSnapshot,
  startWorker,
  webhookId,
} from "./worker.ts";

const EVENTS = Number(process.env.CRASH_EVENTS ?? 300);
const CONCURRENCY = Number(process.env.CRASH_CONCURRENCY ?? 20);
const DEADLINE_SECONDS = Number(process.env.CRASH_DEADLINE_SECONDS ?? 120);
const ROUTE = "default";

const { say } = clock();

// The destination: refuses connections while down (nothing listens), answers 200 when up.
/** webhook-id → 2xx answers given. */
const delivered = new Map<string, number>();
const destinationPort = await freePort();
let destination: Listening | undefined;

async function destinationUp() {
  destination = await listenOn((req, res) => {
    req.resume();
    req.on("end", () => {
      const id = String(req.headers["webhook-id"] ?? "");
      delivered.set(id, (delivered.get(id) ?? 0) + 1);
      res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
    });
  }, destinationPort);
}

async function destinationDown() {
  const server = destination;
  destination = undefined;
  await server?.close();
}

const { work, snapshot } = routedSnapshot("wt-crash-");
const adminToken = randomUUID();
const logFile = process.env.CRASH_LOG ?? join(tmpdir(), "wt-crash-worker.log");
writeFileSync(logFile, "");
const vars: Record<string, string> = {
  TARGET_FORMAT: "dotted",
  DESTINATION_URL: `http://${HOST}:${destinationPort}/hook`,
  ...QUICK_RETRIES,
  DELIVERY_TIMEOUT_MS: "2000",
  ADMIN_TOKEN: adminToken,
};

let current: RunningWorker | undefined;
async function start(state: string): Promise<RunningWorker> {
  current = startWorker({ snapshot, persistTo: state, port: await freePort(), vars, logFile });
  await current.ready();
  return current;
}

const sample = fixture("chatwoot/message-created-incoming");

/** Posts one distinct Chatwoot message; the accepted event ids, or undefined when not acknowledged. */
async function post(base: string, n: number): Promise<string[] | undefined> {
  try {
    const response = await fetch(`${base}/webhooks/chatwoot`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-chatwoot-delivery": randomUUID() },
      body: JSON.stringify({ ...sample, id: 2_000_000 + n, content: `crash test message ${n}` }),
      signal: AbortSignal.timeout(30_000),
    });
    if (response.status !== 202 && response.status !== 200) return undefined;
    return ((await response.json()) as { accepted?: string[] }).accepted ?? [];
  } catch {
    return undefined;
  }
}

interface Scenario {
  name: string;
  signal: NodeJS.Signals;
  /** Kill once this share of the events was acknowledged, while posting goes on. */
  midBurst?: number;
}

interface Result {
  scenario: string;
  acknowledged: number;
  delivered: number;
  deadLetters: number;
  pending: number;
  lost: number;
  duplicatedDeliveries: number;
  secondsToSettle: number;
}

async function run(scenario: Scenario): Promise<Result> {
  say(`--- ${scenario.name}`);
  const state = join(work, `state-${scenario.signal}-${scenario.midBurst ?? "after"}`);
  await destinationDown();
  const first = await start(state);
  say(`worker up on ${first.base}; destination down`);

  const acknowledged = new Set<string>();
  let next = 0;
  let killed: Promise<void> | undefined;
  const kill = () => {
    killed ??= first.stop(scenario.signal);
    return killed;
  };
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < EVENTS && !killed) {
        const ids = await post(first.base, next++);
        if (ids && !killed) for (const id of ids) acknowledged.add(id);
        if (scenario.midBurst && acknowledged.size >= EVENTS * scenario.midBurst) void kill();
      }
    }),
  );
  if (!killed) {
    // Every event acknowledged; let the first attempts fail and retries get scheduled.
    await sleep(5000);
  }
  const posted = next;
  await kill();
  // Only what was acknowledged before the process died counts (an answer read after is ignored).
  const before = new Set(acknowledged);
  say(
    `${scenario.signal} after ${posted} posts: ${before.size} events acknowledged before the crash`,
  );

  await destinationUp();
  const second = await start(state);
  const restartedAt = Date.now();
  const extra = await post(second.base, 1_000_000 + Math.floor(Math.random() * 1_000_000));
  say(
    `restarted on ${second.base}, destination up; one more webhook: ${extra ? "accepted" : "refused"}`,
  );

  let dead = new Set<string>();
  let tally = { delivered: 0, duplicated: 0, deadOnly: 0, outstanding: [...before] };
  let settledAt = Date.now();
  while (Date.now() - restartedAt < DEADLINE_SECONDS * 1000) {
    try {
      dead = (await deadLetters(second.base, adminToken)).ids;
    } catch (error) {
      // A loaded machine may reset a connection: the next round asks again.
      say(`GET /deadletters failed (${String(error)}); asking again`);
      await sleep(3000);
      continue;
    }
    tally = { delivered: 0, duplicated: 0, deadOnly: 0, outstanding: [] };
    for (const id of before) {
      const times = delivered.get(webhookId(id, ROUTE, 0)) ?? 0;
      if (times > 0) {
        tally.delivered++;
        tally.duplicated += times - 1;
      } else if (dead.has(id)) tally.deadOnly++;
      else tally.outstanding.push(id);
    }
    settledAt = Date.now();
    if (tally.outstanding.length === 0) break;
    say(
      `delivered ${tally.delivered}, dead letters ${dead.size}, outstanding ${tally.outstanding.length}`,
    );
    await sleep(3000);
  }
  // Still outstanding when time ran out: held by the outbox (pending) or lost.
  const held =
    tally.outstanding.length > 0
      ? await pendingDeliveries(second.base, adminToken, ROUTE)
      : new Map();
  const lost = tally.outstanding.filter((id) => !held.has(id));
  const pending = tally.outstanding.length - lost.length;
  const result: Result = {
    scenario: scenario.name,
    acknowledged: before.size,
    delivered: tally.delivered,
    deadLetters: tally.deadOnly,
    pending,
    lost: lost.length,
    duplicatedDeliveries: tally.duplicated,
    secondsToSettle: Math.round((settledAt - restartedAt) / 1000),
  };
  say(JSON.stringify(result));
  if (lost.length > 0) {
    console.error(`LOST ${lost.length}, e.g. ${lost.slice(0, 5).join(", ")}`);
    console.error(second.output().slice(-3000));
  }
  if (pending > 0) {
    console.error(
      `TIMED OUT: ${pending} still pending in the outbox after ${DEADLINE_SECONDS} s (not lost); raise CRASH_DEADLINE_SECONDS on a slow machine`,
    );
  }
  await second.stop("SIGTERM");
  current = undefined;
  return result;
}

async function cleanup() {
  await current?.stop("SIGKILL");
  await destinationDown();
  rmSync(work, { recursive: true, force: true });
}
process.on("SIGINT", () => void cleanup().then(() => process.exit(130)));

let exitCode = 1;
try {
  const results: Result[] = [];
  for (const scenario of [
    { name: "SIGKILL after the burst", signal: "SIGKILL" },
    { name: "SIGKILL mid-burst", signal: "SIGKILL", midBurst: 0.4 },
    { name: "SIGTERM after the burst", signal: "SIGTERM" },
  ] satisfies Scenario[]) {
    results.push(await run(scenario));
  }
  console.log("\nCRASH TEST RESULT");
  console.table(results);
  exitCode = results.every((r) => r.lost === 0 && r.pending === 0 && r.acknowledged > 0) ? 0 : 1;
} catch (error) {
  console.error(error);
} finally {
  await cleanup();
}
process.exit(exitCode);
