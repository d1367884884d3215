/**
 * The playground in a real browser: Debian's Chromium driven by Playwright against the Worker
 * running locally under `wrangler dev`. Runs in Node (not the Workers pool): see vitest.config.ts.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
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

/** Without Chromium, locally, the test is skipped and says how to install it; CI must run it. */
const missing = existsSync(CHROMIUM)
  ? undefined
  : `Chromium not found at ${CHROMIUM}: install it (Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM_PATH to a Chromium or Chrome binary. The playground's browser test needs it.`;
if (missing && process.env.CI) throw new Error(missing);
if (missing) console.warn(`\nSKIPPED test/browser/playground.test.ts: ${missing}\n`);

beforeAll(async () => {
  if (missing) return;
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // Exactly what a user runs: `npm start -- --port N` (the sink follows the port).
  worker = spawn(
    "npm",
    [
      "start",
      "--",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      ".wrangler/browser-test",
    ],
    { stdio: "ignore", detached: true },
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
  if (missing) return;
  await browser?.close();
  if (worker?.pid) process.kill(-worker.pid, "SIGTERM");
});

/** WCAG contrast ratio of two CSS rgb() colours. */
function contrast(a: string, b: string): number {
  const luminance = (css: string) => {
    const [r, g, b] = (css.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map((v) => {
      const c = Number(v) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * (r ?? 0) + 0.7152 * (g ?? 0) + 0.0722 * (b ?? 0);
  };
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
}

describe.skipIf(missing !== undefined)("npm start -- --port N", () => {
  it("serves on that port and delivers to the sink on the same port", async () => {
    const lastSeq = async () => {
      const sink = (await (await fetch(`${base}/dev/sink?limit=1`)).json()) as {
        deliveries: Array<{ seq: number }>;
      };
      return sink.deliveries[0]?.seq ?? 0;
    };
    const before = await lastSeq();
    const accepted = await fetch(`${base}/webhooks/hoory`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-chatwoot-delivery": crypto.randomUUID() },
      body: readFileSync("test/fixtures/chatwoot/message-created-incoming/source.json", "utf8"),
    });
    expect(accepted.status).toBe(202);
    await expect.poll(lastSeq, { timeout: 30_000, interval: 500 }).toBeGreaterThan(before);
    const health = await fetch(`${base}/health`, {
      headers: { authorization: "Bearer dev-admin-token" },
    });
    expect(((await health.json()) as { routes: Array<{ url: string }> }).routes[0]?.url).toBe(
      `http://localhost:${new URL(base).port}/dev/sink`,
    );
  }, 60_000);
});

describe.skipIf(missing !== undefined)("playground in Chromium", () => {
  it("opens with an example chosen and translated, and a readable status badge", async () => {
    await page.goto(`${base}/playground`);
    await expect
      .poll(() => page.textContent("#status"), { timeout: 15_000 })
      .toMatch(/\d+ delivered/);
    expect(await page.inputValue("#example")).not.toBe("");
    expect(await page.inputValue("#payload")).toContain('"event"');
    expect(await page.textContent("#deliveries")).not.toBe("—");
    // A look at the page as it opens (kept out of git in .wrangler/).
    await page.screenshot({ path: ".wrangler/playground.png" });
    for (const kind of ["", "ok", "error"]) {
      const [color, background] = await page.$eval(
        "#status",
        (element, kind) => {
          element.className = `status ${kind}`;
          const view = globalThis as unknown as {
            getComputedStyle(e: unknown): { color: string; backgroundColor: string };
          };
          const style = view.getComputedStyle(element);
          return [style.color, style.backgroundColor];
        },
        kind,
      );
      expect(
        contrast(color, background),
        `status ${kind}: ${color} on ${background}`,
      ).toBeGreaterThanOrEqual(4.5);
    }
  }, 60_000);

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
