/**
 * The hourly cron prunes what is left of the D1 store from before the upgrade
 * (src/storage/housekeeping.ts), its rows written by the old version's code (test/d1-store).
 */
import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { EVENT_RETENTION_SECONDS } from "../../src/storage/types.ts";
import { admit, freshKey, getEvent, newEvent } from "../d1-store/index.ts";

const db = (env as unknown as Env).DB;

const ROUTES = ["default"];

describe("the cron trigger", () => {
  it("prunes expired dedupe keys and events past retention, and keeps the rest", async () => {
    const worker = (await import("../../src/index.ts")).default;
    const expired = newEvent(freshKey());
    const current = newEvent(freshKey());
    await admit(db, [expired, current], ROUTES);
    const longAgo = Math.floor(Date.now() / 1000) - EVENT_RETENTION_SECONDS - 60;
    await db.batch([
      db.prepare("UPDATE seen SET expires_at = ? WHERE key = ?").bind(longAgo, expired.key),
      db.prepare("UPDATE events SET received_at = ? WHERE id = ?").bind(longAgo, expired.id),
      // Delivered long ago (an event whose delivery is still pending is kept).
      db
        .prepare("UPDATE deliveries SET status = 'delivered', updated_at = ? WHERE event_id = ?")
        .bind(longAgo, expired.id),
    ]);

    // The cron trigger runs every minute and prunes at minute 23 of each hour.
    const at23 = new Date();
    at23.setUTCMinutes(23);
    const controller = createScheduledController({
      cron: "* * * * *",
      scheduledTime: at23.getTime(),
    });
    const ctx = createExecutionContext();
    await worker.scheduled(controller, env as unknown as Env, ctx);
    await waitOnExecutionContext(ctx);

    expect(await getEvent(db, expired.id)).toBeUndefined();
    expect(await getEvent(db, current.id)).toBeDefined();
    const keys = await db
      .prepare("SELECT key FROM seen WHERE key IN (?, ?)")
      .bind(expired.key, current.key)
      .all<{ key: string }>();
    expect(keys.results.map((row) => row.key)).toEqual([current.key]);
  });
});
