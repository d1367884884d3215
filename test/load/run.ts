/**
 * Load-and-fault test (`npm run test:load`; not part of `npm test`).
 *
 * Starts a local destination server and the Worker (`wrangler dev`, local D1 and queues, a fresh
 * --persist-to directory), posts EVENTS distinct Chat-platform webhooks at CONCURRENCY, while the
 * destination of route `default` (target: dotted; test/load/destination.ts)
 *   - fails 30% of attempts at random (500, 503, 429 with Retry-After: 1, or a dropped connection),
 *   - sometimes (HANG_RATE) hangs past the delivery timeout, then answers 200 too late,
 *   - goes down entirely (connection refused) for OUTAGE_SECONDS, starting OUTAGE_AT seconds in.
 * Then it waits until every accepted event is accounted for on `default`: delivered at least once
 * (the destination answered 2xx in time to a request carrying the event's `webhook-id`), or a
 * dead letter (`GET /deadletters`).
 *
 * Two more routes (test/load/gated.ts), each with its own healthy destination, take every
 * GATED_EVERY-th event (those posted as Hoory, the others as Chatwoot, to `default` alike):
 * `held` is paused for the whole run, then resumed, and must then receive each of its events
 * (none before); `slow` has `maxPerSecond` and must never receive more within any second.
 *
 * When time runs out, whatever is not yet accounted for is looked up in the outbox (GET /events by
 * route and status): **pending** (accepted, still queued, retrying or paused: it will be
 * delivered or dead-lettered, the run was just too short) or **lost** (no delivery, no dead
 * letter, and nothing pending that would deliver it). It prints accepted, delivered, duplicated
 * deliveries, dead letters, pending, lost and the time taken, and exits 1 unless everything was
 * accounted for (lost is a broken promise; pending, a deadline too short for this machine).
 * All traffic goes to 127.0.0.1; everything it starts is stopped at the end.
 *
 * Why it takes minutes: locally the queue hands the consumer one batch at a time (its messages
 * in up to 6 lanes), every message costs a few Durable Object calls (the shard's read and write,
 * the route's gate), and a 2-core machine runs the Worker, the destination and this script at
 * once; fewer while webhooks are still being posted. A deployed queue runs many batches at once.
 *
 * Knobs (environment): LOAD_EVENTS (5000), LOAD_CONCURRENCY (50), LOAD_DEADLINE_SECONDS (1500),
 * LOAD_FAILURE_RATE (0.3), LOAD_HANG_RATE (0.002), LOAD_OUTAGE_SECONDS (10), LOAD_GATED_EVERY (5),
 * LOAD_RATE (the slow route's maxPerSecond, 50), LOAD_LOG (wrangler's output, default
 * /tmp/wt-load-worker.log).
 */
import { randomUUID } from "node:crypto";
import { rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFaulty } from "./destination.ts";
import { gatedRoutes, HELD, maxInWindow, RATE, SLOW, startGated } from "./gated.ts";
import { clock, fixture, sleep } from "./harness.ts";
import {
  freePort,
  HOST,
  pendingDeliveries,
  QUICK_RETRIES,
  deadLetters as readDeadLetters,
  routedSnapshot,
  startWorker,
  webhookId,
} from "./worker.ts";

const EVENTS = Number(process.env.LOAD_EVENTS ?? 5000);
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 50);
const DEADLINE_SECONDS = Number(process.env.LOAD_DEADLINE_SECONDS ?? 1500);
const FAILURE_RATE = Number(process.env.LOAD_FAILURE_RATE ?? 0.3);
const HANG_RATE = Number(process.env.LOAD_HANG_RATE ?? 0.002);
const GATED_EVERY = Math.max(1, Number(process.env.LOAD_GATED_EVERY ?? 5));
const TIMEOUT_MS = 2000;
const OUTAGE_AT = 8;
const OUTAGE_SECONDS = Number(process.env.LOAD_OUTAGE_SECONDS ?? 10);
const ROUTE = "default";

const { started, say } = clock();

const destinationPort = await freePort();
const destination = await startFaulty({
  port: destinationPort,
  failureRate: FAILURE_RATE,
  hangRate: HANG_RATE,
  hangMs: TIMEOUT_MS + 1500,
});
const stats = destination.stats;

