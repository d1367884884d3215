/**
 * The console's API over real local D1 and queues: /events (filters, cursor), one event with its
 * attempts and current translation, replay of one event and of dead letters in bulk, deleting a
 * dead letter, /activity, and that none of it answers without the token.
 */
import { env as bindings } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import { call, consume, destination, received, testEnv, unique } from "../delivery/helpers.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";

const auth = { Authorization: "Bearer admin-token" };
const get = async <T>(env: Env, path: string) => {
  const response = await call(env, path, { headers: auth });
  expect(response.status, path).toBe(200);
  return (await response.json()) as T;
};

function routeEnv(script = "200") {
  const dest = destination(script);
  const name = unique("r").slice(0, 20);
  const env = testEnv({
    ADMIN_TOKEN: "admin-token",
    ROUTES: JSON.stringify([{ name, sources: ["chatwoot"], target: "dotted", url: dest.url }]),
  });
  return { env, name, dest };
}

async function accept(env: Env, route: string, content = "hello"): Promise<DeliveryMessage> {
  const response = await call(env, "/webhooks/chatwoot", {
    text: JSON.stringify({ ...chatwootMessage, content }),
    headers: { "X-Chatwoot-Delivery": unique() },
  });
  expect(response.status).toBe(202);
  const { accepted } = (await response.json()) as { accepted: string[] };
  return { v: 1, event: accepted[0] ?? "", route };
}

interface EventPage {
  events: Array<{
    id: string;
    source: string;
    event: string;
    receivedAt: string;
    deliveries: Array<{
      route: string;
      target?: string;
      status: string;
      attempts: number;
      lastStatus?: number;
    }>;
  }>;
  next?: string;
}

describe("GET /events", () => {
  it("lists events newest first with each route's delivery, filtered and paged", async () => {
    const { env, name } = routeEnv("200");
    const first = await accept(env, name);
    await consume(env, [first]);
    const second = await accept(env, name);

    const page = await get<EventPage>(env, `/events?route=${name}&limit=1`);
    expect(page.events.map((e) => e.id)).toEqual([second.event]);
    expect(page.events[0]).toMatchObject({ source: "chatwoot", event: "message_created" });
    expect(page.events[0]?.receivedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(page.events[0]?.deliveries).toEqual([
      { route: name, target: "dotted", status: "queued", attempts: 0 },
    ]);
    expect(page.next).toBeDefined();
    const next = await get<EventPage>(env, `/events?route=${name}&limit=1&cursor=${page.next}`);
    expect(next.events.map((e) => e.id)).toEqual([first.event]);
    expect(next.events[0]?.deliveries[0]).toMatchObject({
      status: "delivered",
      attempts: 1,
      lastStatus: 200,
    });

    const delivered = await get<EventPage>(env, `/events?route=${name}&status=delivered`);
    expect(delivered.events.map((e) => e.id)).toEqual([first.event]);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await get<EventPage>(env, `/events?route=${name}&since=${future}`)).events).toEqual([]);
    const other = await get<EventPage>(env, `/events?route=${name}&source=dotted`);
    expect(other.events).toEqual([]);
  });

  it("answers 400 for a bad filter or cursor, 401 without the token", async () => {
    const { env } = routeEnv();
    for (const query of ["status=lost", "limit=0", "since=yesterday", "cursor=nope"]) {
      const response = await call(env, `/events?${query}`, { headers: auth });
      expect(response.status, query).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe("invalid_query");
    }
    for (const path of ["/events", "/events/x", "/activity", "/routes"]) {
      expect((await call(env, path)).status, path).toBe(401);
    }
    for (const path of ["/events/x/replay", "/deadletters/replay"]) {
      expect((await call(env, path, { method: "POST" })).status, path).toBe(401);
    }
    expect((await call(env, "/deadletters/x", { method: "DELETE" })).status).toBe(401);
  });
});

describe("GET /events/:id and replay", () => {
  it("shows the payload, every attempt with its status, and the current translation; replays it", async () => {
    const { env, name, dest } = routeEnv("503,200");
    const message = await accept(env, name, "<script>alert(1)</script>");
    await consume(env, [message]);
    await consume(env, [message], 2);
    const detail = await get<{
      payload: { content: string };
      deliveries: Array<{
        route: string;
        status: string;
        attempts: number;
        history: Array<{ at: string; status?: number; durationMs: number; error?: string }>;
        translation: { deliveries: Array<{ event: string }> };
      }>;
    }>(env, `/events/${message.event}`);
    expect(detail.payload.content).toBe("<script>alert(1)</script>");
    const [route] = detail.deliveries;
    expect(route).toMatchObject({ route: name, status: "delivered", attempts: 2 });
    expect(route?.history.map((a) => a.status)).toEqual([503, 200]);
    expect(route?.history[0]?.error).toMatch(/^HTTP 503/);
    expect(route?.history[0]?.at).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(route?.translation.deliveries[0]?.event).toMatch(/^message\.create\./);

    const replay = await call(env, `/events/${message.event}/replay`, {
      method: "POST",
      headers: auth,
      json: { route: name },
    });
    expect(replay.status).toBe(202);
    expect(await replay.json()).toEqual({ replayed: 1 });
    const after = await get<EventPage>(env, `/events?route=${name}&status=queued`);
    expect(after.events.map((e) => e.id)).toContain(message.event);
    // The replayed message is delivered again, though it was delivered before.
    await consume(env, [{ ...message, again: true }]);
    expect(await received(dest.key)).toHaveLength(3);

    const gone = await call(env, `/events/${message.event}/replay`, {
      method: "POST",
      headers: auth,
      json: { route: "removed-route" },
    });
    expect(gone.status).toBe(409);
    expect((await call(env, "/events/no-such-event", { headers: auth })).status).toBe(404);
  });
});

