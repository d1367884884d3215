/**
 * What the upgrade from the D1 store costs the request path (src/store/legacy-worker.ts): D1's
 * old `seen` is read once per request while one of its keys can still decide a repeat, and never
 * after; a deployment that never ran the D1 store (no tables: this file's own fresh D1) reads it
 * once per isolate and imports nothing.
 */
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { env as bindings } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { nowSeconds } from "../../src/storage/db.ts";
import { importState } from "../../src/store/legacy.ts";
import { forgetSeenWindow, legacyOwners, legacyStub } from "../../src/store/legacy-worker.ts";
import { admit } from "../d1-store/index.ts";

const env = bindings as unknown as Env;

/** `env` with a D1 that counts the statements sent to it. */
function counted() {
  let statements = 0;
  const db = {
    prepare: (query: string) => env.DB.prepare(query),
    batch: (list: D1PreparedStatement[]) => {
      statements += list.length;
      return env.DB.batch(list);
    },
  } as unknown as D1Database;
  return { env: { ...env, DB: db } as Env, statements: () => statements };
}

describe("a deployment that never ran the D1 store", () => {
  it("imports nothing and stops reading D1 after its first request", async () => {
    const stub = legacyStub(env);
    await stub.upgrade();
    // Run now (the local runtime may already be running it by itself).
    await runDurableObjectAlarm(stub);
    let state = await runInDurableObject(stub, (_, s) => importState(s.storage));
    for (let i = 0; i < 50 && state?.doneAt === undefined; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      state = await runInDurableObject(stub, (_, s) => importState(s.storage));
    }
    expect(state).toMatchObject({ events: 0, deliveries: 0 });
    expect(state?.doneAt).toBeGreaterThan(0);

    forgetSeenWindow();
    const { env: countingEnv, statements } = counted();
    expect((await legacyOwners(countingEnv, ["k1"], nowSeconds())).size).toBe(0);
    expect(statements()).toBe(2);
    await legacyOwners(countingEnv, ["k2"], nowSeconds());
    expect(statements()).toBe(2);
  });
});

describe("after an upgrade", () => {
  it("reads seen once per request for a day, then never", async () => {
    const event = {
      key: "chatwoot:window",
      id: crypto.randomUUID(),
      source: "chatwoot",
      name: "message_created",
      payload: "{}",
    };
    await admit(env.DB, [event], ["crm"]); // the old version: seen holds the key for 24 hours
    forgetSeenWindow();
    const { env: countingEnv, statements } = counted();
    const now = nowSeconds();
    expect(await legacyOwners(countingEnv, [event.key, "other"], now)).toEqual(
      new Map([[event.key, event.id]]),
    );
    expect(statements()).toBe(2); // the keys, and when the window ends
    await legacyOwners(countingEnv, ["other"], now + 60);
    expect(statements()).toBe(3);
    // A day later: the key is no repeat, and D1 is not asked.
    expect((await legacyOwners(countingEnv, [event.key], now + 86_401)).size).toBe(0);
    expect(statements()).toBe(3);
  });
});
