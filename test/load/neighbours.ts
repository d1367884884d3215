/**
 * Neighbours load test (`npm run test:neighbours`, also run by `npm run test:load`; not part of
 * `npm test`): one bad destination must not slow the others (issue 26).
 *
 * `wrangler dev` (local D1, queues, Durable Objects; a fresh state directory) with three routes,
 * each to its own destination on 127.0.0.1: `healthy` (every Chatwoot, Hoory and OneHash event),
 * `twin` (Hoory events; healthy too) and `hanging` (OneHash events; its destination accepts the
 * connection and never answers, `timeoutSeconds: 2`, the breaker's defaults). Three phases of
 * NEIGHBOUR_EVENTS (150) events each, one after the other:
 *   1. Chatwoot events: `healthy` alone;
 *   2. Hoory events: `healthy` beside a healthy neighbour;
 *   3. OneHash events: `healthy` beside the hanging neighbour.
 * A phase's throughput is its events over the time from its first post to the 150th delivery on
 * `healthy`. Phase 3 must keep at least 80% of phase 2's. Then the hanging destination recovers
 * (answers 200) and every event of `hanging` must be delivered or dead-lettered within
 * RECOVERY_DEADLINE_SECONDS (300; the breaker's cool-down doubles after each failed probe, up to
 * 5 minutes); no event of any route may be lost or delivered twice.
 *
 * Then the consumer's concurrency: the Worker again (fresh state) with one route to a destination
 * that takes 200 ms per request, CONCURRENCY_EVENTS (60) events, once with
 * `DELIVERY_CONCURRENCY=1` and once with 6; deliveries per second from the first post to the last
 * delivery. Locally the queue hands the consumer one batch at a time, so this is one consumer.
 * The 6-lane run must be faster.
 *
 * Prints every number as JSON; exits 1 on a failed check. All traffic stays on 127.0.0.1;
 * everything it starts is stopped at the end.
 */
import { randomUUID } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  checkAndExit,
  clock,
  fixture,
  listenOn,
  postUntilAccepted,
  readBody,
  sleep,
} from "./harness.ts";
import {
  deadLetters,
  freePort,
  HOST,
  QUICK_RETRIES,
  routedSnapshot,
  startWorker,
} from "./worker.ts";

const EVENTS = Number(process.env.NEIGHBOUR_EVENTS ?? 150);
const POST_CONCURRENCY = Number(process.env.NEIGHBOUR_POST_CONCURRENCY ?? 10);
const PHASE_DEADLINE_SECONDS = Number(process.env.NEIGHBOUR_PHASE_DEADLINE_SECONDS ?? 240);
const RECOVERY_DEADLINE_SECONDS = Number(process.env.RECOVERY_DEADLINE_SECONDS ?? 300);
const CONCURRENCY_EVENTS = Number(process.env.CONCURRENCY_EVENTS ?? 60);
const SLOW_MS = 200;
/** Phase 3 keeps at least this share of phase 2's throughput (issue 26). */
const KEEP = 0.8;

const { say } = clock();

// ---------------------------------------------------------------------------------------------
// The destinations: one server, a path per route. A request is recorded by the marker in its
// content (`[n-<phase>-<index>]`) with the time it arrived and the answer given.

interface Arrival {
  marker: string;
  at: number;
  status: number;
}
const arrivals = new Map<string, Arrival[]>();
let hangingUp = false;
const stalled = new Set<ServerResponse>();

async function handle(req: IncomingMessage, res: ServerResponse) {
  const body = await readBody(req);
  const path = req.url ?? "/";
  const marker = body.match(/\[n-\d+-\d+\]/)?.[0] ?? "";
  const record = (status: number) => {
    const list = arrivals.get(path) ?? [];
    list.push({ marker, at: Date.now(), status });
    arrivals.set(path, list);
  };
  if (path === "/hanging" && !hangingUp) {
    record(0);
    stalled.add(res);
    res.on("close", () => stalled.delete(res));
    return;
  }
  const answer = () => {
    record(200);
    res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  };
  if (path === "/slow") setTimeout(answer, SLOW_MS);
  else answer();
}

const destination = await listenOn(handle);
const { url } = destination;

