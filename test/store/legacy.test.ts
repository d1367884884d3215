/**
 * The upgrade from the D1 store (src/store/legacy.ts): D1 rows written by the old version's
 * statements (test/d1-store: admit, the consumer's attempts and outcomes, an ordered route's parking, a
 * pause) are imported by `shard-legacy` from its alarm, ids kept; a crash half-way imports
 * nothing twice; the legacy shard's sweep queues what is due; an old id finds its event; and for
 * a day the old `seen` table still answers repeats.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env as bindings } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { nowSeconds } from "../../src/storage/db.ts";
import { type EventStore, REGISTRY } from "../../src/store/event-store.ts";
import { admitAll, begin, findEvent, requeueForReplay, settle } from "../../src/store/index.ts";
import { importBatch, importState } from "../../src/store/legacy.ts";
import { createLegacy } from "../../src/store/legacy-rows.ts";
import { forgetSeenWindow, legacyStub } from "../../src/store/legacy-worker.ts";
import { LEGACY_SHARD, parseEventId } from "../../src/store/shard.ts";
import { listEvents } from "../../src/store/views.ts";
import {
  admit,
  type NewEvent,
  parkDeliveries,
  recordAttempt,
  recordOutcome,
} from "../d1-store/index.ts";

const env = bindings as unknown as Env;
const DAY = 86_400;

/** An event as the old version's request path made it (a UUID id, a key namespaced by source). */
const oldEvent = (n: number): NewEvent => ({
  key: `chatwoot:legacy-${n}-${crypto.randomUUID()}`,
  id: crypto.randomUUID(),
  source: "chatwoot",
  name: "message_created",
  payload: JSON.stringify({ id: n, content: `message ${n}` }),
});

/** The old version's consumer: a failed attempt and the row retrying. */
async function failOnce(event: NewEvent, route: string, dueAt: number) {
  await recordAttempt(env.DB, event.id, route, {
    webhookId: `wh-${event.id}-${route}`,
    attempt: 1,
    status: 503,
    error: "HTTP 503",
    latencyMs: 12,
    at: nowSeconds(),
  });
  await recordOutcome(env.DB, event.id, route, {
    status: "retrying",
    attempts: 1,
    lastStatus: 503,
    lastError: "HTTP 503",
    dueAt,
  });
}

const statusesInD1 = async (ids: string[]) =>
  (
    await env.DB.prepare(
      `SELECT event_id, route, status FROM deliveries WHERE event_id IN (SELECT value FROM json_each(?1))
       ORDER BY event_id, route`,
    )
      .bind(JSON.stringify(ids))
      .all<{ event_id: string; route: string; status: string }>()
  ).results;

