/**
 * The delivery console in a real browser: Debian's Chromium driven by Playwright against the
 * Worker under `wrangler dev` (local D1, queues and Durable Objects), delivering to its own dev
 * sink (route `default`) and to a sink path that refuses everything (route `refuser`). Sign in,
 * find an event, open it, see an attempt's status, replay it, pause and resume; the page agrees
 * with the API after each action and by itself; confirmations; the chart of an hour of traffic.
 */
import { mkdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromiumMissing, type Local, startLocal } from "./local.ts";

const TOKEN = "console-test-token";
const SHOTS = process.env.CONSOLE_SCREENSHOTS; // a directory: screenshots for a person to look at
const STATE = ".wrangler/console-test";
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
  local = await startLocal({
    state: STATE,
    adminToken: TOKEN,
    vars: (url) => ({
      ROUTES: JSON.stringify([
        { name: "refuser", sources: "*", target: "dotted", url: `${url}/dev/sink/status/410` },
      ]),
    }),
  });
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
    // Delivered again: the sink holds it twice (the store keeps a success on its delivery row,
    // not as an attempt of its own, so the history shows the last success).
    await expect.poll(() => sinkCopies("__pwned=2"), { timeout: 30_000 }).toBe(2);

    page.once("dialog", (dialog) => dialog.accept());
    await page.click('#routes tr[data-route="default"] button.pause');
    await page.waitForSelector('#routes tr[data-route="default"] button.resume');
    expect(await page.textContent('#routes tr[data-route="default"]')).toContain("paused");
    await shot("3-paused");
    await page.click('#routes tr[data-route="default"] button.resume');
    await page.waitForSelector('#routes tr[data-route="default"] button.pause');
    expect(await page.textContent('#routes tr[data-route="default"]')).toContain("active");
  }, 120_000);

  it("agrees with the API after each action and by itself; asks before pausing and bulk replays", async () => {
    await page.goto(`${base}/console`);
    // Under npm start the sign-in page says where the local token comes from.
    expect(await page.textContent("#local-token")).toContain("dev-admin-token");
    await signIn();

    // Dismissing the confirmation leaves the route running.
    let asked = "";
    page.once("dialog", (dialog) => {
      asked = dialog.message();
      return dialog.dismiss();
    });
    await page.click('#routes tr[data-route="default"] button.pause');
    await expect.poll(() => asked).toMatch(/^Pause route default\?/);
    expect((await routeState("default")).paused).toBe(false);
    page.once("dialog", (dialog) => dialog.accept());
    await page.click('#routes tr[data-route="default"] button.pause');
    await page.waitForSelector('#routes tr[data-route="default"] button.resume');

    // A webhook posted while the page is open: it appears, held, with no click. (The route may
    // hold more than this one: a delivery of the first test still in flight, a replay's or a
    // retry's, is held too. The table must show the API's number.)
    const id = await postWebhook();
    await page.waitForSelector(`#events tr[data-id="${id}"]`, { timeout: 30_000 });
    await expect.poll(() => deliveryStatus(id, "default"), { timeout: 30_000 }).toBe("paused");
    const { held } = await routeState("default");
    expect(held).toBeGreaterThanOrEqual(1);
    await page.click("#filters button[type=submit]");
    await expect
      .poll(() => page.textContent(`#events tr[data-id="${id}"]`))
      .toContain("default: paused");
    await expect.poll(() => heldShown("default")).toBe(String(held));

    // The refusing route's delivery becomes a dead letter; the table says so by itself.
    await expect
      .poll(async () => (await routeState("refuser")).counts.dead ?? 0, { timeout: 30_000 })
      .toBeGreaterThan(0);
    await expect.poll(() => tableAgrees("refuser"), { timeout: 30_000 }).toBe(true);
    page.once("dialog", (dialog) => dialog.dismiss());
    await page.click('#routes tr[data-route="refuser"] button.replay-dead');
    page.once("dialog", (dialog) => {
      asked = dialog.message();
      return dialog.accept();
    });
    await page.click('#routes tr[data-route="refuser"] button.replay-dead');
    await expect
      .poll(() => page.textContent("#status"))
      .toMatch(/\d+ dead letter\(s\) of refuser queued again/);
    expect(asked).toMatch(/^Replay every dead letter of route refuser\?/);
    // Whatever the replay led to, the table shows the API's numbers.
    await expect.poll(() => tableAgrees("refuser"), { timeout: 30_000 }).toBe(true);

    await page.click('#routes tr[data-route="default"] button.resume'); // asks nothing
    await expect.poll(() => heldShown("default"), { timeout: 30_000 }).toBe("0");
    await expect
      .poll(() => page.textContent(`#events tr[data-id="${id}"]`), { timeout: 30_000 })
      .toContain("default: delivered");

    await page.click('#routes tr[data-route="default"] button.test-send');
    await expect
      .poll(() => page.textContent("#status"), { timeout: 30_000 })
      .toMatch(/^Test to default: HTTP 200 in \d+ ms/);

    // Erasing asks first; once confirmed the event is gone from the page and the API says 410.
    await page.click(`#events tr[data-id="${id}"]`);
    await page.waitForSelector("#detail:not([hidden])");
    page.once("dialog", (dialog) => dialog.dismiss());
    await page.click("#erase-event");
    expect((await admin(`/events/${id}`)).status).toBe(200);
    page.once("dialog", (dialog) => {
      asked = dialog.message();
      return dialog.accept();
    });
    await page.click("#erase-event");
    await expect.poll(() => page.textContent("#status")).toBe(`Event ${id} erased.`);
    expect(asked).toMatch(/^Erase event .*deleted for good/);
    expect((await admin(`/events/${id}`)).status).toBe(410);
    expect(await page.isHidden("#detail")).toBe(true);
    expect(await page.$(`#events tr[data-id="${id}"]`)).toBeNull();
  }, 180_000);

  it("draws an hour of local traffic as readable bars", async () => {
    // An hour of attempts, one to three a minute, some failed: /activity's answer as the routes'
    // objects would give it after an hour of traffic (they count as deliveries happen, so an
    // hour cannot be written into them from outside; the API's counts are tested in
    // test/console/events.test.ts and test/store/counts.test.ts).
    await page.route(`${base}/activity`, (route) => route.fulfill({ json: hourOfActivity() }));
    await page.goto(`${base}/console`);
    await signIn();
    await expect.poll(() => page.textContent("#chart-scale")).toMatch(/^1-minute bars/);
    const bars = await page.$$eval("#chart rect.bar", (rects) =>
      rects.map((rect) => rect.getBoundingClientRect().width),
    );
    expect(bars.length).toBeGreaterThanOrEqual(60);
    // Each minute of the hour is a bar several pixels wide (it was 1/1440 of the chart).
    expect(Math.min(...bars)).toBeGreaterThanOrEqual(6);
    const path = `${SHOTS ?? tmpdir()}/chart-hour.png`;
    await page.locator("#chart").screenshot({ path });
    process.stderr.write(`\nchart screenshot: ${path}\n`);
  }, 120_000);
});

