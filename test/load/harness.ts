/**
 * The small pieces the load scripts (run, crash, ordered, neighbours) each wrote for themselves:
 * a clock that stamps what they print, a pause, a local HTTP destination on 127.0.0.1 (a request's
 * body, the server, its URLs), the fixture payloads they post, and a sender that retries a webhook
 * until the Worker accepts it.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { HOST } from "./worker.ts";

/**
 * A script's clock: `started` (epoch ms) and `say`, which prints a line stamped with the seconds
 * since `clock()` was called.
 *
 * @example const { started, say } = clock(); say("worker ready"); // [12.3 s] worker ready
 */
export function clock(): { started: number; say: (text: string) => void } {
  const started = Date.now();
  const say = (text: string) =>
    console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${text}`);
  return { started, say };
}

/**
 * Resolves after `ms` milliseconds.
 *
 * @example await sleep(5000);
 */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A request's whole body, read as UTF-8. A request aborted before its end never resolves (and
 * raises nothing): what a handler waiting for `end` did, and an aborted delivery is the Worker's to
 * retry, not a reason to stop the test.
 *
 * @example const body = await readBody(req);
 */
export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      body += chunk;
    });
    req.on("end", () => resolve(body));
  });
}

export interface Listening {
  server: Server;
  port: number;
  /** `http://127.0.0.1:<port><path>`. */
  url: (path: string) => string;
  /** Drops every open connection, then stops listening. */
  close: () => Promise<void>;
}

/**
 * An HTTP server answering with `handler` on 127.0.0.1, on `port` or (0) a free one.
 *
 * @example const destination = await listenOn((req, res) => res.end("ok")); destination.url("/hook");
 */
export async function listenOn(
  handler: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>,
  port = 0,
): Promise<Listening> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(port, HOST, resolve));
  const bound = (server.address() as AddressInfo).port;
  return {
    server,
    port: bound,
    url: (path) => `http://${HOST}:${bound}${path}`,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * A source payload from test/fixtures (`<name>/source.json`), parsed.
 *
 * @example const sample = fixture("chatwoot/message-created-incoming");
 */
export function fixture<T = Record<string, unknown>>(name: string): T {
  return JSON.parse(
    readFileSync(new URL(`../fixtures/${name}/source.json`, import.meta.url), "utf8"),
  ) as T;
}

/**
 * Posts a Chatwoot-family webhook (`body`, JSON) to `url` until it is accepted (202): on a 5xx or
 * a network error it tries again, 200 ms × the attempt later, 8 attempts at most. Every attempt
 * carries the same `x-chatwoot-delivery`, so a retry of one already accepted is answered as a
 * repeat. Returns the event ids the 202 named (accepted and duplicates); throws on a 4xx, or
 * `message <label> not accepted` after the last attempt.
 *
 * @example const ids = await postUntilAccepted(`${worker.base}/webhooks/chatwoot`, body, "[n-1-0]");
 */
export async function postUntilAccepted(
  url: string,
  body: string,
  label: string,
): Promise<string[]> {
  const delivery = randomUUID();
  for (let attempt = 1; attempt <= 8; attempt++) {
    try {
      const response = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "x-chatwoot-delivery": delivery },
        body,
      });
      const answer = (await response.json()) as { accepted?: string[]; duplicates?: string[] };
      if (response.status === 202)
        return [...(answer.accepted ?? []), ...(answer.duplicates ?? [])];
      if (response.status < 500) throw new Error(`HTTP ${response.status}`);
    } catch (error) {
      if (String(error).includes("HTTP 4")) throw error;
    }
    await sleep(200 * attempt);
  }
  throw new Error(`message ${label} not accepted`);
}

/**
 * Runs a script's `checks`, then prints `results` as JSON and either the `failures` (exit 1) or
 * `passed` (exit 0); an error thrown by the checks is printed and exits 1. Either way `stop` runs
 * first, and wrangler's log file is named when something went wrong.
 *
 * @example await checkAndExit(async () => { results.x = await measure(); }, { say, results, failures, passed: "ok", logFile, stop });
 */
export async function checkAndExit(
  checks: () => Promise<void>,
  options: {
    say: (text: string) => void;
    results: Record<string, unknown>;
    failures: string[];
    passed: string;
    logFile: string;
    stop: () => Promise<void>;
  },
): Promise<never> {
  const { say, results, failures, logFile } = options;
  let exitCode = 1;
  try {
    await checks();
    console.log(JSON.stringify(results, null, 2));
    if (failures.length > 0) {
      console.error(`FAILED:\n${failures.join("\n")}\n(wrangler output: ${logFile})`);
    } else {
      say(options.passed);
      exitCode = 0;
    }
  } catch (error) {
    console.error(error);
    console.error(`wrangler output: ${logFile}`);
  } finally {
    await options.stop();
  }
  process.exit(exitCode);
}
