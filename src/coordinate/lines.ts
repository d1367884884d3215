/**
 * Where an ordered route's conversation lines live: `LINE_SHARDS` Durable Objects per route
 * (`ConversationLines`, named `<route>/<n>`), each conversation in the one its key hashes to. A
 * conversation's line is still in exactly one object, so "whose turn is it" stays exact, while
 * one ordered route spreads over as many objects as it has shards instead of queueing every
 * request of every conversation behind one (an object serves about 1,000 simple requests a
 * second; an ordered event takes 4 of them: BENCHMARKS.md "Delivery ceilings").
 *
 * The number is fixed: changing it would move conversations to other objects, losing the order
 * of the events in line at that moment.
 */
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../config/env.ts";
import {
  type Adopted,
  adopt,
  append,
  type ConversationLine,
  createLineup,
  type InLine,
  lines,
  peek,
  settle,
  turn,
  waitingCount,
} from "./lineup.ts";

/** Objects per ordered route: 16 × ~1,000 requests/s ÷ 4 requests per event ≈ 4,000 events/s. */
export const LINE_SHARDS = 16;

/** The shard of a conversation key: FNV-1a (32 bits) modulo `LINE_SHARDS`. */
export function lineShard(conversation: string, shards = LINE_SHARDS): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < conversation.length; i++) {
    hash ^= conversation.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % shards;
}

/**
 * The object holding `conversation`'s line on `route` (the names cannot collide with another
 * route's: a route name has no `/`).
 *
 * @example const { head } = await linesOf(env, "crm", "chatwoot:1:207").turn({ event, conversation });
 */
export function linesOf(
  env: Env,
  route: string,
  conversation: string,
): DurableObjectStub<ConversationLines> {
  return shardStub(env, route, lineShard(conversation));
}

const shardStub = (env: Env, route: string, shard: number) =>
  env.ORDER_LINES.get(env.ORDER_LINES.idFromName(`${route}/${shard}`));

/**
 * Conversations with events in line on `route` over every shard, longest-waiting first, at most
 * `limit`, and how many there are.
 *
 * @example const { total, lines } = await routeLines(env, "crm", 100);
 */
export async function routeLines(
  env: Env,
  route: string,
  limit: number,
): Promise<{ total: number; lines: ConversationLine[] }> {
  const parts = await Promise.all(
    Array.from({ length: LINE_SHARDS }, (_, shard) => shardStub(env, route, shard).lines(limit)),
  );
  return {
    total: parts.reduce((sum, part) => sum + part.total, 0),
    lines: parts
      .flatMap((part) => part.lines)
      .sort((a, b) => a.headSince - b.headSince)
      .slice(0, limit),
  };
}

/**
 * How many conversations of `route` have events in line, and how many events wait behind a head.
 *
 * @example const { conversations, waiting } = await lineCounts(env, "crm");
 */
export async function lineCounts(
  env: Env,
  route: string,
): Promise<{ conversations: number; waiting: number }> {
  const parts = await Promise.all(
    Array.from({ length: LINE_SHARDS }, (_, shard) => shardStub(env, route, shard).counts()),
  );
  return {
    conversations: parts.reduce((sum, part) => sum + part.conversations, 0),
    waiting: parts.reduce((sum, part) => sum + part.waiting, 0),
  };
}

/**
 * One shard of an ordered route's conversation lines (lineup.ts holds the logic; every call is
 * synchronous, so the object answers each exactly, whatever the number of consumers).
 */
export class ConversationLines extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => createLineup(ctx.storage.sql));
  }

  /** Lines up accepted events (see `append` in lineup.ts). */
  line(items: InLine[]): { heads: string[]; waiting: string[] } {
    return append(this.ctx.storage.sql, items);
  }

  /** Takes lines kept by the route's gate before the upgrade (handover.ts). */
  adopt(items: Adopted[]): void {
    this.ctx.storage.transactionSync(() => adopt(this.ctx.storage.sql, items));
  }

  /** Whose turn it is in the item's conversation (the event is lined up if it was not). */
  turn(item: InLine): { head: string } {
    return turn(this.ctx.storage.sql, item);
  }

  /** A settled delivery leaves its line; returns the new head, if it was the head. */
  settle(event: string): { next?: string } {
    return settle(this.ctx.storage.sql, event);
  }

  /** The event after `event` in its line, when `event` is the head; no change. */
  peek(event: string): { next?: string } {
    return peek(this.ctx.storage.sql, event);
  }

  /** Conversations with events in line, longest-waiting first. */
  lines(limit: number): { total: number; lines: ConversationLine[] } {
    return lines(this.ctx.storage.sql, limit);
  }

  counts(): { conversations: number; waiting: number } {
    return waitingCount(this.ctx.storage.sql);
  }
}
