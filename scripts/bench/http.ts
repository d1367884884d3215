/**
 * Section 3 (and the workerd part of 4): the Worker in workerd via `wrangler dev`, loaded with
 * autocannon. Traffic goes only to 127.0.0.1; wrangler is started and stopped here.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { type AddressInfo, createServer as netServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import autocannon from "autocannon";
import { type Fixture, root } from "./fixtures.ts";

export interface Load {
  label: string;
  method: string;
  path: string;
  rps: number;
  rpsStddev: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
  statuses: string;
}

export interface HttpResult {
  wranglerReadyMs?: number;
  firstTranslateMs?: number;
  secondTranslateMs?: number;
  ingestRoute: string;
  ingestNote: string;
  trivialRoute: string;
  runs: Load[];
  error?: string;
}

const HOST = "127.0.0.1";

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = netServer();
    s.listen(0, HOST, () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
    s.on("error", reject);
  });
}

/** A destination for the queue consumer's deliveries: answers 200 to everything. */
function sink(): Promise<{ server: Server; port: number; count: () => number }> {
  let n = 0;
  const server = createServer((req, res) => {
    req.resume();
    req.on("end", () => {
      n++;
      res.writeHead(200, { "content-type": "application/json" }).end("{}");
    });
  });
  return new Promise((resolve) =>
    server.listen(0, HOST, () =>
      resolve({ server, port: (server.address() as AddressInfo).port, count: () => n }),
    ),
  );
}

async function timedFetch(
  url: string,
  init?: RequestInit,
): Promise<{ status: number; ms: number }> {
  const start = process.hrtime.bigint();
  const res = await fetch(url, init);
  await res.arrayBuffer();
  return { status: res.status, ms: Number(process.hrtime.bigint() - start) / 1e6 };
}

async function waitReady(base: string, child: ChildProcess, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      const res = await fetch(`${base}/formats`);
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error("wrangler dev did not answer in time");
}

async function load(
  label: string,
  base: string,
  path: string,
  method: string,
  body: string | undefined,
  seconds: number,
): Promise<Load> {
  // A different body per request: a counter replaces [<id>] (autocannon's own idReplacement
  // sends nothing with this body). The template body must be set for the length to be right.
  let n = 0;
  const stamp = Date.now().toString(36);
  const r = await autocannon({
    url: `${base}${path}`,
    method,
    connections: 50,
    duration: seconds,
    ...(body
      ? {
          requests: [
            {
              method,
              path,
              headers: { "content-type": "application/json" },
              body,
              setupRequest: (req) => ({
                ...req,
                body: String(req.body).replace("[<id>]", `${stamp}-${n++}`),
              }),
            },
          ],
        }
      : {}),
  });
  const statuses = Object.entries(r.statusCodeStats ?? {})
    .map(([code, s]) => `${code}×${s.count}`)
    .join(" ");
  return {
    label,
    method,
    path,
    rps: r.requests.average,
    rpsStddev: r.requests.stddev,
    p50: r.latency.p50,
    p99: r.latency.p99,
    total: r.requests.total,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    statuses,
  };
}