async function outage() {
  await sleep(OUTAGE_AT * 1000);
  say(`destination down (connection refused) for ${OUTAGE_SECONDS} s`);
  await destination.outage(OUTAGE_SECONDS);
  say("destination back up");
}

// ---------------------------------------------------------------------------------------------
// The Worker under `wrangler dev`.

const workerPort = await freePort();
const { work: persist, snapshot, setRoutes } = routedSnapshot("wt-load-");
const held = await startGated();
const slow = await startGated();
setRoutes(gatedRoutes(held, slow));
const adminToken = randomUUID();
const vars: Record<string, string> = {
  TARGET_FORMAT: "dotted",
  DESTINATION_URL: `http://${HOST}:${destinationPort}/hook`,
  ...QUICK_RETRIES,
  DELIVERY_TIMEOUT_MS: String(TIMEOUT_MS),
  ADMIN_TOKEN: adminToken,
};
/** wrangler's own output, kept for a look afterwards (LOAD_LOG, default /tmp/wt-load-worker.log). */
const logFile = process.env.LOAD_LOG ?? join(tmpdir(), "wt-load-worker.log");
writeFileSync(logFile, "");
const worker = startWorker({
  snapshot,
  persistTo: join(persist, "state"),
  port: workerPort,
  vars,
  logFile,
});

let stopped = false;
async function stopAll() {
  if (stopped) return;
  stopped = true;
  await worker.stop("SIGTERM");
  await destination.close();
  for (const gated of [held, slow]) await gated.close();
  rmSync(persist, { recursive: true, force: true });
}
process.on("SIGINT", () => void stopAll().then(() => process.exit(130)));

const base = worker.base;

// ---------------------------------------------------------------------------------------------
// Load.

const samples = {
  chatwoot: fixture("chatwoot/message-created-incoming"),
  hoory: fixture("hoory/message-created"),
};

/** Every GATED_EVERY-th event is posted as Hoory (the gated routes take only Hoory). */
const sourceOf = (n: number) => (n % GATED_EVERY === 0 ? "hoory" : "chatwoot");

/** A distinct message: its own message id, text and delivery id. */
function payload(n: number): string {
  return JSON.stringify({
    ...samples[sourceOf(n)],
    id: 1_000_000 + n,
    content: `load test message ${n}`,
  });
}

const accepted = new Set<string>();
/** The accepted events the gated routes take. */
const gatedAccepted = new Set<string>();
const ingest = { posted: 0, accepted: 0, duplicates: 0, refused: 0, errors: 0 };

async function post(n: number) {
  const source = sourceOf(n);
  for (let attempt = 1; attempt <= 5; attempt++) {
    try {
      const response = await fetch(`${base}/webhooks/${source}`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-chatwoot-delivery": randomUUID() },
        body: payload(n),
      });
      const body = (await response.json()) as { accepted?: string[]; duplicates?: string[] };
      if (response.status === 202 || response.status === 200) {
        for (const id of body.accepted ?? []) {
          accepted.add(id);
          if (source === "hoory") gatedAccepted.add(id);
        }
        ingest.accepted += body.accepted?.length ?? 0;
        ingest.duplicates += body.duplicates?.length ?? 0;
        return;
      }
      ingest.refused++;
      if (response.status < 500) return; // a 4xx is final: nothing was accepted
    } catch {
      ingest.errors++;
    }
    // The sender's retry on a 5xx or a network error, as a platform would.
    await sleep(200 * attempt);
  }
}

/** Why events became dead letters: the start of each last error, counted. */
const deadReasons = new Map<string, number>();

/** The events dead-lettered on `route`. */
async function deadLetters(route: string): Promise<Set<string>> {
  const { byRoute, reasons } = await readDeadLetters(base, adminToken);
  deadReasons.clear();
  for (const [reason, count] of reasons) deadReasons.set(reason, count);
  return byRoute.get(route) ?? new Set();
}

