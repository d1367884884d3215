/**
 * What the browser tests share: the Worker started exactly as a user starts it
 * (`npm start -- --port N`, local D1, queues and Durable Objects, delivering to its own dev sink)
 * and Debian's Chromium driven by Playwright. Runs in Node (the `browser` project in
 * vitest.config.ts).
 *
 * @example
 * const missing = chromiumMissing("test/browser/console.test.ts");
 * let local: Local;
 * beforeAll(async () => {
 *   if (!missing) local = await startLocal({ state: ".wrangler/console-test", adminToken: "t" });
 * }, 90_000);
 * afterAll(() => local?.stop());
 * describe.skipIf(missing !== undefined)("…", () => { … local.browser.newPage() … });
 */
import { existsSync, rmSync } from "node:fs";
import { type Browser, chromium } from "playwright-core";
import { freePort, startWorker } from "../local-worker.ts";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Undefined when Chromium is there. Without it, locally, the test file is to be skipped: this
 * prints why and how to install it, and returns that text. In CI (CI set) a missing Chromium is
 * an error: CI installs it (.ci/run) and must run the browser tests.
 */
export function chromiumMissing(testFile: string): string | undefined {
  if (existsSync(CHROMIUM)) return undefined;
  const missing = `Chromium not found at ${CHROMIUM}: install it (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary. The browser tests need it.`;
  if (process.env.CI) throw new Error(missing);
  // Straight to stderr: vitest's silent "passed-only" would swallow a console line of a skipped file.
  process.stderr.write(`\nSKIPPED ${testFile}: ${missing}\n\n`);
  return missing;
}

export interface Local {
  /** `http://127.0.0.1:<port>`, where `npm start` listens. */
  base: string;
  browser: Browser;
  /** Closes Chromium and stops the Worker (wrangler dev and workerd with it). */
  stop(): Promise<void>;
}

/**
 * Starts `npm start -- --ip 127.0.0.1 --port <free port> --persist-to <state>` (its local state
 * deleted first) and Chromium, once the Worker answers.
 */
export async function startLocal(options: {
  state: string;
  adminToken?: string;
  /** Extra `--var NAME:value` for `npm start`, given the base URL (a route to its own sink). */
  vars?: (base: string) => Record<string, string>;
}): Promise<Local> {
  rmSync(options.state, { recursive: true, force: true });
  const port = await freePort();
  const args = Object.entries(options.vars?.(`http://127.0.0.1:${port}`) ?? {}).flatMap(
    ([name, value]) => ["--var", `${name}:${value}`],
  );
  const worker = await startWorker({
    state: options.state,
    port,
    args,
    ...(options.adminToken ? { env: { ADMIN_TOKEN: options.adminToken } } : {}),
  });
  try {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    return {
      base: worker.base,
      browser,
      async stop() {
        await browser.close();
        await worker.stop();
      },
    };
  } catch (error) {
    await worker.stop();
    throw error;
  }
}