export async function httpBench(fixtures: Fixture[], seconds = 10): Promise<HttpResult> {
  const fixture =
    fixtures.find((f) => f.folder === "chatwoot" && f.name === "message-created-incoming") ??
    fixtures.find((f) => f.folder === "chatwoot");
  if (!fixture) throw new Error("no Chatwoot-family fixture for hoory");
  // Every request a different body (autocannon replaces [<id>]), so deduplication never hides work.
  const parsed = fixture.body as Record<string, unknown>;
  const body = JSON.stringify({ ...parsed, content: `${String(parsed.content ?? "")} [<id>]` });
  const concrete = body.replace("[<id>]", `probe-${Date.now()}`);

  const destination = await sink();
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), "bench-wrangler-"));
  const config = producerOnlyConfig();
  const base = `http://${HOST}:${port}`;
  const result: HttpResult = { ingestRoute: "", ingestNote: "", trivialRoute: "", runs: [] };
  const started = process.hrtime.bigint();
  const child = spawn(
    "npx",
    [
      "wrangler",
      "dev",
      "--port",
      String(port),
      "--ip",
      HOST,
      "--config",
      config,
      "--persist-to",
      state,
      "--show-interactive-dev-session=false",
      "--log-level",
      "error",
      "--var",
      "TARGET_FORMAT:dotted",
      "--var",
      `DESTINATION_URL:http://${HOST}:${destination.port}/`,
    ],
    {
      cwd: root,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true" },
    },
  );
  let output = "";
  child.stdout?.on("data", (d) => {
    output = (output + String(d)).slice(-4000);
  });
  child.stderr?.on("data", (d) => {
    output = (output + String(d)).slice(-4000);
  });
  try {
    await waitReady(base, child);
    result.wranglerReadyMs = Number(process.hrtime.bigint() - started) / 1e6;
    const translateInit = {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: concrete,
    };
    const first = await timedFetch(`${base}/translate/hoory/dotted`, translateInit);
    const second = await timedFetch(`${base}/translate/hoory/dotted`, translateInit);
    result.firstTranslateMs = first.ms;
    result.secondTranslateMs = second.ms;

    const probe = await timedFetch(`${base}/webhooks/hoory`, translateInit);
    if (probe.status === 202) {
      result.ingestRoute = "/webhooks/hoory";
      result.ingestNote =
        "POST /webhooks/hoory answered 202: validate, dedupe, store in local D1, queue. The queue consumer is left out of this run's config (it runs in invocations of its own in production), so only the request path is measured";
    } else {
      result.ingestRoute = "/translate/hoory/dotted";
      result.ingestNote = `POST /webhooks/hoory answered ${probe.status}, not 202, so the stand-in POST /translate/hoory/dotted (validate + translate synchronously) is measured`;
    }
    // /health reads storage; /formats is static JSON: the trivial route.
    result.trivialRoute = "/formats";

    // Warm-up of both routes, then the measured runs, trivial first.
    await load("warm-up", base, result.trivialRoute, "GET", undefined, 2);
    await load("warm-up", base, result.ingestRoute, "POST", body, 2);
    // A third route for the why: /health does one local D1 round trip (SELECT 1) and nothing else
    // of note, so it shows what a storage call costs here; ingest makes two (D1 batch + queue send).
    result.runs.push(
      await load("trivial", base, result.trivialRoute, "GET", undefined, seconds),
      await load("ingest", base, result.ingestRoute, "POST", body, seconds),
      await load("one storage round trip", base, "/health", "GET", undefined, seconds),
    );
  } catch (error) {
    result.error = `${String(error)}\n${output.slice(-1500)}`;
  } finally {
    if (child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
    }
    await new Promise((r) => setTimeout(r, 1500));
    if (child.pid && child.exitCode === null) {
      try {
        process.kill(-child.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    destination.server.close();
    rmSync(state, { recursive: true, force: true });
    rmSync(config, { force: true });
  }
  return result;
}

/**
 * wrangler.toml without its queue consumers (written beside it, so relative paths still hold):
 * in production the consumer runs in invocations of its own, so measuring ingest while the local
 * consumer translates and delivers in the same workerd would charge the request path for it.
 */
function producerOnlyConfig(): string {
  const text = readFileSync(join(root, "wrangler.toml"), "utf8");
  const topLevel = text.split(/^\[env\./m)[0] ?? text;
  const withoutConsumers = topLevel.replace(
    /^\[\[queues\.consumers\]\][\s\S]*?(?=^\[|(?![\s\S]))/gm,
    "",
  );
  const path = join(root, `.bench-wrangler-${process.pid}.toml`);
  writeFileSync(path, withoutConsumers);
  return path;
}