/** Markers answered 2xx on `path`, and how many times each. */
function delivered(path: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const each of arrivals.get(path) ?? []) {
    if (each.status === 200) counts.set(each.marker, (counts.get(each.marker) ?? 0) + 1);
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// The Worker: one snapshot, its ROUTES rewritten before each start.

const { work, snapshot, setRoutes } = routedSnapshot("wt-neighbours-");
const adminToken = randomUUID();
const logFile = process.env.NEIGHBOUR_LOG ?? join(tmpdir(), "wt-neighbours-worker.log");
writeFileSync(logFile, "");
const running: Array<ReturnType<typeof startWorker>> = [];

async function start(state: string, routes: unknown[], vars: Record<string, string> = {}) {
  setRoutes(routes);
  const worker = startWorker({
    snapshot,
    persistTo: join(work, state),
    port: await freePort(),
    vars: { ...QUICK_RETRIES, ADMIN_TOKEN: adminToken, ...vars },
    logFile,
  });
  running.push(worker);
  await worker.ready();
  return worker;
}

async function stopAll() {
  for (const worker of running) await worker.stop("SIGTERM");
  for (const res of stalled) res.destroy();
  await destination.close();
  rmSync(work, { recursive: true, force: true });
}
process.on("SIGINT", () => void stopAll().then(() => process.exit(130)));

// ---------------------------------------------------------------------------------------------
// Posting: distinct Chatwoot-family messages, POST_CONCURRENCY at a time.

const sample = fixture("chatwoot/message-created-incoming");

/** Event id → marker, for the dead letters. */
const markers = new Map<string, string>();

async function postOne(base: string, source: string, phase: number, index: number) {
  const marker = `[n-${phase}-${index}]`;
  const body = JSON.stringify({
    ...sample,
    id: phase * 100_000 + index,
    content: `${marker} neighbours load test`,
  });
  for (const id of await postUntilAccepted(`${base}/webhooks/${source}`, body, marker)) {
    markers.set(id, marker);
  }
}

async function postAll(base: string, source: string, phase: number, count: number) {
  let next = 0;
  await Promise.all(
    Array.from({ length: POST_CONCURRENCY }, async () => {
      while (next < count) await postOne(base, source, phase, next++);
    }),
  );
}

/** Polls until `done` or the deadline; false when the deadline passed. */
async function until(deadline: number, done: () => boolean | Promise<boolean>, every = 250) {
  while (Date.now() < deadline) {
    if (await done()) return true;
    await sleep(every);
  }
  return done();
}

const ofPhase = (counts: Map<string, number>, phase: number) =>
  [...counts].filter(([marker]) => marker.startsWith(`[n-${phase}-`));

const failures: string[] = [];
const results: Record<string, unknown> = {};

// ---------------------------------------------------------------------------------------------
// 1-3. Neighbours.

async function neighbours() {
  const worker = await start("neighbours", [
    {
      name: "healthy",
      sources: ["chatwoot", "hoory", "onehash"],
      target: "dotted",
      url: url("/healthy"),
    },
    { name: "twin", sources: ["hoory"], target: "dotted", url: url("/twin") },
    {
      name: "hanging",
      sources: ["onehash"],
      target: "dotted",
      url: url("/hanging"),
      timeoutSeconds: 2,
    },
  ]);
  const phases = [
    { phase: 1, source: "chatwoot", beside: undefined },
    { phase: 2, source: "hoory", beside: "/twin" },
    { phase: 3, source: "onehash", beside: "/hanging" },
  ];
  const throughput: Record<string, number> = {};
  for (const { phase, source, beside } of phases) {
    const from = Date.now();
    await postAll(worker.base, source, phase, EVENTS);
    const posted = (Date.now() - from) / 1000;
    const deadline = Date.now() + PHASE_DEADLINE_SECONDS * 1000;
    const all = await until(deadline, () => ofPhase(delivered("/healthy"), phase).length >= EVENTS);
    const times = (arrivals.get("/healthy") ?? [])
      .filter((each) => each.status === 200 && each.marker.startsWith(`[n-${phase}-`))
      .map((each) => each.at);
    const last = times[Math.min(EVENTS, times.length) - 1] ?? Date.now();
    throughput[`phase${phase}`] = Number((EVENTS / ((last - from) / 1000)).toFixed(1));
    say(
      `phase ${phase} (${source}${beside ? `, beside ${beside.slice(1)}` : ", alone"}): posted in ${posted.toFixed(1)} s; healthy ${throughput[`phase${phase}`]} events/s`,
    );
    if (!all) failures.push(`phase ${phase}: healthy did not get its ${EVENTS} events in time`);
    // The healthy neighbour's own work must be over before the next phase starts.
    if (beside === "/twin") {
      await until(deadline, () => ofPhase(delivered("/twin"), phase).length >= EVENTS);
    }
  }
  const ratio = Number(((throughput.phase3 ?? 0) / (throughput.phase2 ?? 1)).toFixed(2));
  say(`healthy beside the hanging route keeps ${Math.round(ratio * 100)}% of its throughput`);
  if (ratio < KEEP) failures.push(`phase 3 kept ${ratio} of phase 2's throughput (< ${KEEP})`);

  // The hanging destination recovers: each of its events delivered (or dead-lettered).
  const routes = (await (
    await fetch(`${worker.base}/routes`, { headers: { authorization: `Bearer ${adminToken}` } })
  ).json()) as { routes: Array<{ name: string; held: number; circuit: unknown }> };
  const before = routes.routes.find((route) => route.name === "hanging");
  say(`hanging route before recovery: ${JSON.stringify(before)}`);
  hangingUp = true;
  for (const res of stalled) res.destroy();
  const recoveredAt = Date.now();
  let dead = new Set<string>();
  const settled = await until(
    recoveredAt + RECOVERY_DEADLINE_SECONDS * 1000,
    async () => {
      await fetch(`${worker.base}/health`).catch(() => undefined); // starts the outbox sweep
      const { byRoute } = await deadLetters(worker.base, adminToken);
      dead = new Set([...(byRoute.get("hanging") ?? [])].map((id) => markers.get(id) ?? id));
      const done = delivered("/hanging");
      const outstanding = Array.from({ length: EVENTS }, (_, i) => `[n-3-${i}]`).filter(
        (marker) => !done.has(marker) && !dead.has(marker),
      );
      return outstanding.length === 0;
    },
    5000,
  );
  const hanging = delivered("/hanging");
  const recovery = {
    delivered: ofPhase(hanging, 3).length,
    deadLetters: dead.size,
    secondsAfterRecovery: Math.round((Date.now() - recoveredAt) / 1000),
    attemptsWhileDown: (arrivals.get("/hanging") ?? []).filter((each) => each.status === 0).length,
  };
  say(`hanging route after recovery: ${JSON.stringify(recovery)}`);
  if (!settled) failures.push(`hanging: not every event delivered or dead-lettered in time`);

  // Nothing lost, nothing twice, on every route.
  const checks = { healthy: [1, 2, 3], twin: [2], hanging: [3] } as const;
  const lost: Record<string, number> = {};
  const twice: Record<string, number> = {};
  for (const [route, phaseList] of Object.entries(checks)) {
    const counts = delivered(`/${route}`);
    for (const phase of phaseList) {
      for (let i = 0; i < EVENTS; i++) {
        const marker = `[n-${phase}-${i}]`;
        const times = counts.get(marker) ?? 0;
        if (times === 0 && !(route === "hanging" && dead.has(marker))) {
          lost[route] = (lost[route] ?? 0) + 1;
        }
        if (times > 1) twice[route] = (twice[route] ?? 0) + times - 1;
      }
    }
  }
  if (Object.keys(lost).length > 0) failures.push(`lost: ${JSON.stringify(lost)}`);
  results.neighbours = {
    events: EVENTS,
    eventsPerSecond: throughput,
    phase3OverPhase2: ratio,
    hangingRoute: { beforeRecovery: before, ...recovery },
    lost,
    deliveredTwice: twice,
  };
  await worker.stop("SIGTERM");
}

// ---------------------------------------------------------------------------------------------
// 4. The consumer's lanes: 1 against 6, to a destination taking 200 ms per request.

async function lanes(concurrency: number): Promise<number> {
  const phase = 10 + concurrency;
  const worker = await start(
    `lanes-${concurrency}`,
    [{ name: "slow", sources: ["chatwoot"], target: "dotted", url: url("/slow") }],
    { DELIVERY_CONCURRENCY: String(concurrency) },
  );
  const from = Date.now();
  await postAll(worker.base, "chatwoot", phase, CONCURRENCY_EVENTS);
  const all = await until(
    Date.now() + PHASE_DEADLINE_SECONDS * 1000,
    () => ofPhase(delivered("/slow"), phase).length >= CONCURRENCY_EVENTS,
  );
  if (!all) failures.push(`lanes ${concurrency}: not every event delivered in time`);
  const last = Math.max(
    ...(arrivals.get("/slow") ?? [])
      .filter((each) => each.marker.startsWith(`[n-${phase}-`))
      .map((each) => each.at + SLOW_MS),
  );
  await worker.stop("SIGTERM");
  const rate = Number((CONCURRENCY_EVENTS / ((last - from) / 1000)).toFixed(1));
  say(`${concurrency} lane(s), ${SLOW_MS} ms per request: ${rate} events/s`);
  return rate;
}

await checkAndExit(
  async () => {
    say(`destinations on ${HOST}:${destination.port}`);
    await neighbours();
    const one = await lanes(1);
    const six = await lanes(6);
    results.lanes = {
      destinationMs: SLOW_MS,
      events: CONCURRENCY_EVENTS,
      eventsPerSecond: { "1": one, "6": six },
      ratio: Number((six / one).toFixed(2)),
    };
    if (six <= one) failures.push(`6 lanes (${six}/s) not faster than 1 (${one}/s)`);
  },
  {
    say,
    results,
    failures,
    passed: "neighbours: the healthy route kept its pace beside a hanging one; nothing lost",
    logFile,
    stop: stopAll,
  },
);
