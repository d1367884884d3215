/**
 * Load-and-fault test (`npm run test:load`; not part of `npm test`).
 *
 * Starts a local destination server and the Worker (`wrangler dev`, local D1 and queues, a fresh
 * --persist-to directory), posts EVENTS distinct Chatwoot webhooks at CONCURRENCY to
 * /webhooks/chatwoot (target: dotted), while the destination
 *   - fails 30% of attempts at random (500, 503, 429 with Retry-After: 1, or a dropped connection),
 *   - sometimes (HANG_RATE) hangs past the delivery timeout, then answers 200 too late,
 *   - goes down entirely (connection refused) for OUTAGE_SECONDS, starting OUTAGE_AT seconds in.
 * Then it waits until every accepted event id is accounted for: delivered at least once (the
 * destination answered 2xx in time to a request carrying the event's `webhook-id`), or a dead
 * letter (`GET /deadletters`). It prints accepted, delivered, duplicated deliveries, dead
 * letters, lost (must be 0) and the time taken; exits 1 if anything is lost. All traffic goes to
 * 127.0.0.1; everything it starts is stopped at the end.
 *
 * Knobs (environment): LOAD_EVENTS (5000), LOAD_CONCURRENCY (50), LOAD_DEADLINE_SECONDS (480).
 *
 * Two more routes take every event, each to its own healthy destination (test/load/gated.ts):
 * `held` is paused for the whole run, then resumed, and must then receive every event (none
 * before); `slow` has `maxPerSecond` and must never receive more within any second.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gatedRoutes, HELD, maxInWindow, RATE, SLOW, startGated } from "./gated.ts";
import {
  buildSnapshot,
  freePort,
  HOST,
  deadLetters as readDeadLetters,
  startWorker,
  webhookId,
} from "./worker.ts";

const EVENTS = Number(process.env.LOAD_EVENTS ?? 5000);
const CONCURRENCY = Number(process.env.LOAD_CONCURRENCY ?? 50);
const DEADLINE_SECONDS = Number(process.env.LOAD_DEADLINE_SECONDS ?? 480);
const FAILURE_RATE = Number(process.env.LOAD_FAILURE_RATE ?? 0.3);
const HANG_RATE = Number(process.env.LOAD_HANG_RATE ?? 0.01);
const TIMEOUT_MS = 2000;
const OUTAGE_AT = 8;
const OUTAGE_SECONDS = Number(process.env.LOAD_OUTAGE_SECONDS ?? 10);
const MAX_ATTEMPTS = 10;
const ROUTE = "default";

const started = Date.now();
const elapsed = () => ((Date.now() - started) / 1000).toFixed(1);
const say = (text: string) => console.log(`[${elapsed()} s] ${text}`);

// ---------------------------------------------------------------------------------------------
// The destination: faults by chance, and an outage window in which its port refuses connections.

const stats = { requests: 0, ok: 0, failed: 0, dropped: 0, hung: 0, refusedWindowRequests: 0 };
/** webhook-id → number of 2xx answers given in time. */
const deliveredTimes = new Map<string, number>();
const sockets = new Set<Socket>();
const hanging = new Set<ServerResponse>();
let down = false;

function handle(req: IncomingMessage, res: ServerResponse) {
  req.resume();
  req.on("end", () => {
    stats.requests++;
    if (down) {
      stats.refusedWindowRequests++;
      req.socket.destroy();
      return;
    }
    const id = String(req.headers["webhook-id"] ?? "");
    const roll = Math.random();
    if (roll < HANG_RATE) {
      stats.hung++;
      hanging.add(res);
      // Answers 200 after the Worker has given up: the Worker must retry (a duplicate, not a loss).
      setTimeout(() => {
        hanging.delete(res);
        if (!res.destroyed) res.writeHead(200).end("too late");
      }, TIMEOUT_MS + 1500);
      return;
    }
    if (roll < HANG_RATE + FAILURE_RATE) {
      stats.failed++;
      const kind = Math.floor(Math.random() * 4);
      if (kind === 0) {
        stats.dropped++;
        req.socket.destroy();
      } else if (kind === 1) res.writeHead(429, { "retry-after": "1" }).end("slow down");
      else res.writeHead(kind === 2 ? 500 : 503).end("failing on purpose");
      return;
    }
    stats.ok++;
    deliveredTimes.set(id, (deliveredTimes.get(id) ?? 0) + 1);
    res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  });
}

