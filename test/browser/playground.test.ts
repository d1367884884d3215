/**
 * The playground in a real browser: Debian's Chromium driven by Playwright against the Worker
 * running locally under `wrangler dev`. Runs in Node (not the Workers pool): see vitest.config.ts.
 */
import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing, type Local, startLocal } from "./local.ts";

const missing = chromiumMissing("test/browser/playground.test.ts");
let local: Local;
let page: Page;
let base: string;

beforeAll(async () => {
  if (missing) return;
  local = await startLocal({ state: ".wrangler/browser-test" });
  base = local.base;
  page = await local.browser.newPage();
}, 90_000);

afterAll(async () => {
  await local?.stop();
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
    // A selector, not waitForFunction: Playwright evaluates that with eval, which the page's CSP
    // (script-src 'self') refuses.
    await page.waitForSelector("#example option:nth-child(2)", { state: "attached" });
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
