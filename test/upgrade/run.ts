/**
 * Upgrade test (`npm run test:upgrade`, run by .ci/run; not part of `npm test`): a deployment
 * running the D1 store upgrades in place and loses nothing (issue 22, docs/store.md "Upgrade from
 * the D1 schema").
 *
 * 1. The version before the sharded store (UPGRADE_FROM, default b772e59: everything in D1) is
 *    taken from git history (old-version.ts) and started with `npm start -- --persist-to
 *    <state>`; the destination is down (it drops every connection). Three routes: `default` (every source,
 *    plain), `held` (Chatwoot only; paused before anything is sent) and `line` (Hoory only,
 *    ordered). Chatwoot, Telegram and Hoory events are posted (Hoory's in conversations, one
 *    message after the other); the ids it accepts are kept. Its first attempts fail and retries
 *    are scheduled; then it stops.
 * 2. This tree starts on the same state with the destination up; `held` is resumed.
 * 3. Within UPGRADE_DEADLINE_SECONDS (240) every (event, route) accepted by the old version must
 *    reach the destination (a 2xx to a POST with its `webhook-id`), each exactly once, and each
 *    Hoory conversation in the order posted; an old Chatwoot and an old Telegram event posted
 *    again must be answered as repeats naming their old ids; a new event is delivered too.
 * Prints what it counted; exits 1 on a loss, a duplicate, disorder or a repeat not recognised.
 * Without the old commit in this clone (a shallow clone) it says so loudly and skips (exit 0;
 * UPGRADE_REQUIRED=1 makes that a failure). All traffic stays on 127.0.0.1; everything it starts
 * is stopped at the end.
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { webhookId } from "../load/worker.ts";
import { startWorker, type Worker } from "../local-worker.ts";
import { checkoutOld, hasCommit, ROOT } from "./old-version.ts";

const FROM = process.env.UPGRADE_FROM ?? "b772e59";
const DEADLINE_SECONDS = Number(process.env.UPGRADE_DEADLINE_SECONDS ?? 240);
const CHATWOOT = 12;
const TELEGRAM = 8;
const CONVERSATIONS = 3;
const PER_CONVERSATION = 4;

const started = Date.now();
const say = (text: string) =>
  console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${text}`);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

if (!hasCommit(FROM)) {
  const message = `UPGRADE TEST SKIPPED: commit ${FROM} (the D1-store version) is not in this clone's history (a shallow clone?). Fetch it (git fetch --unshallow) to run it.`;
  console.error(`\n${"!".repeat(100)}\n${message}\n${"!".repeat(100)}\n`);
  process.exit(process.env.UPGRADE_REQUIRED === "1" ? 1 : 0);
}

// --- the destination: a path per route; drops every connection while down ---
/** webhook-id → 2xx answers given; per route, the markers of what arrived, in order. */
const answered = new Map<string, number>();
const arrivals = new Map<string, string[]>();
let up = false;
// Listening from the start, so no other process can take the port while the old version runs
// (its npm ci may take minutes); while down, each connection is closed at once, unanswered.
const destination: Server = createServer((req, res) => {
  let body = "";
  req.setEncoding("utf8");
  req.on("data", (chunk) => {
    body += chunk;
  });
  req.on("end", () => {
    const id = String(req.headers["webhook-id"] ?? "");
    answered.set(id, (answered.get(id) ?? 0) + 1);
    const route = (req.url ?? "/").slice(1);
    const marker = body.match(/\[(h-\d+-\d+)\]/)?.[1];
    if (marker) arrivals.set(route, [...(arrivals.get(route) ?? []), marker]);
    res.writeHead(200, { "content-type": "application/json" }).end('{"ok":true}');
  });
});
destination.on("connection", (socket) => {
  if (!up) socket.destroy();
});
await new Promise<void>((resolve) => destination.listen(0, "127.0.0.1", resolve));
const destinationPort = (destination.address() as AddressInfo).port;

function destinationUp() {
  up = true;
}

async function destinationDown() {
  up = false;
  destination.closeAllConnections();
  await new Promise((resolve) => destination.close(resolve));
}

