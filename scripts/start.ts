/**
 * `npm start`: the Worker under `wrangler dev` with local D1, queues and Durable Objects, the
 * built-in sink as its destination, the playground open, and a local admin token.
 *
 *   npm start                      http://localhost:8787, deliveries to http://localhost:8787/dev/sink
 *   npm start -- --port 8788       the same on 8788 (the sink URL follows the port)
 *   ADMIN_TOKEN=xyz npm start      another local admin token (or set ADMIN_TOKEN in .dev.vars);
 *                                  DESTINATION_SECRET likewise (the sink's deliveries are signed)
 *   npm start -- --sink-status 410 the sink answers 410 to every delivery (to try dead letters)
 *   npm start -- --alerts-to-sink  operational alerts (docs/operating-alerts.md) go to the sink too
 *
 * Other arguments are passed to `wrangler dev` as they are (`--ip 0.0.0.0`, `--persist-to dir`).
 * Local state (stored events, dedupe keys, dead letters) persists in `.wrangler/state` (or the
 * `--persist-to` directory) between runs: `npm run reset` clears it. While it runs, a lock file in
 * that directory (scripts/local-state.ts) tells `npm run reset` to refuse.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { lockFile, readLock, stateDir } from "./local-state.ts";

/** The local admin token when none is given: local only, printed at start, documented in docs/getting-started.md. */
export const DEV_ADMIN_TOKEN = "dev-admin-token";
/**
 * The local destination secret when none is given: the sink's deliveries are signed with it, so
 * that a consumer's verification can be tried on them (docs/verifying.md). Local only, printed at
 * start; made by `npm run secret`.
 */
export const DEV_DESTINATION_SECRET = "whsec_1nVhAVKXjXkZ97KQQTpcLxVgF86nH+Cr+myv8nJNokk=";

const args = process.argv.slice(2);
let port = "8787";
let sinkStatus: string | undefined;
let alertsToSink = false;
const passed: string[] = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i] as string;
  if (arg === "--port" || arg === "-p") port = args[++i] ?? "";
  else if (arg.startsWith("--port=")) port = arg.slice("--port=".length);
  else if (arg === "--sink-status") sinkStatus = args[++i] ?? "";
  else if (arg === "--alerts-to-sink") alertsToSink = true;
  else passed.push(arg);
}
if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65_535) {
  console.error(`npm start: --port needs a port number from 1 to 65535, not "${port}".`);
  process.exit(2);
}
if (sinkStatus !== undefined && !/^[2-5]\d\d$/.test(sinkStatus)) {
  console.error(
    `npm start: --sink-status needs an HTTP status from 200 to 599, not "${sinkStatus}".`,
  );
  process.exit(2);
}

/** A variable from the environment, else none when .dev.vars sets it (wrangler reads it), else `local`. */
function localValue(name: string, local: string): string | undefined {
  const inDevVars =
    existsSync(".dev.vars") &&
    new RegExp(`^\\s*${name}\\s*=`, "m").test(readFileSync(".dev.vars", "utf8"));
  return process.env[name] || (inDevVars ? undefined : local);
}
const adminToken = localValue("ADMIN_TOKEN", DEV_ADMIN_TOKEN);
const destinationSecret = localValue("DESTINATION_SECRET", DEV_DESTINATION_SECRET);

const base = `http://localhost:${port}`;
const vars = {
  PLAYGROUND: "true",
  DEV_SINK: "true",
  TARGET_FORMAT: "dotted",
  // /dev/sink/status/<code> records the delivery and answers that status.
  DESTINATION_URL: `${base}/dev/sink${sinkStatus ? `/status/${sinkStatus}` : ""}`,
  RETRY_BASE_SECONDS: "1",
  // Alerts are recorded by the sink, which answers them 200 whatever --sink-status says.
  ...(alertsToSink ? { ALERTS_URL: `${base}/dev/sink` } : {}),
  ...(adminToken ? { ADMIN_TOKEN: adminToken } : {}),
  ...(destinationSecret ? { DESTINATION_SECRET: destinationSecret } : {}),
};

const state = stateDir(passed);
const exportLine = adminToken
  ? `export BASE=${base} ADMIN_TOKEN=${adminToken}`
  : `export BASE=${base} ADMIN_TOKEN=<the ADMIN_TOKEN of .dev.vars>`;
// A --var that names the destination replaces the sink as where events go.
const ownDestination = passed.some((arg) =>
  /^(DESTINATION_URL|TARGET_FORMAT|ROUTES)[:=]/.test(arg),
);
const sinkUse = ownDestination
  ? "your --var decides where events go"
  : `every event goes there, translated into dotted${sinkStatus ? `; answered ${sinkStatus}` : ""}`;
console.log(`
  Webhook translator, local: ${base}
  In the terminal you run the docs' commands from:

    ${exportLine}

  Console:    ${base}/console  (admin token: ${adminToken ?? "ADMIN_TOKEN from .dev.vars"})
  Sink:       ${base}/dev/sink  (${sinkUse})
              signed with DESTINATION_SECRET=${destinationSecret ?? "<the DESTINATION_SECRET of .dev.vars>"}
  Playground: ${base}/playground
  Local state: ${state} (a repeated sample is a duplicate); stop this, then npm run reset clears it.
  An edited mapping file is picked up by itself, about 12 s after you save it.
  Unsigned webhooks are accepted here from every source without a WEBHOOK_SECRET_<SOURCE>. Deployed
  (ENVIRONMENT set by each [env.*] of wrangler.toml) such a source is refused with 503 unless
  WEBHOOK_UNSIGNED_<SOURCE>=true: see SECURITY.md "Unsigned sources".
`);

// The lock file `npm run reset` checks; removed when this process ends.
const lock = lockFile(state);
mkdirSync(state, { recursive: true });
writeFileSync(lock, `${JSON.stringify({ pid: process.pid, port: Number(port), url: base })}\n`);
process.on("exit", () => {
  if (readLock(state)?.pid === process.pid) rmSync(lock, { force: true });
});

// wrangler's package exports no bin path: find it beside its package.json.
const wranglerPackage = createRequire(import.meta.url).resolve("wrangler/package.json");
const wrangler = join(dirname(wranglerPackage), "bin", "wrangler.js");
const child = spawn(
  process.execPath,
  [
    wrangler,
    "dev",
    "--port",
    port,
    "--test-scheduled",
    ...Object.entries(vars).flatMap(([name, value]) => ["--var", `${name}:${value}`]),
    ...passed,
  ],
  {
    stdio: "inherit",
    // Offline-quiet: no request.cf data fetched from workers.cloudflare.com (local requests get
    // placeholder cf values; nothing here reads them). Telemetry is off in wrangler.toml.
    env: {
      ...process.env,
      CLOUDFLARE_CF_FETCH_ENABLED: process.env.CLOUDFLARE_CF_FETCH_ENABLED ?? "false",
    },
  },
);
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => child.kill(signal));
}
child.on("exit", (code, signal) => {
  process.exitCode = code ?? (signal ? 1 : 0);
});