describe("dead letters in bulk", () => {
  it("replays every dead letter of a route, and deletes one", async () => {
    const { env, name } = routeEnv("400");
    const messages = [await accept(env, name), await accept(env, name)];
    await consume(env, messages);
    const list = await get<{
      deadLetters: Array<{ id: string; route: string; attempts: Array<{ at: string }> }>;
    }>(env, "/deadletters?limit=100");
    const ours = list.deadLetters.filter((letter) => letter.route === name);
    expect(ours).toHaveLength(2);
    expect(ours[0]?.attempts[0]?.at).toMatch(/^\d{4}-\d\d-\d\dT/);

    const replay = await call(env, "/deadletters/replay", {
      method: "POST",
      headers: auth,
      json: { route: name },
    });
    expect(replay.status).toBe(202);
    expect(await replay.json()).toEqual({ replayed: 2 });
    // Replayed ones are not replayed again.
    const again = await call(env, "/deadletters/replay", {
      method: "POST",
      headers: auth,
      json: { route: name },
    });
    expect(await again.json()).toEqual({ replayed: 0 });

    const bad = await call(env, "/deadletters/replay", {
      method: "POST",
      headers: auth,
      json: { since: "not a time" },
    });
    expect(bad.status).toBe(400);

    const id = ours[0]?.id ?? "";
    expect(
      (await call(env, `/deadletters/${id}`, { method: "DELETE", headers: auth })).status,
    ).toBe(204);
    expect((await call(env, `/deadletters/${id}`, { headers: auth })).status).toBe(404);
    expect(
      (await call(env, `/deadletters/${id}`, { method: "DELETE", headers: auth })).status,
    ).toBe(404);
  });
});

describe("GET /activity", () => {
  it("counts attempts per minute by outcome over the last 24 hours", async () => {
    const { env, name } = routeEnv("503,200");
    const message = await accept(env, name);
    const before = await get<{ minutes: Array<{ delivered: number; failed: number }> }>(
      env,
      "/activity",
    );
    const sum = (m: Array<{ delivered: number; failed: number }>) =>
      m.reduce(
        (acc, x) => ({ delivered: acc.delivered + x.delivered, failed: acc.failed + x.failed }),
        {
          delivered: 0,
          failed: 0,
        },
      );
    await consume(env, [message]);
    await consume(env, [message], 2);
    const after = await get<{
      from: string;
      to: string;
      minutes: Array<{ at: string; delivered: number; failed: number }>;
    }>(env, "/activity");
    expect(Date.parse(after.to) - Date.parse(after.from)).toBe(24 * 3600 * 1000);
    expect(sum(after.minutes).delivered - sum(before.minutes).delivered).toBe(1);
    expect(sum(after.minutes).failed - sum(before.minutes).failed).toBe(1);
  });
});

describe("100,000 stored events", () => {
  it("pages them from an index (no scan, no sort), and says how long it took", async () => {
    const db = (bindings as unknown as Env).DB;
    const { env, name } = routeEnv();
    await accept(env, name); // creates the schema
    const base = 1_500_000_000;
    await db
      .prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
         INSERT INTO events (id, source, name, payload, received_at)
         SELECT printf('bulk-%06d', i), CASE i % 3 WHEN 0 THEN 'hoory' ELSE 'chatwoot' END, 'message_created', '{}', ?1 + i / 10 FROM n`,
      )
      .bind(base)
      .run();
    await db
      .prepare(
        `INSERT INTO deliveries (event_id, route, status, attempts, queued_at, due_at, updated_at)
         SELECT id, ?1, CASE WHEN rowid % 1000 = 0 THEN 'dead' ELSE 'delivered' END, 1, received_at, received_at, received_at
         FROM events WHERE id LIKE 'bulk-%'`,
      )
      .bind(`${name}-bulk`)
      .run();
    const timings: Record<string, number> = {};
    const time = async (label: string, path: string) => {
      const started = Date.now();
      const page = await get<EventPage>(env, path);
      timings[label] = Date.now() - started;
      return page;
    };
    const first = await time("first page", "/events?limit=100");
    expect(first.events).toHaveLength(100);
    let cursor = first.next;
    for (let i = 0; i < 5; i++) {
      cursor = (await time(`page ${i + 2}`, `/events?limit=100&cursor=${cursor}`)).next;
    }
    await time("by source", "/events?source=hoory&limit=100");
    const dead = await time("dead of a route", `/events?route=${name}-bulk&status=dead&limit=50`);
    expect(dead.events).toHaveLength(50);
    console.log(`listing 100,000 events (ms): ${JSON.stringify(timings)}`);

    // The plans walk an index in order: neither a full scan nor a sort of the table.
    for (const sql of [
      "SELECT id FROM events e ORDER BY e.received_at DESC, e.rowid DESC LIMIT 100",
      "SELECT id FROM events e WHERE e.source = 'hoory' ORDER BY e.received_at DESC, e.rowid DESC LIMIT 100",
    ]) {
      const plan = await db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all<{ detail: string }>();
      const details = plan.results.map((row) => row.detail).join("; ");
      expect(details, sql).toMatch(/USING (COVERING )?INDEX/);
      expect(details, sql).not.toMatch(/TEMP B-TREE/);
    }
  }, 60_000);
});