// --- the Worker, old and new, with the same settings ---
const work = mkdtempSync(join(tmpdir(), "wt-upgrade-"));
const state = join(work, "state");
const logFile = process.env.UPGRADE_LOG ?? join(tmpdir(), "wt-upgrade-worker.log");
writeFileSync(logFile, "");
const adminToken = randomUUID();
const url = (route: string) => `http://127.0.0.1:${destinationPort}/${route}`;
const routes = [
  { name: "held", sources: ["chatwoot"], target: "dotted", url: url("held") },
  { name: "line", sources: ["hoory"], target: "dotted", url: url("line"), ordered: true },
];
const args = [
  ...["--var", `DESTINATION_URL:${url("default")}`],
  ...["--var", `ROUTES:${JSON.stringify(routes)}`],
  ...["--var", "RETRY_BASE_SECONDS:1", "--var", "RETRY_MAX_SECONDS:8"],
  ...["--var", "DELIVERY_TIMEOUT_MS:2000"],
];
let current: Worker | undefined;
async function start(cwd: string): Promise<Worker> {
  current = await startWorker({ state, args, cwd, env: { ADMIN_TOKEN: adminToken }, log: logFile });
  return current;
}

const admin = (base: string, path: string) =>
  fetch(`${base}${path}`, { method: "POST", headers: { authorization: `Bearer ${adminToken}` } });

// --- what is posted ---
const fixture = (path: string) =>
  JSON.parse(readFileSync(join(ROOT, "test/fixtures", path, "source.json"), "utf8"));
const chatwootSample = fixture("chatwoot/message-created-incoming");
const telegramSample = fixture("telegram/message-text");

interface Post {
  source: string;
  body: unknown;
  headers: Record<string, string>;
}
const chatwoot = (n: number): Post => ({
  source: "chatwoot",
  body: { ...chatwootSample, id: 3_000_000 + n, content: `upgrade test message ${n}` },
  headers: { "x-chatwoot-delivery": `upgrade-${n}` },
});
const telegram = (n: number): Post => ({
  source: "telegram",
  body: {
    ...telegramSample,
    update_id: 900_000_000 + n,
    message: { ...telegramSample.message, text: `upgrade test ${n}` },
  },
  headers: {},
});
const hoory = (c: number, i: number): Post => ({
  source: "hoory",
  body: {
    ...chatwootSample,
    id: 4_000_000 + c * 100 + i,
    content: `ordered [h-${c}-${i}]`,
    conversation: { ...chatwootSample.conversation, id: 800 + c, display_id: 800 + c },
  },
  headers: { "x-chatwoot-delivery": `upgrade-h-${c}-${i}` },
});