async function signIn() {
  if (await page.isVisible("#login")) {
    await page.fill("#login input[name=token]", TOKEN);
    await page.click("#login button[type=submit]");
  }
  await page.waitForSelector('#routes tr[data-route="default"]');
}

interface RouteView {
  paused: boolean;
  held: number;
  counts: Record<string, number>;
}

async function routeState(name: string): Promise<RouteView> {
  const { routes } = (await (await admin("/routes")).json()) as {
    routes: Array<RouteView & { name: string }>;
  };
  const route = routes.find((each) => each.name === name);
  if (!route) throw new Error(`no route ${name}`);
  return route;
}

/** The counts cell as the page writes it: `<status> <n>` per status. */
const countsText = (counts: Record<string, number>) =>
  Object.entries(counts)
    .map(([status, n]) => `${status} ${n}`)
    .join("");
const countsShown = (name: string) =>
  page.textContent(`#routes tr[data-route="${name}"] td:nth-child(6)`).then((t) => t ?? "");
/** The route's counts in the table are the API's. */
const tableAgrees = async (name: string) =>
  (await countsShown(name)) === countsText((await routeState(name)).counts);
const heldShown = (name: string) =>
  page.textContent(`#routes tr[data-route="${name}"] td:nth-child(4)`);

/** The status of an event's delivery to `route`, as `GET /events/:id` gives it. */
async function deliveryStatus(id: string, route: string): Promise<string | undefined> {
  const { deliveries } = (await (await admin(`/events/${id}`)).json()) as {
    deliveries: Array<{ route: string; status: string }>;
  };
  return deliveries.find((each) => each.route === route)?.status;
}

async function postWebhook(): Promise<string> {
  const response = await fetch(`${base}/webhooks/chatwoot`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "X-Chatwoot-Delivery": crypto.randomUUID() },
    body: readFileSync("test/fixtures/chatwoot/message-created-incoming/source.json", "utf8"),
  });
  expect(response.status).toBe(202);
  return ((await response.json()) as { accepted: string[] }).accepted[0] ?? "";
}

/** An hour of `/activity`: one to three attempts a minute, some failed. */
function hourOfActivity() {
  const now = Math.floor(Date.now() / 60_000) * 60;
  const minutes = Array.from({ length: 60 }, (_, i) => {
    const n = 1 + ((i + 1) % 3);
    const failed = Array.from({ length: n }, (_, k) => ((i + 1) * 7 + k + 1) % 11 === 0).filter(
      Boolean,
    ).length;
    return {
      at: new Date((now - (60 - i) * 60) * 1000).toISOString(),
      delivered: n - failed,
      failed,
      dead: 0,
    };
  });
  return {
    from: new Date((now - 86_400) * 1000).toISOString(),
    to: new Date(now * 1000).toISOString(),
    minutes,
  };
}

/** How many deliveries the dev sink holds whose body contains `text`. */
async function sinkCopies(text: string): Promise<number> {
  const { deliveries } = (await (await fetch(`${base}/dev/sink?limit=100`)).json()) as {
    deliveries: Array<{ raw: string }>;
  };
  return deliveries.filter((d) => d.raw.includes(text)).length;
}