const countInShard = (stub: DurableObjectStub<EventStore>, table: string) =>
  runInDurableObject(
    stub,
    (_, state) =>
      state.storage.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`).one().n,
  );

describe("a crash half-way through the import", () => {
  it("resumes where it stopped and imports nothing twice", async () => {
    const events = [oldEvent(1), oldEvent(2), oldEvent(3)];
    await admit(env.DB, events, ["crm"]);
    const stub = env.EVENT_STORE.get(env.EVENT_STORE.idFromName(`test-${crypto.randomUUID()}`));
    const now = nowSeconds();
    // The first batch is written to the shard, then D1 fails before its rows are marked.
    const failing = {
      ...env.DB,
      batch: env.DB.batch.bind(env.DB),
      prepare: (query: string) => {
        if (query.includes("'moved'")) throw new Error("D1 went away");
        return env.DB.prepare(query);
      },
    } as D1Database;
    await runInDurableObject(stub, async (_, state) => {
      createLegacy(state.storage.sql);
      await expect(importBatch(state.storage, failing, now, 2)).rejects.toThrow("D1 went away");
    });
    expect(await countInShard(stub, "events")).toBe(2);
    expect((await statusesInD1(events.map((e) => e.id))).map((r) => r.status)).toEqual([
      "queued",
      "queued",
      "queued",
    ]);
    // Meanwhile one of them is delivered from the shard (a queue message still in flight).
    const [written] = await runInDurableObject(stub, (_, state) =>
      state.storage.sql.exec<{ seq: number; tag: string }>("SELECT seq, tag FROM events").toArray(),
    );
    await runInDurableObject(stub, (instance) =>
      (instance as EventStore).settle(
        written?.seq ?? 0,
        written?.tag ?? "",
        "crm",
        { outcome: { status: "delivered", attempts: 1, lastStatus: 200 }, failures: [] },
        now,
      ),
    );
    // Resumed: the two already there are skipped whole, the third imported, all marked.
    const state = await runInDurableObject(stub, async (_, storage) => {
      let last = await importBatch(storage.storage, env.DB, now, 2);
      while (last.doneAt === undefined) last = await importBatch(storage.storage, env.DB, now, 2);
      return last;
    });
    expect(state).toMatchObject({ events: 1, deliveries: 1, doneAt: now });
    expect(await countInShard(stub, "events")).toBe(3);
    expect(await countInShard(stub, "deliveries")).toBe(3);
    const delivered = await runInDurableObject(stub, (_, storage) =>
      storage.storage.sql
        .exec<{ status: string }>("SELECT status FROM deliveries WHERE event_seq = ?", written?.seq)
        .one(),
    );
    expect(delivered.status).toBe("delivered");
    expect((await statusesInD1(events.map((e) => e.id))).map((r) => r.status)).toEqual([
      "moved",
      "moved",
      "moved",
    ]);
  });
});

describe("upgrading a deployment that ran the D1 store", () => {
  it("imports every event with a delivery not settled, ids, rows and failed attempts kept", async () => {
    const now = nowSeconds();
    const [queued, retrying, waiting, paused, half, settled, partial] = Array.from(
      { length: 7 },
      (_, i) => oldEvent(10 + i),
    ) as [NewEvent, NewEvent, NewEvent, NewEvent, NewEvent, NewEvent, NewEvent];
    const all = [queued, retrying, waiting, paused, half, settled, partial];
    await admit(env.DB, all, ["crm", "bot"]);
    for (const route of ["crm", "bot"]) {
      await failOnce(retrying, route, now + 30);
      await recordOutcome(env.DB, paused.id, route, { status: "paused" });
      await recordOutcome(env.DB, settled.id, route, { status: "delivered", attempts: 1 });
    }
    await parkDeliveries(env.DB, "crm", [waiting.id], now + 60);
    await recordOutcome(env.DB, half.id, "crm", { status: "delivered", attempts: 1 });
    // A translation that yields two webhooks: the first was posted, the second failed.
    await recordAttempt(env.DB, partial.id, "crm", {
      webhookId: "posted-first",
      attempt: 1,
      status: 200,
      latencyMs: 5,
      at: now,
    });
    await failOnce(partial, "crm", now + 30);

    // A queue message for an old id before anything started the import: not found (yet).
    expect((await begin(env, queued.id, "crm")).event).toBeUndefined();
    // The new version's first request: the legacy shard imports from its alarm, and is listed
    // with the shards a local restart's sweep calls.
    const stub = legacyStub(env);
    const started = await stub.upgrade();
    const registry = env.EVENT_STORE.get(env.EVENT_STORE.idFromName(REGISTRY));
    expect(await registry.registered()).toContain(LEGACY_SHARD);
    expect(started.doneAt).toBeUndefined();
    // Run now (the local runtime may already have run it by itself).
    await runDurableObjectAlarm(stub);
    let state = await runInDurableObject(stub, (_, s) => importState(s.storage));
    for (let i = 0; i < 50 && state?.doneAt === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      state = await runInDurableObject(stub, (_, s) => importState(s.storage));
    }
    expect(state).toMatchObject({ events: 6, deliveries: 12, attempts: 3, orphans: 0 });
    expect(state?.doneAt).toBeGreaterThanOrEqual(now);

    expect(parseEventId(queued.id)?.shard).toBe(LEGACY_SHARD);
    // Listed (`GET /events`, the console) with their old ids; the settled one was not imported.
    const page = await listEvents(env, { source: "chatwoot" }, 100);
    const listed = new Set(page.items.map((item) => item.id));
    for (const event of [queued, retrying, waiting, paused, half, partial])
      expect(listed.has(event.id)).toBe(true);
    expect(listed.has(settled.id)).toBe(false);
    expect(page.items.find((item) => item.id === paused.id)?.deliveries).toEqual(
      expect.arrayContaining([expect.objectContaining({ route: "bot", status: "paused" })]),
    );
    // Every unsettled event is found by its old id, its rows as the old version left them.
    const read = async (event: NewEvent, route: string) => begin(env, event.id, route);
    expect((await read(queued, "crm")).delivery).toMatchObject({ status: "queued", attempts: 0 });
    const retry = await read(retrying, "bot");
    expect(retry.event).toMatchObject({
      id: retrying.id,
      source: "chatwoot",
      name: "message_created",
    });
    expect(retry.event?.payload).toEqual({ id: 11, content: "message 11" });
    expect(retry.delivery).toMatchObject({
      eventId: retrying.id,
      status: "retrying",
      attempts: 1,
      lastStatus: 503,
      dueAt: now + 30,
    });
    expect((await read(waiting, "crm")).delivery).toMatchObject({
      status: "waiting",
      dueAt: now + 60,
    });
    expect((await read(paused, "bot")).delivery?.status).toBe("paused");
    expect((await read(half, "crm")).delivery?.status).toBe("delivered");
    expect((await read(half, "bot")).delivery?.status).toBe("queued");
    expect((await read(partial, "crm")).delivery).toMatchObject({
      status: "retrying",
      deliveredIds: ["posted-first"],
    });
    // Failed attempts kept, a success not (in a shard it is on the delivery row).
    const attempts = await runInDurableObject(stub, (_, storage) =>
      storage.storage.sql
        .exec<{ tag: string; route: string; status: number }>(
          `SELECT e.tag, a.route, a.status FROM attempts a JOIN events e ON e.seq = a.event_seq
           ORDER BY e.tag, a.route`,
        )
        .toArray(),
    );
    expect(attempts).toEqual(
      [
        { tag: retrying.id, route: "bot", status: 503 },
        { tag: retrying.id, route: "crm", status: 503 },
        { tag: partial.id, route: "crm", status: 503 },
      ].sort((a, b) => a.tag.localeCompare(b.tag)),
    );
    // Settled in D1: not imported (nothing left to do for it).
    expect(await findEvent(env, settled.id)).toBeUndefined();
    // D1: each row taken is marked, the settled ones are left as they were.
    const d1 = new Map(
      (await statusesInD1(all.map((e) => e.id))).map((r) => [`${r.event_id} ${r.route}`, r.status]),
    );
    expect(d1.get(`${queued.id} crm`)).toBe("moved");
    expect(d1.get(`${paused.id} bot`)).toBe("moved");
    expect(d1.get(`${half.id} crm`)).toBe("delivered");
    expect(d1.get(`${half.id} bot`)).toBe("moved");
    expect(d1.get(`${settled.id} crm`)).toBe("delivered");

    // The legacy shard's sweep queues what is overdue (not the paused ones: their route's
    // gate resumes them), under the old ids.
    const swept = await runInDurableObject(stub, (instance) =>
      (instance as EventStore).housekeeping(now + 3600),
    );
    // queued: 2, retrying: 2, waiting's crm (waiting) and bot (queued), half's bot, partial: 2.
    expect(swept.sent).toBe(9);

    // A message still in flight for an old id: the consumer finds its event and settles it.
    await settle(env, queued.id, "crm", {
      outcome: { status: "delivered", attempts: 1, lastStatus: 200 },
      failures: [],
    });
    expect((await read(queued, "crm")).delivery?.status).toBe("delivered");

    // Replayed by its old id (POST /events/:id/replay), and a dead letter of an old event the
    // import did not take (settled dead in D1) put back under its id from the letter's copy.
    expect(
      await requeueForReplay(env, [{ eventId: queued.id, route: "crm" }], { redeliver: true }),
    ).toEqual([{ eventId: queued.id, route: "crm" }]);
    expect((await read(queued, "crm")).delivery).toMatchObject({ status: "queued", attempts: 0 });
    const dead = oldEvent(20);
    const copy = {
      id: dead.id,
      source: "chatwoot",
      name: "message_created",
      payload: { n: 20 },
      receivedAt: now - 60,
    };
    expect(
      await requeueForReplay(env, [{ eventId: dead.id, route: "crm", restore: copy }]),
    ).toEqual([{ eventId: dead.id, route: "crm" }]);
    expect((await read(dead, "crm")).event).toMatchObject({ id: dead.id, payload: { n: 20 } });
    expect((await read(dead, "crm")).delivery?.status).toBe("queued");

    // Asked again (another isolate, a later cron run): nothing more, nothing twice.
    expect((await stub.upgrade()).events).toBe(6);
    expect(await countInShard(stub, "events")).toBe(7); // the six, and the dead letter's event
  });

  it("answers repeats of keys D1 saw in its last 24 hours, for 24 hours, with the old id", async () => {
    forgetSeenWindow();
    const old = oldEvent(30);
    await admit(env.DB, [old], ["crm"]);
    const now = nowSeconds();
    const options = (at: number) => ({
      now: at,
      dedupeSeconds: DAY,
      repeatBefore: at - 20,
      maxRequeues: 10,
    });
    const fresh = {
      key: `chatwoot:new-${crypto.randomUUID()}`,
      source: "chatwoot",
      name: "message_created",
      payload: "{}",
    };
    const repeat = { ...fresh, key: old.key };
    const [again, other] = await admitAll(env, [repeat, fresh], ["crm"], options(now));
    expect(again).toEqual({ id: old.id, duplicate: true, requeued: [] });
    expect(other?.duplicate).toBe(false);
    expect(parseEventId(other?.id ?? "")?.shard).toBeGreaterThanOrEqual(0);
    // A day later the old key no longer decides a repeat: a new event.
    const [later] = await admitAll(env, [repeat], ["crm"], options(now + DAY + 1));
    expect(later?.duplicate).toBe(false);
    expect(later?.id).not.toBe(old.id);
  });
});
