/**
 * What the load and crash tests share: a snapshot of the Worker built once and run by `wrangler
 * dev` on 127.0.0.1 (local D1 and queues persisted in a directory of the caller's choosing), its
 * ROUTES rewritten between starts, the `webhook-id` the Worker gives a delivery, free ports, and
 * the dead letters and pending deliveries read back.
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  cpSync,
  createWriteStream,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { createServer as createNetServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const HOST = "127.0.0.1";

/**
 * The retry settings every load script runs the Worker with: retries 1 s apart at first, 8 s at
 * most, 10 attempts, so that a run's failures settle (delivered or dead-lettered) within minutes.
 *
 * @example startWorker({ ...options, vars: { ...QUICK_RETRIES, ADMIN_TOKEN: adminToken } });
 */
export const QUICK_RETRIES: Readonly<Record<string, string>> = {
  RETRY_BASE_SECONDS: "1",
  RETRY_MAX_SECONDS: "8",
  MAX_ATTEMPTS: "10",
};

/**
 * A port on 127.0.0.1 that nothing listened on a moment ago.
 *
 * @example const port = await freePort();
 */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The `webhook-id` the Worker gives delivery `index` of event `eventId` on `route` (src/deliver).
 *
 * @example const times = delivered.get(webhookId(eventId, "default", 0)) ?? 0;
 */
export function webhookId(eventId: string, route: string, index: number): string {
  const hex = createHash("sha256")
    .update(`${eventId}\n${route}\n${index}`)
    .digest("hex")
    .slice(0, 32)
    .split("");
  hex[12] = "8";
  hex[16] = ((Number.parseInt(hex[16] ?? "0", 16) & 0x3) | 0x8).toString(16);
  const h = hex.join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * The Worker runs from a snapshot of the tree taken now, built once: `wrangler dev` reloads when
 * anything it bundled changes (sources, or files in node_modules), and a reload drops the local
 * queue's in-memory messages, which would show up as "lost" events that a deployed queue (which
 * persists messages) would never lose. node_modules is linked, not copied. Returns the snapshot
 * directory (under `dir`).
 *
 * @example const snapshot = buildSnapshot(mkdtempSync(join(tmpdir(), "wt-x-")));
 */
export function buildSnapshot(dir: string): string {
  const root = fileURLToPath(new URL("../..", import.meta.url));
  const snapshot = join(dir, "tree");
  // scripts/: wrangler.toml's [build] command compiles the mappings.
  for (const entry of [
    "src",
    "scripts",
    "mappings",
    // wrangler.toml's [build] runs `npm run compile` (scripts/compile) before bundling.
    "scripts",
    "test/fixtures",
    "package.json",
    "wrangler.toml",
    "tsconfig.json",
  ]) {
    cpSync(join(root, entry), join(snapshot, entry), { recursive: true });
  }
  symlinkSync(join(root, "node_modules"), join(snapshot, "node_modules"));
  // Built once and run unbundled, so that nothing (not even a reinstalled dependency) rebuilds it.
  execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", "dist"], {
    cwd: snapshot,
    stdio: "ignore",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  });
  const config = join(snapshot, "wrangler.toml");
  writeFileSync(
    config,
    readFileSync(config, "utf8").replace(
      /^main = .*$/m,
      'main = "dist/index.js"\nno_bundle = true',
    ),
  );
  return snapshot;
}

/**
 * A fresh work directory (`<tmpdir>/<prefix>XXXXXX`, for the snapshot and the state directories)
 * with a snapshot built in it, and `setRoutes`, which writes ROUTES into the snapshot's
 * wrangler.toml for the next start. Without it [vars] stay as they are: TARGET_FORMAT and
 * DESTINATION_URL (passed with --var) make one route, `default`.
 *
 * @example const { work, snapshot, setRoutes } = routedSnapshot("wt-ordered-"); setRoutes(routes);
 */
export function routedSnapshot(prefix: string): {
  work: string;
  snapshot: string;
  setRoutes: (routes: unknown[]) => void;
} {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const snapshot = buildSnapshot(work);
  const toml = join(snapshot, "wrangler.toml");
  const original = readFileSync(toml, "utf8");
  return {
    work,
    snapshot,
    setRoutes(routes) {
      // A TOML literal string: the JSON needs no escaping.
      writeFileSync(
        toml,
        original.replace(/^\[vars\]$/m, `[vars]\nROUTES = '${JSON.stringify(routes)}'`),
      );
    },
  };
}