function makeServer(): Server {
  const server = createServer(handle);
  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  return server;
}

let destination = makeServer();
const destinationPort = await freePort();
await new Promise<void>((resolve) => destination.listen(destinationPort, HOST, resolve));

async function outage() {
  await new Promise((resolve) => setTimeout(resolve, OUTAGE_AT * 1000));
  say(`destination down (connection refused) for ${OUTAGE_SECONDS} s`);
  down = true;
  await new Promise((resolve) => destination.close(resolve).closeAllConnections());
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => setTimeout(resolve, OUTAGE_SECONDS * 1000));
  destination = makeServer();
  await new Promise<void>((resolve) => destination.listen(destinationPort, HOST, resolve));
  down = false;
  say("destination back up");
}

// ---------------------------------------------------------------------------------------------
// The Worker under `wrangler dev`.

const workerPort = await freePort();
const persist = mkdtempSync(join(tmpdir(), "wt-load-"));

const snapshot = buildSnapshot(persist);
const held = await startGated(HOST);
const slow = await startGated(HOST);
{
  // The gated routes, as a TOML literal string (the JSON needs no escaping).
  const toml = join(snapshot, "wrangler.toml");
  writeFileSync(
    toml,
    readFileSync(toml, "utf8").replace(
      /^\[vars\]$/m,
      `[vars]\nROUTES = '${gatedRoutes(HOST, held, slow)}'`,
    ),
  );
}
const adminToken = randomUUID();
const vars: Record<string, string> = {
  TARGET_FORMAT: "dotted",
  DESTINATION_URL: `http://${HOST}:${destinationPort}/hook`,
  RETRY_BASE_SECONDS: "1",
  RETRY_MAX_SECONDS: "8",
  MAX_ATTEMPTS: String(MAX_ATTEMPTS),
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
  for (const res of hanging) res.destroy();
  for (const socket of sockets) socket.destroy();
  destination.closeAllConnections();
  await new Promise((resolve) => destination.close(resolve));
  for (const gated of [held, slow]) {
    gated.server.closeAllConnections();
    gated.server.close();
  }
  rmSync(persist, { recursive: true, force: true });
}
process.on("SIGINT", () => void stopAll().then(() => process.exit(130)));

const base = worker.base;

// ---------------------------------------------------------------------------------------------
// Load.

const sample = JSON.parse(
  readFileSync(
    new URL("../fixtures/chatwoot/message-created-incoming/source.json", import.meta.url),
    "utf8",
  ),
) as Record<string, unknown>;

/** A distinct Chatwoot message: its own message id, text and delivery id. */
function payload(n: number): string {
  return JSON.stringify({ ...sample, id: 1_000_000 + n, content: `load test message ${n}` });
}

const accepted = new Set<string>();
const ingest = { posted: 0, accepted: 0, duplicates: 0, refused: 0, errors: 0 };

