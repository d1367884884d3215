/**
 * Helpers for the ordered-route tests: accepting Chatwoot messages of chosen conversations, and a
 * pump that plays the queue (and the outbox sweep) by consuming, in random order, a message for
 * every delivery that has one (`queued`, `retrying`).
 */
import { expect } from "vitest";
import type { Env } from "../../src/config/env.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import { call, consume, type Received, retryIsDue, testEnv, unique } from "../delivery/helpers.ts";
import chatwootContact from "../fixtures/chatwoot/contact-created/source.json";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";
import { deliveriesOf } from "../store/rows.ts";

export const auth = { Authorization: "Bearer admin-token" };

/** An env with one ordered route (a fresh name: its Durable Object starts empty) to `url`. */
export function orderedEnv(url: string, extra: Record<string, unknown> = {}) {
  const name = unique("o").slice(0, 20);
  const env = testEnv({
    ADMIN_TOKEN: "admin-token",
    ROUTES: JSON.stringify([
      { name, sources: "*", target: "dotted", url, ordered: true, ...extra },
    ]),
  });
  return { env, name };
}

/** The text that marks message `index` of conversation `conversation` in a delivered body. */
export const marker = (conversation: number, index: number) =>
  `[m-${conversation}-${String(index).padStart(3, "0")}]`;

/** Accepts a Chatwoot message of `conversation` whose content is its marker; returns its event id. */
export async function acceptMessage(env: Env, conversation: number, index: number) {
  const body = {
    ...chatwootMessage,
    id: Math.floor(Math.random() * 1e9),
    content: `${marker(conversation, index)} hello`,
    conversation: { ...chatwootMessage.conversation, id: conversation },
  };
  const response = await call(env, "/webhooks/chatwoot", {
    text: JSON.stringify(body),
    headers: { "X-Chatwoot-Delivery": unique() },
  });
  expect(response.status).toBe(202);
  const { accepted } = (await response.json()) as { accepted: string[] };
  return accepted[0] as string;
}

/** Accepts a Chatwoot contact event (no conversation); returns its event id. */
export async function acceptContact(env: Env, name: string) {
  const response = await call(env, "/webhooks/chatwoot", {
    text: JSON.stringify({ ...chatwootContact, name }),
    headers: { "X-Chatwoot-Delivery": unique() },
  });
  expect(response.status).toBe(202);
  const { accepted } = (await response.json()) as { accepted: string[] };
  return accepted[0] as string;
}

const ALL = ["queued", "retrying", "waiting", "paused", "delivered", "dead", "filtered", "skipped"];

export function statuses(env: Env, route: string): Promise<Map<string, string>> {
  return deliveriesOf(env, route, ALL);
}

function shuffle<T>(items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/**
 * Plays the queue: each round consumes one message per delivery that has one (`queued` or
 * `retrying`, due), in random order and in batches of up to 10, as the queue would; `extra`
 * also sends copies of `waiting` deliveries (what the sweep does when they are due). Stops when
 * no delivery has a message left, or after `rounds`.
 */
export async function pump(env: Env, route: string, rounds = 60, extra = false) {
  for (let round = 0; round < rounds; round++) {
    const rows = await deliveriesOf(
      env,
      route,
      extra ? ["queued", "retrying", "waiting"] : ["queued", "retrying"],
    );
    if (rows.size === 0) return round;
    for (const [id, status] of rows) {
      if (status === "retrying") await retryIsDue(env, { v: 1, event: id, route });
    }
    const messages = shuffle(
      [...rows.keys()].map((id): DeliveryMessage => ({ v: 1, event: id, route })),
    );
    for (let i = 0; i < messages.length; i += 10) await consume(env, messages.slice(i, i + 10));
  }
  return rounds;
}

/** The markers of `conversation` in the order the destination received them, and their answers. */
export function arrivals(got: Received[], conversation: number) {
  const prefix = `[m-${conversation}-`;
  return got.flatMap((each) => {
    const at = each.body.indexOf(prefix);
    if (at < 0) return [];
    return [{ marker: each.body.slice(at, at + prefix.length + 4), status: each.status }];
  });
}

/**
 * Checks what an ordered destination must see of a conversation: each message delivered (2xx)
 * exactly once, in order, and no message posted at all before the one ahead was delivered
 * (or, for `dead`, refused).
 */
export function expectInOrder(
  got: Received[],
  conversation: number,
  count: number,
  dead: number[] = [],
) {
  const seen = arrivals(got, conversation);
  const ok = seen.filter((each) => each.status >= 200 && each.status < 300).map((e) => e.marker);
  const expected = Array.from({ length: count }, (_, i) => marker(conversation, i + 1)).filter(
    (_, i) => !dead.includes(i + 1),
  );
  expect(ok).toEqual(expected);
  // Every post (failures included) is for the current head: markers never go backwards, and a
  // marker is posted only once the previous one is done.
  const order = seen.map((each) => each.marker);
  expect([...order].sort()).toEqual(order);
}
