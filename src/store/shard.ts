/**
 * Which shard holds what: the dedupe key picks the shard (a jump consistent hash, so changing
 * the shard count moves as few keys as possible), and an event's id names the shard it was
 * written to, so it is found there whatever the shard count is later (docs/store.md).
 */

/** Shards when `STORE_SHARDS` is unset: from the sizing arithmetic in docs/store.md. */
export const DEFAULT_SHARDS = 128;
/** The most shards a setting may ask for (one id space; far beyond any need). */
export const MAX_SHARDS = 65_536;

const MASK64 = (1n << 64n) - 1n;
const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const encoder = new TextEncoder();

/** FNV-1a, 64 bits, over the UTF-8 bytes of `text`. */
export function hash64(text: string): bigint {
  let h = FNV_OFFSET;
  for (const byte of encoder.encode(text)) {
    h ^= BigInt(byte);
    h = (h * FNV_PRIME) & MASK64;
  }
  return h;
}

/**
 * Jump consistent hash (Lamping and Veach, 2014): a bucket in [0, buckets) such that going from
 * n to n + 1 buckets moves only 1 / (n + 1) of the keys.
 */
export function jumpHash(key: bigint, buckets: number): number {
  let b = -1;
  let j = 0;
  let k = key;
  while (j < buckets) {
    b = j;
    k = (k * 2862933555777941757n + 1n) & MASK64;
    j = Math.floor(((b + 1) * 2 ** 31) / (Number(k >> 33n) + 1));
  }
  return b;
}

/**
 * The shard of a dedupe key among `shards`.
 *
 * @example shardOf("chatwoot:3f9a...", 128) // 0..127, always the same for that key and count
 */
export const shardOf = (key: string, shards: number): number => jumpHash(hash64(key), shards);

/**
 * The shard that holds what the D1 store (the version before the shards) had not settled,
 * imported on upgrade (src/store/legacy.ts); its events keep their UUID ids.
 */
export const LEGACY_SHARD = -1;

/** The Durable Object name of a shard: objects are addressed by name, so none is created by hand. */
export const shardName = (shard: number): string =>
  shard === LEGACY_SHARD ? "shard-legacy" : `shard-${shard}`;

/** Where one event lives: its shard, its row in that shard, and the row's random tag. */
export interface EventRef {
  shard: number;
  seq: number;
  tag: string;
}

/**
 * `<shard>.<seq>.<tag>`: the id a sender and the console see. An event imported from the D1
 * store keeps its UUID, which the legacy shard keeps as its tag.
 */
export const eventId = (ref: EventRef): string =>
  ref.shard === LEGACY_SHARD ? ref.tag : `${ref.shard}.${ref.seq}.${ref.tag}`;

const ID = /^(\d{1,5})\.(\d{1,16})\.([0-9a-f]{8})$/;
/** The ids the D1 store gave (`crypto.randomUUID()`). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The reference in an event id, or undefined when the text is not one. An id from the D1 store
 * (a UUID) names the legacy shard, with `seq` 0 (no row has it): that shard finds the event by
 * its tag, the UUID (src/store/legacy-rows.ts).
 *
 * @example parseEventId("7.1042.k3f9a2c1") // undefined: the tag is hex
 * @example parseEventId("7.1042.03f9a2c1") // { shard: 7, seq: 1042, tag: "03f9a2c1" }
 * @example parseEventId("0b8e0c8e-5f0a-4d1e-9a57-3f0c1c7d2e11") // { shard: LEGACY_SHARD, seq: 0, tag: "0b8e0c8e-..." }
 */
export function parseEventId(id: string): EventRef | undefined {
  if (UUID.test(id)) return { shard: LEGACY_SHARD, seq: 0, tag: id };
  const match = ID.exec(id);
  if (!match) return undefined;
  const shard = Number(match[1]);
  const seq = Number(match[2]);
  // Row numbers start at 1: seq 0 is how a legacy id asks for a lookup by tag.
  if (shard >= MAX_SHARDS || seq < 1 || !Number.isSafeInteger(seq)) return undefined;
  return { shard, seq, tag: match[3] as string };
}

/** A fresh random tag: 8 hex characters. */
export function newTag(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