export interface RunningWorker {
  base: string;
  process: ChildProcess;
  /** The last 20,000 characters wrangler printed. */
  output: () => string;
  /** Waits until GET /health answers 200 (90 s at most). */
  ready: () => Promise<void>;
  /** Sends `signal` to wrangler and everything it started; resolves when it has exited (SIGKILL after 5 s). */
  stop: (signal?: NodeJS.Signals) => Promise<void>;
}

/**
 * Starts `wrangler dev` on the snapshot with these vars, state persisted in `persistTo`.
 *
 * @example const worker = startWorker({ snapshot, persistTo, port, vars, logFile }); await worker.ready();
 */
export function startWorker(options: {
  snapshot: string;
  persistTo: string;
  port: number;
  vars: Record<string, string>;
  logFile: string;
}): RunningWorker {
  const args = [
    "wrangler",
    "dev",
    "--ip",
    HOST,
    "--port",
    String(options.port),
    "--persist-to",
    options.persistTo,
    "--show-interactive-dev-session=false",
    "--log-level",
    process.env.LOAD_DEBUG ? "log" : "warn",
    ...Object.entries(options.vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
  ];
  const child = spawn("npx", args, {
    cwd: options.snapshot,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "1" },
  });
  let output = "";
  const log = createWriteStream(options.logFile, { flags: "a" });
  const keep = (chunk: Buffer) => {
    log.write(chunk);
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const base = `http://${HOST}:${options.port}`;
  return {
    base,
    process: child,
    output: () => output,
    async ready() {
      const until = Date.now() + 90_000;
      while (Date.now() < until) {
        if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${output}`);
        try {
          const response = await fetch(`${base}/health`);
          if (response.ok) return;
        } catch {}
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
      throw new Error(`wrangler dev did not answer /health within 90 s:\n${output}`);
    },
    async stop(signal = "SIGTERM") {
      if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(-child.pid, signal);
      } catch {}
      const timer = setTimeout(() => {
        try {
          if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
        } catch {}
      }, 5000);
      await exited;
      clearTimeout(timer);
      log.end();
    },
  };
}

/**
 * Every dead letter's event id (`ids`; `byRoute`: per route), and how many there are per start of
 * the last error.
 *
 * @example const { byRoute } = await deadLetters(worker.base, adminToken);
 */
export async function deadLetters(
  base: string,
  adminToken: string,
): Promise<{ ids: Set<string>; byRoute: Map<string, Set<string>>; reasons: Map<string, number> }> {
  const ids = new Set<string>();
  const byRoute = new Map<string, Set<string>>();
  const reasons = new Map<string, number>();
  let cursor: string | undefined;
  for (;;) {
    const url = `${base}/deadletters?limit=100${cursor ? `&cursor=${cursor}` : ""}`;
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${adminToken}` },
      signal: AbortSignal.timeout(60_000),
    });
    if (!response.ok)
      throw new Error(`GET /deadletters: ${response.status} ${await response.text()}`);
    const page = (await response.json()) as {
      deadLetters: Array<{ eventId: string; route: string; lastError?: string }>;
      next?: string;
    };
    for (const letter of page.deadLetters) {
      ids.add(letter.eventId);
      if (!byRoute.has(letter.route)) byRoute.set(letter.route, new Set());
      byRoute.get(letter.route)?.add(letter.eventId);
      const reason = String(letter.lastError ?? "").slice(0, 60);
      reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
    }
    if (!page.next || page.deadLetters.length === 0) return { ids, byRoute, reasons };
    cursor = page.next;
  }
}

/** Delivery statuses in which the outbox still holds a delivery that will be made or dead-lettered. */
const PENDING = ["queued", "retrying", "paused", "waiting"];

/**
 * The events with a delivery to `route` that the outbox still holds as pending (GET /events by
 * route and status, every page): event id → status. A status the API does not know is skipped.
 *
 * @example const held = await pendingDeliveries(worker.base, adminToken, "default");
 */
export async function pendingDeliveries(
  base: string,
  adminToken: string,
  route: string,
): Promise<Map<string, string>> {
  const pending = new Map<string, string>();
  for (const status of PENDING) {
    let cursor: string | undefined;
    for (;;) {
      const url = `${base}/events?route=${route}&status=${status}&limit=100${cursor ? `&cursor=${cursor}` : ""}`;
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${adminToken}` },
        signal: AbortSignal.timeout(60_000),
      });
      if (response.status === 400) break; // a status this version does not have
      if (!response.ok) throw new Error(`GET /events: ${response.status} ${await response.text()}`);
      const page = (await response.json()) as { events: Array<{ id: string }>; next?: string };
      for (const event of page.events) pending.set(event.id, status);
      if (!page.next || page.events.length === 0) break;
      cursor = page.next;
    }
  }
  return pending;
}
