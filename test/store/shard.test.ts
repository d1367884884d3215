/**
 * Which shard holds what (src/store/shard.ts): keys spread evenly, growing the shard count moves
 * only the keys it must, and an event id names its shard.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  eventId,
  jumpHash,
  LEGACY_SHARD,
  parseEventId,
  shardName,
  shardOf,
} from "../../src/store/shard.ts";

describe("shardOf", () => {
  it("spreads 100,000 keys over 128 shards within 10% of the mean", () => {
    const counts = new Array(128).fill(0);
    for (let i = 0; i < 100_000; i++) counts[shardOf(`chatwoot:${i}:${i * 7919}`, 128)]++;
    const mean = 100_000 / 128;
    expect(Math.max(...counts)).toBeLessThan(mean * 1.1);
    expect(Math.min(...counts)).toBeGreaterThan(mean * 0.9);
  });

  it("is stable, in range, and moving from n to m > n shards only moves keys to the new shards", () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: 1, max: 300 }),
        fc.integer({ min: 1, max: 300 }),
        (key, a, b) => {
          const [n, m] = a <= b ? [a, b] : [b, a];
          const before = shardOf(key, n);
          const after = shardOf(key, m);
          expect(before).toBeGreaterThanOrEqual(0);
          expect(before).toBeLessThan(n);
          expect(shardOf(key, n)).toBe(before);
          // A key either stays where it was or goes to one of the shards added.
          expect(after === before || after >= n).toBe(true);
        },
      ),
    );
  });

  it("moves about 1/m of the keys when one shard is added", () => {
    let moved = 0;
    for (let i = 0; i < 20_000; i++) {
      const key = BigInt(i) * 0x9e3779b97f4a7c15n;
      if (jumpHash(key & ((1n << 64n) - 1n), 128) !== jumpHash(key & ((1n << 64n) - 1n), 129))
        moved++;
    }
    expect(moved / 20_000).toBeGreaterThan(0.5 / 129);
    expect(moved / 20_000).toBeLessThan(2 / 129);
  });
});

describe("event ids", () => {
  it("round-trip and name their shard", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 65_535 }),
        fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
        fc.stringMatching(/^[0-9a-f]{8}$/),
        (shard, seq, tag) => {
          expect(parseEventId(eventId({ shard, seq, tag }))).toEqual({ shard, seq, tag });
        },
      ),
    );
  });

  it("a D1-era UUID names the legacy shard, and keeps its text as the id", () => {
    const uuid = crypto.randomUUID();
    const ref = parseEventId(uuid);
    expect(ref).toEqual({ shard: LEGACY_SHARD, seq: 0, tag: uuid });
    expect(ref && eventId(ref)).toBe(uuid);
    expect(ref && shardName(ref.shard)).toBe("shard-legacy");
  });

  it("are not taken from anything else (a truncated id, another tag, an upper-case UUID)", () => {
    expect(parseEventId(crypto.randomUUID().toUpperCase())).toBeUndefined();
    expect(parseEventId("7.1042")).toBeUndefined();
    expect(parseEventId("7.0.03f9a2c1")).toBeUndefined();
    expect(parseEventId("7.1042.zzzzzzzz")).toBeUndefined();
    expect(parseEventId("70000.1.00000000")).toBeUndefined();
  });
});
