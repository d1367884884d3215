/**
 * A delivery as admission writes it (`new`, src/store/schema.ts) stays out of the pending index:
 * one row written fewer per delivery on the happy path. The sweep finds a `new` row whose message
 * was lost by its walk in rowid order (housekeeping.ts `claimFreshIn`), with the same grace as any
 * other, and the walk's start only moves past rows that are no longer `new`.
 */
import { runInDurableObject } from "cloudflare:test";
import { env as bindings } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { claimDueIn, FRESH_SCAN, nextDueIn, pruneIn } from "../../src/store/housekeeping.ts";
import { admitEvents, createShard, settleDelivery } from "../../src/store/ops.ts";
import { counting } from "./count.ts";
import { admitOptions, DAY, seqOf } from "./rows.ts";

const env = bindings as unknown as Env;
const T = 1_800_000_000;
const event = (key: string) => ({
  key,
  source: "chatwoot",
  name: "message_created",
  payload: "{}",
});
const options = admitOptions;
const cutoffs = (now: number, grace = 20) => ({
  now,
  before: now - grace,
  backoffSeconds: 20,
  backoffCapSeconds: 3600,
});
const inShard = <T>(work: (sql: SqlStorage) => T) =>
  runInDurableObject(
    env.EVENT_STORE.get(env.EVENT_STORE.idFromName(`fresh-${crypto.randomUUID()}`)),
    (_, state) => work(state.storage.sql),
  );
const walkStart = (sql: SqlStorage) =>
  sql.exec<{ next_seq: number }>("SELECT next_seq FROM fresh_walk").one().next_seq;
const delivered = { outcome: { status: "delivered" as const }, failures: [] };

describe("deliveries as admission wrote them", () => {
  it("cost one row each, not two: the pending index does not hold them", async () => {
    await inShard((raw) => {
      admitEvents(raw, 0, [event("warm")], ["r"], options(T));
      const { sql, counts } = counting(raw);
      admitEvents(sql, 0, [event("one")], ["a", "b", "c"], options(T));
      // The event (its row and its key's index entry), 3 deliveries, the source's counters.
      expect(counts().rowsWritten).toBe(2 + 3 + 1);
    });
  });

  it("are claimed by the sweep once overdue, oldest first, and only those", async () => {
    await inShard((sql) => {
      const [a, b] = admitEvents(sql, 0, [event("a"), event("b")], ["r"], options(T));
      const [c] = admitEvents(sql, 0, [event("c")], ["r"], options(T + 100));
      settleDelivery(sql, seqOf(a?.id), "r", delivered, T + 1);
      expect(nextDueIn(sql)).toBe(T);
      // 20 s: nothing overdue yet.
      expect(claimDueIn(sql, cutoffs(T + 10), 100)).toEqual([]);
      // b is overdue (a is settled, c is not due): claimed once, as a first loss.
      expect(claimDueIn(sql, cutoffs(T + 30), 100)).toEqual([
        { seq: seqOf(b?.id), route: "r", requeues: 1 },
      ]);
      // The walk now starts at c, the first row still as admitted.
      expect(walkStart(sql)).toBe(seqOf(c?.id));
      // b is an indexed row now: lost again, it is claimed with the backoff of a second loss.
      expect(claimDueIn(sql, cutoffs(T + 60), 100)).toEqual([]);
      expect(claimDueIn(sql, cutoffs(T + 200), 100)).toEqual([
        { seq: seqOf(b?.id), route: "r", requeues: 2 },
        { seq: seqOf(c?.id), route: "r", requeues: 1 },
      ]);
    });
  });

  it("wait out a busy consumer's longer grace (a backlog is not a loss)", async () => {
    await inShard((sql) => {
      admitEvents(sql, 0, [event("x")], ["r"], options(T));
      expect(claimDueIn(sql, cutoffs(T + 300, 600), 100)).toEqual([]);
      expect(claimDueIn(sql, cutoffs(T + 601, 600), 100)).toHaveLength(1);
    });
  });

  it("are found past a stretch of settled rows longer than one walk reads", async () => {
    await inShard((sql) => {
      const many = Array.from({ length: FRESH_SCAN + 50 }, (_, i) => event(`s${i}`));
      for (const admission of admitEvents(sql, 0, many, ["r"], options(T)))
        settleDelivery(sql, seqOf(admission.id), "r", delivered, T);
      const [late] = admitEvents(sql, 0, [event("late")], ["r"], options(T));
      // The first walk reads FRESH_SCAN rows and moves on; the next reaches the lost one.
      expect(claimDueIn(sql, cutoffs(T + 30), 100)).toEqual([]);
      expect(claimDueIn(sql, cutoffs(T + 30), 100)).toEqual([
        { seq: seqOf(late?.id), route: "r", requeues: 1 },
      ]);
    });
  });

  it("are found after a prune emptied the shard and seq numbers start again", async () => {
    await inShard((sql) => {
      const old = admitEvents(sql, 0, [event("o1"), event("o2"), event("o3")], ["r"], options(T));
      for (const admission of old) settleDelivery(sql, seqOf(admission.id), "r", delivered, T);
      expect(claimDueIn(sql, cutoffs(T + 30), 100)).toEqual([]);
      expect(walkStart(sql)).toBe(4);
      // Retention passes: every event goes, and SQLite hands out seq 1 again.
      const later = T + 8 * DAY;
      expect(pruneIn(sql, later - 7 * DAY, 100).events).toBe(3);
      const [lost] = admitEvents(sql, 0, [event("n1")], ["r"], options(later));
      expect(seqOf(lost?.id)).toBe(1);
      expect(claimDueIn(sql, cutoffs(later + 30), 100)).toEqual([
        { seq: 1, route: "r", requeues: 1 },
      ]);
    });
  });

  it("start past the last event in a shard made before they existed", async () => {
    await inShard((sql) => {
      createShard(sql);
      admitEvents(sql, 0, [event("old-1"), event("old-2")], ["r"], options(T));
      // As a shard of the version before: no walk table yet.
      sql.exec("DROP TABLE fresh_walk");
      createShard(sql);
      expect(walkStart(sql)).toBe(3);
    });
  });
});