async function post(n: number) {
  for (let attempt = 1; attempt <= 5; attempt++) {
    try {
      const response = await fetch(`${base}/webhooks/chatwoot`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-chatwoot-delivery": randomUUID() },
        body: payload(n),
      });
      const body = (await response.json()) as { accepted?: string[]; duplicates?: string[] };
      if (response.status === 202 || response.status === 200) {
        for (const id of body.accepted ?? []) accepted.add(id);
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
    await new Promise((resolve) => setTimeout(resolve, 200 * attempt));
  }
}

/** Why events became dead letters: the start of each last error, counted. */
const deadReasons = new Map<string, number>();

async function deadLetters(): Promise<Set<string>> {
  const { ids, reasons } = await readDeadLetters(base, adminToken);
  deadReasons.clear();
  for (const [reason, count] of reasons) deadReasons.set(reason, count);
  return ids;
}

function account(dead: Set<string>) {
  let delivered = 0;
  let duplicated = 0;
  let deadOnly = 0;
  const lost: string[] = [];
  for (const id of accepted) {
    const times = deliveredTimes.get(webhookId(id, ROUTE, 0)) ?? 0;
    if (times > 0) {
      delivered++;
      duplicated += times - 1;
    } else if (dead.has(id)) deadOnly++;
    else lost.push(id);
  }
  return { delivered, duplicated, deadOnly, lost };
}

let exitCode = 1;
try {
  say(`destination on ${HOST}:${destinationPort}; starting wrangler dev on ${HOST}:${workerPort}`);
  await worker.ready();
  say("worker ready");
  const pause = await fetch(`${base}/routes/${HELD}/pause`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}` },
  });
  if (!pause.ok) throw new Error(`pausing ${HELD}: ${pause.status} ${await pause.text()}`);
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
    `posted ${EVENTS} webhooks in ${ingestSeconds.toFixed(1)} s (${Math.round(EVENTS / ingestSeconds)}/s): accepted ${accepted.size}`,
  );
  await down;

  const deadline = started + DEADLINE_SECONDS * 1000;
  let dead = new Set<string>();
  let tally = account(dead);
  while (Date.now() < deadline) {
    dead = await deadLetters();
    tally = account(dead);
    say(
      `delivered ${tally.delivered}, dead letters ${dead.size}, outstanding ${tally.lost.length} (destination: ${stats.requests} requests, ${stats.ok} ok, ${stats.failed} failed, ${stats.hung} hung)`,
    );
    if (deadReasons.size > 0)
      say(`dead letters by reason: ${JSON.stringify(Object.fromEntries(deadReasons))}`);
    if (tally.lost.length === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }

  // The paused route: nothing while paused; after resume, every accepted event.
  const heldBeforeResume = held.arrivals.length;
  const resume = await fetch(`${base}/routes/${HELD}/resume`, {
    method: "POST",
    headers: { authorization: `Bearer ${adminToken}` },
  });
  const resumedAt = Date.now();
  say(`route ${HELD} resumed: ${JSON.stringify(await resume.json())}`);
  const missing = (gated: typeof held, route: string) =>
    [...accepted].filter((id) => !gated.delivered.has(webhookId(id, route, 0)));
  while (Date.now() < deadline + 120_000) {
    const heldMissing = missing(held, HELD).length;
    const slowMissing = missing(slow, SLOW).length;
    say(
      `${HELD}: ${accepted.size - heldMissing} delivered; ${SLOW}: ${accepted.size - slowMissing} delivered`,
    );
    if (heldMissing === 0 && slowMissing === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 5000));
  }
  const gated = {
    held: {
      whilePaused: heldBeforeResume,
      delivered: accepted.size - missing(held, HELD).length,
      lost: missing(held, HELD).length,
      duplicated: held.arrivals.length - (accepted.size - missing(held, HELD).length),
      secondsAfterResume: Math.round(((held.arrivals.at(-1) ?? resumedAt) - resumedAt) / 1000),
    },
    slow: {
      maxPerSecond: RATE,
      delivered: accepted.size - missing(slow, SLOW).length,
      lost: missing(slow, SLOW).length,
      mostInAnySecond: maxInWindow(slow.arrivals),
      averagePerSecond: Number(
        (
          slow.arrivals.length /
          Math.max(1, ((slow.arrivals.at(-1) ?? 0) - (slow.arrivals[0] ?? 0)) / 1000)
        ).toFixed(1),
      ),
    },
  };
  console.log(`\nGATED ROUTES ${JSON.stringify(gated)}`);
  const gatedOk =
    gated.held.whilePaused === 0 &&
    gated.held.lost === 0 &&
    gated.slow.lost === 0 &&
    gated.slow.mostInAnySecond <= RATE;

  const seconds = (Date.now() - started) / 1000;
  const summary = {
    posted: EVENTS,
    concurrency: CONCURRENCY,
    accepted: accepted.size,
    ingestRefusedOrRetried: ingest.refused + ingest.errors,
    delivered: tally.delivered,
    duplicatedDeliveries: tally.duplicated,
    deadLetters: dead.size,
    deadLettersNeverDelivered: tally.deadOnly,
    lost: tally.lost.length,
    seconds: Math.round(seconds),
    destination: stats,
  };
  console.log("\nLOAD TEST RESULT");
  console.table({
    accepted: summary.accepted,
    delivered: summary.delivered,
    "duplicated deliveries": summary.duplicatedDeliveries,
    "dead letters": summary.deadLetters,
    lost: summary.lost,
    "time (s)": summary.seconds,
  });
  console.log(JSON.stringify(summary));
  if (tally.lost.length > 0) {
    console.error(`LOST ${tally.lost.length} events, e.g. ${tally.lost.slice(0, 5).join(", ")}`);
    console.error(worker.output().slice(-3000));
  }
  exitCode = tally.lost.length === 0 && accepted.size > 0 && gatedOk ? 0 : 1;
} catch (error) {
  console.error(error);
} finally {
  await stopAll();
}
process.exit(exitCode);
