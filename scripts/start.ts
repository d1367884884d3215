/**
 * `npm start`: the Worker under `wrangler dev` with local D1, queues and Durable Objects, the
 * built-in sink as its destination, the playground open, and a local admin token.
 *
 *   npm start                      http://localhost:8787, deliveries to http://localhost:8787/dev/sink
 *   npm start -- --port 8788       the same on 8788 (the sink URL follows the port)
 *   ADMIN_TOKEN=xyz npm start      another local admin token (or set ADMIN_TOKEN in .dev.vars)
 *
 * Other arguments are passed to `wrangler dev` as they are (`--ip 0.0.0.0`, `--persist-to dir`).
 * Local state (stored events, dedupe keys, dead letters) persists in `.wrangler/state` between
 * runs: `npm run reset` clears it.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** The local admin token when none is given: local only, printed at start, documented in the README. */
export const DEV_ADMIN_TOKEN = "dev-admin-token";

const args = process.argv.slice(2);
let port = "8787";
const passed: string[] = [];
for (let i = 0; i < args.length; i++) {
  const arg = args[i] as string;
  if (arg === "--port" || arg === "-p") port = args[++i] ?? "";
  else if (arg.startsWith("--port=")) port = arg.slice("--port=".length);
  else passed.push(arg);
}
if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65_535) {
  console.error(`npm start: --port needs a port number from 1 to 65535, not "${port}".`);
  process.exit(2);
}

/** ADMIN_TOKEN from the environment, else from .dev.vars (wrangler reads it), else the dev token. */
const fromDevVars = existsSync(".dev.vars")
  ? /^\s*ADMIN_TOKEN\s*=/m.test(readFileSync(".dev.vars", "utf8"))
  : false;
const adminToken = process.env.ADMIN_TOKEN || (fromDevVars ? undefined : DEV_ADMIN_TOKEN);

const base = `http://localhost:${port}`;
const vars = {
  PLAYGROUND: "true",
  DEV_SINK: "true",
  TARGET_FORMAT: "dotted",
  DESTINATION_URL: `${base}/dev/sink`,
  RETRY_BASE_SECONDS: "1",
  ...(adminToken ? { ADMIN_TOKEN: adminToken } : {}),
};

console.log(`
  Webhook translator, local: ${base}
  Deliveries go, translated into dotted, to the built-in sink: ${base}/dev/sink
  Admin token: ${adminToken ?? "ADMIN_TOKEN from .dev.vars"}${adminToken ? `   (in the terminal you curl from: export ADMIN_TOKEN=${adminToken})` : ""}
  Playground: ${base}/playground
  Local state persists in .wrangler/state (a repeated sample is a duplicate): npm run reset clears it.
`);

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
