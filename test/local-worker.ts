/**
 * `npm start` as a user runs it, for the Node tests that need a running Worker (the browser tests,
 * the docs test): its own free port, its own state directory, its own process group.
 *
 * @example
 * const worker = await startWorker({ state: "/tmp/x/state", args: ["--var", "MAX_ATTEMPTS:1"] });
 * await fetch(`${worker.base}/health`);
 * await worker.stop();
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import { createServer } from "node:net";

export interface Worker {
  /** `http://127.0.0.1:<port>`, where `npm start` listens. */
  base: string;
  port: number;
  /** Stops npm, wrangler and workerd together, and resolves once npm start has exited. */
  stop(): Promise<void>;
}

/**
 * Starts `npm start -- <args> --ip 127.0.0.1 --port <port> --persist-to <state>` and resolves once
 * the Worker answers. `port` defaults to a free one; `log` receives npm start's output.
 */
export async function startWorker(options: {
  state: string;
  args?: string[];
  env?: Record<string, string>;
  port?: number;
  log?: string;
  /** The tree to run `npm start` in (default: the current directory). */
  cwd?: string;
  /** Starts tried so far (see the retry below). */
  tries?: number;
}): Promise<Worker> {
  const port = options.port ?? (await freePort());
  const base = `http://127.0.0.1:${port}`;
  const args = [
    ...(options.args ?? []),
    ...["--ip", "127.0.0.1", "--port", String(port), "--persist-to", options.state],
  ];
  const out = options.log ? createWriteStream(options.log, { flags: "a" }) : undefined;
  // detached: its own process group, so that stop() ends npm, wrangler and workerd together.
  const worker = spawn("npm", ["start", "--", ...args], {
    stdio: ["ignore", out ? "pipe" : "ignore", out ? "pipe" : "ignore"],
    detached: true,
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: { ...process.env, ...options.env },
  });
  worker.stdout?.pipe(out as NodeJS.WritableStream, { end: false });
  worker.stderr?.pipe(out as NodeJS.WritableStream, { end: false });
  const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
  const stop = async () => {
    stopGroup(worker);
    await exited;
    out?.end();
  };
  try {
    await waitForWorker(base, worker, Date.now() + 120_000);
  } catch (error) {
    await stop();
    // The port was free when chosen but another process may have taken it since (workers
    // started side by side): a start that exits at once is tried again on another port.
    const early = error instanceof Error && error.message.startsWith("npm start exited");
    if (early && options.port === undefined && (options.tries ?? 0) < 2)
      return startWorker({ ...options, tries: (options.tries ?? 0) + 1 });
    throw error;
  }
  return { base, port, stop };
}

function stopGroup(worker: ChildProcess) {
  if (worker.pid && worker.exitCode === null && worker.signalCode === null) {
    try {
      process.kill(-worker.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
}

/** A TCP port nobody listens on now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no free port")),
      );
    });
  });
}

async function waitForWorker(url: string, worker: ChildProcess, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    if (worker.exitCode !== null) throw new Error(`npm start exited (${worker.exitCode})`);
    try {
      if ((await fetch(`${url}/formats`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`npm start did not answer on ${url} within 120 s`);
}
