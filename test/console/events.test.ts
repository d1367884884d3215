/**
 * The console's API over the real local event store (shards, listing index), D1 and queues: /events (filters, cursor), one event with its
 * attempts and current translation, replay of one event and of dead letters in bulk, deleting a
 * dead letter, /activity, and that none of it answers without the token.
 */
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import { admitAll, parseEventId, settle } from "../../src/store/index.ts";
import { listAccepted } from "../../src/store/listing.ts";
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

describe("many stored events", () => {
  it("pages them from the listing index, a rare route and status through the shards, each event once", async () => {
    const { env, name } = routeEnv();
    const bulk = `${name}-bulk`;
    const now = Math.floor(Date.now() / 1000);
    const events = Array.from({ length: 2_000 }, () => ({
      key: `bulk:${crypto.randomUUID()}`,
      source: "chatwoot",
      name: "message_created",
      payload: "{}",
    }));
    const admitted = await admitAll(env, events, [bulk], {
      now,
      dedupeSeconds: 86_400,
      repeatBefore: now - 20,
      maxRequeues: 10,
    });
    const ids = admitted.map((a) => a.id);
    await listAccepted(
      env,
      ids.map((id) => ({
        shard: parseEventId(id)?.shard ?? 0,
        receivedAt: now,
        id,
        source: "chatwoot",
        name: "message_created",
      })),
      7,
    );
    // One in a hundred is dead.
    const dead = ids.filter((_, i) => i % 100 === 0);
    const settlement = { outcome: { status: "dead" as const, attempts: 1 }, failures: [] };
    await Promise.all(dead.map((id) => settle(env, id, bulk, settlement)));

    const timings: Record<string, number> = {};
    const time = async (label: string, path: string) => {
      const started = Date.now();
      const page = await get<EventPage>(env, path);
      timings[label] = Date.now() - started;
      return page;
    };
    const first = await time("first page", `/events?route=${bulk}&limit=100`);
    expect(first.events).toHaveLength(100);
    let cursor = first.next;
    for (let i = 0; i < 3; i++) {
      cursor = (await time(`page ${i + 2}`, `/events?route=${bulk}&limit=100&cursor=${cursor}`))
        .next;
    }
    // The dead of the route: pages may hold fewer than asked (the work per page is bounded),
    // and their cursors together list every one once.
    const found: string[] = [];
    let pages = 0;
    let next: string | undefined;
    do {
      const page = await time(
        `dead, page ${++pages}`,
        `/events?route=${bulk}&status=dead&limit=50${next ? `&cursor=${next}` : ""}`,
      );
      found.push(...page.events.map((e) => e.id));
      next = page.next;
    } while (next);
    expect(new Set(found)).toEqual(new Set(dead));
    expect(found).toHaveLength(dead.length);
    console.log(`listing 2,000 events (ms): ${JSON.stringify(timings)}`);
  }, 60_000);
});