/** Where each of `events` stands on `route`: delivered (times seen), dead, or outstanding. */
function account(
  events: Iterable<string>,
  route: string,
  seen: Map<string, number>,
  dead: Set<string>,
) {
  let delivered = 0;
  let duplicated = 0;
  let deadOnly = 0;
  const outstanding: string[] = [];
  for (const id of events) {
    const times = seen.get(webhookId(id, route, 0)) ?? 0;
    if (times > 0) {
      delivered++;
      duplicated += times - 1;
    } else if (dead.has(id)) deadOnly++;
    else outstanding.push(id);
  }
  return { delivered, duplicated, deadOnly, outstanding };
}

/**
 * Where each of `events` stands on `route` at the end: delivered, dead, and of the rest, pending
 * (the outbox still holds the delivery, queued, retrying or paused: it will be delivered or
 * dead-lettered) or lost. The outbox is read first and the destination's count after, so that a
 * delivery made in between counts as delivered, never as lost.
 */
async function finalAccount(events: Set<string>, route: string, seen: Map<string, number>) {
  const held = await pendingDeliveries(base, adminToken, route);
  const dead = await deadLetters(route);
  const tally = account(events, route, seen, dead);
  const byStatus: Record<string, number> = {};
  const lost: string[] = [];
  for (const id of tally.outstanding) {
    const status = held.get(id);
    if (status === undefined) lost.push(id);
    else byStatus[status] = (byStatus[status] ?? 0) + 1;
  }
  return { ...tally, pending: tally.outstanding.length - lost.length, lost, byStatus, dead };
}

/** Waits (polling every 5 s) until `check` says nothing is outstanding, or until `deadline`. */
async function settle(deadline: number, check: () => Promise<number>): Promise<void> {
  while (Date.now() < deadline) {
    if ((await check()) === 0) return;
    await sleep(5000);
  }
}

