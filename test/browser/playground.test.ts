/**
 * The playground in a real browser: Debian's Chromium driven by Playwright against the Worker
 * running locally under `wrangler dev`. Runs in Node (not the Workers pool): see vitest.config.ts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
let worker: ChildProcess;
let browser: Browser;
let page: Page;
let base: string;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

async function waitForWorker(url: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/formats`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`wrangler dev did not answer on ${url}`);
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `Chromium not found at ${CHROMIUM}: apt-get install chromium (or set CHROMIUM_PATH)`,
    );
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  worker = spawn(
    "npx",
    [
      "wrangler",
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--var",
      "PLAYGROUND:true",
      "--persist-to",
      ".wrangler/browser-test",
    ],
    {
      stdio: "ignore",
      detached: true,
    },
  );
  await waitForWorker(base, Date.now() + 60_000);
  browser = await chromium.launch({
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
  page = await browser.newPage();
}, 90_000);

afterAll(async () => {
  await browser?.close();
  if (worker?.pid) process.kill(-worker.pid, "SIGTERM");
});

describe("playground in Chromium", () => {
  it("translates a picked example, and shows the effect of an edited mapping", async () => {
    await page.goto(`${base}/playground`);
    await page.waitForFunction("document.getElementById('example').options.length > 1");
    await page.selectOption("#target", "dotted");
    await page.selectOption("#example", "chatwoot-message");

    // The status settles only when the newest request's answer is on the page.
    await expect
      .poll(() => page.textContent("#status"), { timeout: 10_000 })
      .toMatch(/1 delivered/);
    expect(await page.textContent("#deliveries")).toContain("message.create.contact.chat");
    expect(await page.textContent("#canonical")).toContain('"kind": "message.created"');

    await page.getByRole("tab", { name: "dotted/from-canonical/message.jsonata" }).click();
    expect(await page.inputValue("#mapping-text")).toContain("message.create");
    await page.fill(
      "#mapping-text",
      '{"event": "edited.in.browser", "body": {"text": message.text}}',
    );

    await expect
      .poll(() => page.textContent("#deliveries"), { timeout: 10_000 })
      .toContain("edited.in.browser");
    await expect
      .poll(() => page.textContent("#status"), { timeout: 10_000 })
      .toMatch(/1 delivered/);
    expect(await page.textContent("#deliveries")).toContain("Hi, I need help with my order");
  }, 60_000);
});