/** Posts; the answer's status and its accepted and duplicate ids. */
async function post(base: string, p: Post) {
  const response = await fetch(`${base}/webhooks/${p.source}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...p.headers },
    body: JSON.stringify(p.body),
    signal: AbortSignal.timeout(30_000),
  });
  const answer = (await response.json().catch(() => ({}))) as {
    accepted?: string[];
    duplicates?: string[];
  };
  return {
    status: response.status,
    accepted: answer.accepted ?? [],
    duplicates: answer.duplicates ?? [],
  };
}

/** (event id, route) pairs that must be delivered, with the source each came from. */
const expected: Array<{ id: string; route: string; source: string }> = [];
const routesOf = (source: string) => [
  "default",
  ...routes.filter((r) => r.sources.includes(source)).map((r) => r.name),
];

async function acceptAll(base: string, posts: Post[]) {
  const ids: string[] = [];
  for (const p of posts) {
    const answer = await post(base, p);
    if (answer.status !== 202 || answer.accepted.length !== 1)
      throw new Error(
        `the old version did not accept a ${p.source} event: ${JSON.stringify(answer)}`,
      );
    for (const id of answer.accepted) {
      ids.push(id);
      for (const route of routesOf(p.source)) expected.push({ id, route, source: p.source });
    }
  }
  return ids;
}

let exitCode = 1;
try {
  const old = join(work, "old");
  say(`the D1-store version ${FROM} into ${old}: ${checkoutOld(FROM, old)}`);
  const first = await start(old);
  say(`old version up on ${first.base}; destination down`);
  if (!(await admin(first.base, "/routes/held/pause")).ok) throw new Error("could not pause held");
  const chatwootIds = await acceptAll(
    first.base,
    Array.from({ length: CHATWOOT }, (_, n) => chatwoot(n)),
  );
  const telegramIds = await acceptAll(
    first.base,
    Array.from({ length: TELEGRAM }, (_, n) => telegram(n)),
  );
  await Promise.all(
    Array.from({ length: CONVERSATIONS }, (_, c) =>
      acceptAll(
        first.base,
        Array.from({ length: PER_CONVERSATION }, (_, i) => hoory(c, i)),
      ),
    ),
  );
  const events = new Set(expected.map((e) => e.id)).size;
  say(
    `old version accepted ${events} events (${expected.length} deliveries); letting attempts fail`,
  );
  await sleep(6000);
  await first.stop();
  say("old version stopped");

  destinationUp();
  const second = await start(ROOT);
  say(`new version up on ${second.base} on the same state; destination up`);
  if (!(await admin(second.base, "/routes/held/resume")).ok)
    throw new Error("could not resume held");
  const fresh = await post(second.base, chatwoot(1_000));
  const freshId = fresh.accepted[0];
  for (const route of freshId ? routesOf("chatwoot") : [])
    expected.push({ id: freshId ?? "", route, source: "chatwoot (new)" });

  const missing = () => expected.filter((e) => !answered.has(webhookId(e.id, e.route, 0)));
  while (missing().length > 0 && Date.now() - started < DEADLINE_SECONDS * 1000) {
    say(`delivered ${expected.length - missing().length} of ${expected.length}`);
    await sleep(3000);
  }
  await sleep(5000); // copies sent late would show up now
  const repeats = [
    { post: chatwoot(0), id: chatwootIds[0] },
    { post: telegram(0), id: telegramIds[0] },
  ];
  const repeatAnswers = await Promise.all(repeats.map((r) => post(second.base, r.post)));
  const repeatsRecognised = repeatAnswers.filter(
    (answer, i) => answer.status === 200 && answer.duplicates[0] === repeats[i]?.id,
  ).length;

  const byRoute = new Map<string, { expected: number; delivered: number; duplicated: number }>();
  for (const e of expected) {
    const row = byRoute.get(e.route) ?? { expected: 0, delivered: 0, duplicated: 0 };
    const times = answered.get(webhookId(e.id, e.route, 0)) ?? 0;
    row.expected++;
    if (times > 0) row.delivered++;
    row.duplicated += Math.max(0, times - 1);
    byRoute.set(e.route, row);
  }
  console.log("\nUPGRADE TEST RESULT");
  console.table(Object.fromEntries(byRoute));
  const lost = missing();
  const duplicated = [...byRoute.values()].reduce((n, row) => n + row.duplicated, 0);
  const line = arrivals.get("line") ?? [];
  const disorder = Array.from({ length: CONVERSATIONS }, (_, c) => {
    const seen = line.filter((m) => m.startsWith(`h-${c}-`));
    return seen.some((m, i) => m !== `h-${c}-${i}`) ? 1 : 0;
  }).reduce<number>((a, b) => a + b, 0);
  console.log(
    JSON.stringify({
      events,
      deliveries: expected.length,
      lost: lost.length,
      duplicated,
      conversationsOutOfOrder: disorder,
      repeatsRecognised: `${repeatsRecognised} of ${repeats.length}`,
    }),
  );
  if (lost.length > 0)
    console.error(
      `LOST ${lost.length}, e.g. ${JSON.stringify(lost.slice(0, 5))}; worker log: ${logFile}`,
    );
  if (repeatsRecognised < repeats.length)
    console.error(`repeats answered: ${JSON.stringify(repeatAnswers)}`);
  exitCode =
    lost.length === 0 && duplicated === 0 && disorder === 0 && repeatsRecognised === repeats.length
      ? 0
      : 1;
} catch (error) {
  console.error(error);
  console.error(`worker log: ${logFile}`);
} finally {
  await current?.stop();
  await destinationDown();
  rmSync(work, { recursive: true, force: true });
}
process.exit(exitCode);