let exitCode = 1;
try {
  say(`destination on ${HOST}:${destinationPort}; starting wrangler dev on ${HOST}:${workerPort}`);
  await worker.ready();
  say("worker ready");
  const pauseHeld = await fetch(`${base}/routes/${HELD}/pause`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}` },
  });
  if (!pauseHeld.ok)
    throw new Error(`pausing ${HELD}: ${pauseHeld.status} ${await pauseHeld.text()}`);
  say(`route ${HELD} paused`);
  const ingestStarted = Date.now();
  const down = outage();
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < EVENTS) await post(next++);
    }),
  );
  const ingestSeconds = (Date.now() - ingestStarted) / 1000;
  say(
    `posted ${EVENTS} webhooks in ${ingestSeconds.toFixed(1)} s (${Math.round(EVENTS / ingestSeconds)}/s): accepted ${accepted.size} (${gatedAccepted.size} also to ${HELD} and ${SLOW})`,
  );
  await down;

  // Route `default`: every accepted event delivered or dead-lettered.
  const deadline = started + DEADLINE_SECONDS * 1000;
  let dead = new Set<string>();
  let tally = account(accepted, ROUTE, destination.delivered, dead);
  let lastDelivered = 0;
  let lastAt = Date.now();
  await settle(deadline, async () => {
    dead = await deadLetters(ROUTE);
    tally = account(accepted, ROUTE, destination.delivered, dead);
    const rate = (tally.delivered - lastDelivered) / ((Date.now() - lastAt) / 1000);
    lastDelivered = tally.delivered;
    lastAt = Date.now();
    say(
      `${ROUTE}: delivered ${tally.delivered} (${rate.toFixed(1)}/s), dead letters ${dead.size}, outstanding ${tally.outstanding.length}; ${SLOW}: ${slow.arrivals.length} (destination: ${stats.requests} requests, ${stats.ok} ok, ${stats.failed} failed, ${stats.hung} hung)`,
    );
    if (deadReasons.size > 0)
      say(`dead letters by reason: ${JSON.stringify(Object.fromEntries(deadReasons))}`);
    return tally.outstanding.length;
  });
  const defaultSettledAt = Date.now();

  // The paused route: nothing while paused; after resume, each of its events. The slow route:
  // each of its events, never more in any second than its limit.
  const heldBeforeResume = held.arrivals.length;
  const resume = await fetch(`${base}/routes/${HELD}/resume`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}` },
  });
  const resumedAt = Date.now();
  say(`route ${HELD} resumed: ${JSON.stringify(await resume.json())}`);
  await settle(Math.max(deadline, resumedAt + 60_000), async () => {
    const heldTally = account(gatedAccepted, HELD, held.delivered, await deadLetters(HELD));
    const slowTally = account(gatedAccepted, SLOW, slow.delivered, await deadLetters(SLOW));
    say(
      `${HELD}: ${heldTally.delivered} of ${gatedAccepted.size} delivered; ${SLOW}: ${slowTally.delivered}`,
    );
    return heldTally.outstanding.length + slowTally.outstanding.length;
  });

  // Whatever is still outstanding: pending in the outbox, or lost.
  const onDefault = await finalAccount(accepted, ROUTE, destination.delivered);
  const onHeld = await finalAccount(gatedAccepted, HELD, held.delivered);
  const onSlow = await finalAccount(gatedAccepted, SLOW, slow.delivered);
  const gated = {
    held: {
      events: gatedAccepted.size,
      whilePaused: heldBeforeResume,
      delivered: onHeld.delivered,
      duplicated: onHeld.duplicated,
      pending: onHeld.pending,
      lost: onHeld.lost.length,
      secondsAfterResume: Math.round(((held.arrivals.at(-1) ?? resumedAt) - resumedAt) / 1000),
    },
    slow: {
      events: gatedAccepted.size,
      maxPerSecond: RATE,
      mostInAnySecond: maxInWindow(slow.arrivals),
      delivered: onSlow.delivered,
      duplicated: onSlow.duplicated,
      pending: onSlow.pending,
      lost: onSlow.lost.length,
      averagePerSecond: Number(
        (
          slow.arrivals.length /
          Math.max(1, ((slow.arrivals.at(-1) ?? 0) - (slow.arrivals[0] ?? 0)) / 1000)
        ).toFixed(1),
      ),
    },
  };
  console.log(`\nGATED ROUTES ${JSON.stringify(gated)}`);

  const seconds = (Date.now() - started) / 1000;
  const summary = {
    posted: EVENTS,
    concurrency: CONCURRENCY,
    accepted: accepted.size,
    ingestRefusedOrRetried: ingest.refused + ingest.errors,
    delivered: onDefault.delivered,
    duplicatedDeliveries: onDefault.duplicated,
    deadLetters: onDefault.dead.size,
    deadLettersNeverDelivered: onDefault.deadOnly,
    pending: onDefault.pending,
    pendingByStatus: onDefault.byStatus,
    lost: onDefault.lost.length,
    secondsUntilDefaultSettled: Math.round((defaultSettledAt - started) / 1000),
    seconds: Math.round(seconds),
    destination: stats,
  };
  console.log("\nLOAD TEST RESULT");
  console.table({
    accepted: summary.accepted,
    delivered: summary.delivered,
    "duplicated deliveries": summary.duplicatedDeliveries,
    "dead letters": summary.deadLetters,
    "pending (not settled in time)": summary.pending,
    lost: summary.lost,
    "time (s)": summary.seconds,
  });
  console.log(JSON.stringify(summary));
  const lost = [...onDefault.lost, ...onHeld.lost, ...onSlow.lost];
  const pending = onDefault.pending + onHeld.pending + onSlow.pending;
  if (lost.length > 0) {
    console.error(`LOST ${lost.length} deliveries, e.g. events ${lost.slice(0, 5).join(", ")}`);
    console.error(worker.output().slice(-3000));
  }
  if (pending > 0) {
    console.error(
      `TIMED OUT: ${pending} deliveries still pending in the outbox after ${DEADLINE_SECONDS} s (not lost: they would still be delivered or dead-lettered); raise LOAD_DEADLINE_SECONDS on a slow machine`,
    );
  }
  const gatedOk = gated.held.whilePaused === 0 && gated.slow.mostInAnySecond <= RATE;
  if (!gatedOk) console.error(`GATED ROUTES broke a rule: ${JSON.stringify(gated)}`);
  exitCode = lost.length === 0 && pending === 0 && accepted.size > 0 && gatedOk ? 0 : 1;
} catch (error) {
  console.error(error);
} finally {
  await stopAll();
}
process.exit(exitCode);
