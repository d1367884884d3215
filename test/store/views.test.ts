/**
 * What people read of the sharded store (src/store/views.ts): `/events` pages through the listing
 * index and asks only the shards of a page's events, with the route and status filters answered
 * there; one event's detail is one call. Real local shards, filled through the store's own calls.
 */
import { env as bindings } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { admitAll, parseEventId, settle, shardStub } from "../../src/store/index.ts";
import { dayOf, type ListCursor, listAccepted } from "../../src/store/listing.ts";
import { eventDetail, listEvents } from "../../src/store/views.ts";
import { admitOptions, DAY } from "./rows.ts";

const SHARDS = 4;
const env = { ...(bindings as unknown as Env), STORE_SHARDS: String(SHARDS) } as Env;

/** Admits `n` events with routes a and b, and lists them in a day of their own. */
async function fill(n: number) {
  // A day of its own, in the future: the index's alarm does not drop it while the test runs.
  const now = (40_000 + Math.floor(Math.random() * 20_000)) * DAY + 3600;
  const events = Array.from({ length: n }, (_, i) => ({
    key: `views:${crypto.randomUUID()}`,
    source: i % 2 === 0 ? "chatwoot" : "hoory",
    name: "message_created",
    payload: JSON.stringify({ i }),
  }));
  const admitted = await admitAll(env, events, ["a", "b"], admitOptions(now));
  const ids = admitted.map((a) => a.id);
  await listAccepted(
    env,
    ids.map((id, i) => ({
      shard: parseEventId(id)?.shard ?? 0,
      receivedAt: now + i,
      id,
      source: events[i]?.source ?? "",
      name: "message_created",
    })),
    7,
  );
  return { ids, now: now + n };
}

const dead = { outcome: { status: "dead" as const, attempts: 1, lastStatus: 400 }, failures: [] };
const delivered = {
  outcome: { status: "delivered" as const, attempts: 1, lastStatus: 200 },
  failures: [],
};

async function all(filter: Parameters<typeof listEvents>[1], limit: number, now: number) {
  const ids: string[] = [];
  const works = [];
  let cursor: ListCursor | undefined;
  do {
    const page = await listEvents(env, filter, limit, cursor, now);
    ids.push(...page.items.map((e) => e.id));
    works.push(page.work);
    cursor = page.next;
  } while (cursor);
  return { ids, works };
}

describe("reading the sharded store", () => {
  it("lists events newest first with their deliveries; route, status and source filters come from the shards", async () => {
    const { ids, now } = await fill(30);
    for (const [i, id] of ids.entries()) {
      if (i % 5 === 0) await settle(env, id, "a", dead);
      else if (i % 2 === 0) await settle(env, id, "a", delivered);
    }
    const newest = [...ids].reverse();
    const first = await listEvents(env, {}, 10, undefined, now);
    expect(first.items.map((e) => e.id)).toEqual(newest.slice(0, 10));
    expect(first.items[0]?.deliveries.map((d) => [d.route, d.status])).toEqual([
      ["a", ids.length % 2 === 1 ? "delivered" : "queued"],
      ["b", "queued"],
    ]);
    // One call per shard on the page, not one per event nor one per shard of the store.
    expect(first.work.shardCalls).toBeLessThanOrEqual(SHARDS);
    expect(first.work.checks).toBe(1);

    expect((await all({}, 7, now)).ids).toEqual(newest);
    const deadOfA = await all({ route: "a", status: "dead" }, 4, now);
    expect(deadOfA.ids).toEqual(newest.filter((id) => ids.indexOf(id) % 5 === 0));
    expect((await all({ route: "b", status: "dead" }, 4, now)).ids).toEqual([]);
    expect((await all({ status: "delivered" }, 50, now)).ids).toEqual(
      newest.filter((id) => ids.indexOf(id) % 2 === 0 && ids.indexOf(id) % 5 !== 0),
    );
    expect((await all({ source: "hoory", route: "b" }, 50, now)).ids).toEqual(
      newest.filter((id) => ids.indexOf(id) % 2 === 1),
    );
    expect((await all({ route: "gone" }, 50, now)).ids).toEqual([]);
    const since = now - 10;
    expect((await all({ since }, 50, now)).ids).toEqual(newest.slice(0, 10));
  }, 60_000);

  it("leaves out erased events and listing rows whose event is gone; shows one event in one call", async () => {
    const { ids, now } = await fill(4);
    const [a, b, c] = ids as [string, string, string];
    const ref = parseEventId(b);
    if (!ref) throw new Error("not an id");
    await shardStub(env, ref.shard).erase(ref.seq, ref.tag);
    // A listing row naming a row the shard never had (or pruned): not listed.
    const ghost = `${parseEventId(c)?.shard}.999999.0badc0de`;
    await listAccepted(
      env,
      [
        {
          shard: parseEventId(c)?.shard ?? 0,
          receivedAt: now,
          id: ghost,
          source: "chatwoot",
          name: "x",
        },
      ],
      7,
    );
    const page = await listEvents(env, {}, 10, undefined, now);
    expect(page.items.map((e) => e.id)).toEqual([ids[3], c, a]);

    await settle(env, a, "a", {
      outcome: { status: "retrying", attempts: 1, lastStatus: 503, dueAt: now + 60 },
      failures: [
        { webhookId: "w", attempt: 1, status: 503, error: "HTTP 503", latencyMs: 12, at: now },
      ],
    });
    const detail = await eventDetail(env, a);
    expect(detail?.event).toMatchObject({ id: a, source: "chatwoot", payload: '{"i":0}' });
    expect(detail?.erased).toBe(false);
    expect(detail?.deliveries.map((d) => [d.route, d.status])).toEqual([
      ["a", "retrying"],
      ["b", "queued"],
    ]);
    expect(detail?.failures).toEqual([
      {
        route: "a",
        webhookId: "w",
        attempt: 1,
        status: 503,
        error: "HTTP 503",
        latencyMs: 12,
        at: now,
      },
    ]);
    expect((await eventDetail(env, b))?.erased).toBe(true);
    expect(await eventDetail(env, ghost)).toBeUndefined();
    expect(await eventDetail(env, "not-an-id")).toBeUndefined();
    expect(dayOf(now)).toBeGreaterThan(0);
  });
});
