/**
 * The delivery console in a real browser: Debian's Chromium driven by Playwright against the
 * Worker under `wrangler dev` (local D1, queues and Durable Objects), delivering to its own dev
 * sink. Sign in, find an event, open it, see an attempt's status, replay it, pause and resume.
 */
import { mkdirSync, readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing, type Local, startLocal } from "./local.ts";

const TOKEN = "console-test-token";
const SHOTS = process.env.CONSOLE_SCREENSHOTS; // a directory: screenshots for a person to look at
const missing = chromiumMissing("test/browser/console.test.ts");
let local: Local;
let page: Page;
let base: string;

const admin = (path: string, init: RequestInit = {}) =>
  fetch(`${base}${path}`, { ...init, headers: { Authorization: `Bearer ${TOKEN}` } });

async function shot(name: string) {
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}

beforeAll(async () => {
  if (missing) return;
  if (SHOTS) mkdirSync(SHOTS, { recursive: true });
  local = await startLocal({ state: ".wrangler/console-test", adminToken: TOKEN });
  base = local.base;
  page = await local.browser.newPage({ viewport: { width: 1300, height: 900 } });
}, 90_000);

afterAll(async () => {
  await local?.stop();
});

describe.skipIf(missing !== undefined)("delivery console in Chromium", () => {
  it("signs in, finds and opens an event, replays it, pauses and resumes its route", async () => {
    // An event whose payload carries markup and script: the page must show it as text.
    const fixture = JSON.parse(
      readFileSync("test/fixtures/chatwoot/message-created-incoming/source.json", "utf8"),
    );
    fixture.content = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`;
    const accepted = await fetch(`${base}/webhooks/chatwoot`, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-Chatwoot-Delivery": crypto.randomUUID() },
      body: JSON.stringify(fixture),
    });
    expect(accepted.status).toBe(202);
    const [id] = ((await accepted.json()) as { accepted: string[] }).accepted;
    await expect
      .poll(
        async () =>
          (
            (await (await admin(`/events/${id}`)).json()) as {
              deliveries: Array<{ status: string }>;
            }
          ).deliveries[0]?.status,
        { timeout: 30_000 },
      )
      .toBe("delivered");

    await page.goto(`${base}/console`);
    await page.fill("#login input[name=token]", "wrong-token");
    await page.click("#login button[type=submit]");
    await expect.poll(() => page.textContent("#login-error")).toMatch(/refused/);
    await page.fill("#login input[name=token]", TOKEN);
    await page.click("#login button[type=submit]");
    await page.waitForSelector(`#events tr[data-id="${id}"]`);
    await page.waitForSelector("#chart svg rect");

    // Filter: the event is found by source and status.
    await page.selectOption("#filters select[name=source]", "chatwoot");
    await page.selectOption("#filters select[name=status]", "delivered");
    await page.click("#filters button[type=submit]");
    await page.waitForSelector(`#events tr[data-id="${id}"]`);
    await shot("1-events");

    await page.click(`#events tr[data-id="${id}"]`);
    await page.waitForSelector("#detail .attempt");
    expect(await page.textContent("#detail .attempt .attempt-status")).toBe("200");
    expect(await page.textContent("#detail-payload")).toContain(
      "<script>window.__pwned=2</script>",
    );
    expect(await page.evaluate("window.__pwned")).toBeUndefined();
    expect(await page.$("#detail img")).toBeNull();
    await shot("2-detail");

    await page.click("#detail .replay-route");
    await expect.poll(() => page.textContent("#status")).toMatch(/Replayed to 1 route/);
    await expect
      .poll(
        async () =>
          (
            (await (await admin(`/events/${id}`)).json()) as {
              deliveries: Array<{ attempts: number }>;
            }
          ).deliveries[0]?.attempts,
        { timeout: 30_000 },
      )
      .toBe(2);

    await page.click('#routes tr[data-route="default"] button.pause');
    await page.waitForSelector('#routes tr[data-route="default"] button.resume');
    expect(await page.textContent('#routes tr[data-route="default"]')).toContain("paused");
    await shot("3-paused");
    await page.click('#routes tr[data-route="default"] button.resume');
    await page.waitForSelector('#routes tr[data-route="default"] button.pause');
    expect(await page.textContent('#routes tr[data-route="default"]')).toContain("active");
  }, 120_000);
});
