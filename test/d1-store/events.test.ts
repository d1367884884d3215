/**
 * The D1 store's admission (events.ts), against the real local D1: the rows the upgrade tests
 * start from (test/store/legacy*.test.ts) are what the old version wrote, 24-hour dedupe included.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { admit, freshKey, getEvent, newEvent } from "./index.ts";

const db = (env as unknown as Env).DB;

const ROUTES = ["default"];

describe("admit", () => {
  it("stores a new event and reports a repeat of it as a duplicate of the original", async () => {
    const key = freshKey();
    const first = newEvent(key, { text: "first" });
    expect(await admit(db, [first], ROUTES)).toEqual([{ id: first.id, duplicate: false }]);
    expect((await getEvent(db, first.id))?.payload).toEqual({ text: "first" });

    const repeat = newEvent(key, { text: "repeat" });
    expect(await admit(db, [repeat], ROUTES)).toEqual([{ id: first.id, duplicate: true }]);
    expect(await getEvent(db, repeat.id)).toBeUndefined();
  });

  it("admits the same key twice in one body once", async () => {
    const key = freshKey();
    const [a, b, c] = [newEvent(key), newEvent(freshKey()), newEvent(key)];
    expect(await admit(db, [a, b, c], ROUTES)).toEqual([
      { id: a.id, duplicate: false },
      { id: b.id, duplicate: false },
      { id: a.id, duplicate: true },
    ]);
  });

  it("admits exactly one of concurrent repeats", async () => {
    const key = freshKey();
    const attempts = Array.from({ length: 5 }, () => newEvent(key));
    const results = (await Promise.all(attempts.map((e) => admit(db, [e], ROUTES)))).flat();
    const admitted = results.filter((r) => !r.duplicate);
    expect(admitted).toHaveLength(1);
    expect(new Set(results.map((r) => r.id))).toEqual(new Set([admitted[0]?.id]));
  });

  it("admits a key again once its 24 hours are over", async () => {
    const key = freshKey();
    const old = newEvent(key);
    await admit(db, [old], ROUTES);
    await db.prepare("UPDATE seen SET expires_at = 0 WHERE key = ?").bind(key).run();

    const later = newEvent(key);
    expect(await admit(db, [later], ROUTES)).toEqual([{ id: later.id, duplicate: false }]);
    expect(await getEvent(db, later.id)).toBeDefined();
    expect(await admit(db, [newEvent(key)], ROUTES)).toEqual([{ id: later.id, duplicate: true }]);
  });

  it("handles more keys than one statement may bind (100)", async () => {
    const events = Array.from({ length: 250 }, () => newEvent(freshKey()));
    const results = await admit(db, [...events, newEvent(events[249]?.key ?? "")], ROUTES);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(250);
    expect(results.at(-1)).toEqual({ id: events[249]?.id, duplicate: true });
  });
});
