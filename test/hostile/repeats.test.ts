/**
 * What a 2xx "duplicate" may mean, and whose line an event waits in (issue 23, findings 2-4):
 * - ids that differ anywhere are different events (keys hash the whole id, never a cut of it);
 * - a captured signed request sent again within its accepted window is a repeat, whatever
 *   delivery id it carries (Chatwoot family, dotted, Support Hunt);
 * - on an ordered route, events of different sources never share a conversation's line.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { findFormat } from "../../src/formats/index.ts";
import type { FormatDefinition, InboundRequest } from "../../src/formats/types.ts";
import { conversationOf, dedupeKeys } from "../../src/verify/keys.ts";
import {
  call,
  chatwootSigned,
  destination,
  hubSignature,
  received,
  testEnv,
  unique,
} from "../delivery/helpers.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";
import dottedMessage from "../fixtures/dotted/agent-conversation-chat/source.json";
import supporthuntBatch from "../fixtures/supporthunt/message-text/source.json";
import { pump } from "../ordered/helpers.ts";
import { routedEnv } from "./helpers.ts";

const SECRET = "source-secret-for-repeats";

interface Answer {
  status: number;
  accepted: string[];
  duplicates: string[];
}

async function send(
  env: Env,
  source: string,
  text: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await call(env, `/webhooks/${source}`, { text, headers });
  const body = (await response.json()) as Partial<Answer>;
  return {
    status: response.status,
    accepted: body.accepted ?? [],
    duplicates: body.duplicates ?? [],
  };
}

const format = (id: string): FormatDefinition => {
  const found = findFormat(id);
  if (!found.ok) throw new Error(id);
  return found.value;
};

describe("ids that share a prefix are different events", () => {
  const long = "L".repeat(200);

  it("two X-Chatwoot-Delivery ids with the same first 200 characters: both delivered", async () => {
    const env = routedEnv();
    const first = await send(env, "chatwoot", JSON.stringify(chatwootMessage), {
      "X-Chatwoot-Delivery": `${long}a`,
    });
    const second = await send(
      env,
      "chatwoot",
      JSON.stringify({ ...chatwootMessage, content: "another message" }),
      { "X-Chatwoot-Delivery": `${long}b` },
    );
    expect(first).toMatchObject({ status: 202, duplicates: [] });
    expect(second).toMatchObject({ status: 202, duplicates: [] });
    expect(second.accepted[0]).not.toBe(first.accepted[0]);
  });

  it("two dotted envelope ids with the same first 200 characters: both delivered", async () => {
    const env = routedEnv();
    const first = await send(env, "dotted", JSON.stringify({ ...dottedMessage, id: `${long}a` }));
    const second = await send(env, "dotted", JSON.stringify({ ...dottedMessage, id: `${long}b` }));
    expect(first).toMatchObject({ status: 202, duplicates: [] });
    expect(second).toMatchObject({ status: 202, duplicates: [] });
  });

  it("a key is a fixed-length hash of the whole id: distinct ids never share one", async () => {
    const chatwoot = format("chatwoot");
    const keyOf = async (delivery: string) => {
      const request: InboundRequest = {
        method: "POST",
        url: new URL("https://x.test/webhooks/chatwoot"),
        headers: new Headers({ "X-Chatwoot-Delivery": delivery }),
        text: "{}",
        body: {},
      };
      const [keyed] = await dedupeKeys(
        chatwoot,
        request,
        [{ name: "message_created", payload: {} }],
        {
          signed: false,
        },
      );
      return keyed?.key ?? "";
    };
    await fc.assert(
      fc.asyncProperty(
        fc.string({ minLength: 1, maxLength: 600 }),
        fc.string({ minLength: 1, maxLength: 5 }),
        async (prefix, tail) => {
          const a = `x${prefix}`;
          const b = `x${prefix}${tail}`;
          const [keyA, keyB] = [await keyOf(a), await keyOf(b)];
          expect(keyA).toMatch(/^[0-9a-f]{64}$/);
          expect(keyB).toMatch(/^[0-9a-f]{64}$/);
          if (a.trim() !== b.trim()) expect(keyA).not.toBe(keyB);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe("a replayed signed request is a repeat, whatever its delivery id", () => {
  it("Chatwoot family (hoory): the same timestamp and body, 5 copies with other ids or none", async () => {
    const env = routedEnv({ WEBHOOK_SECRET_HOORY: SECRET });
    const text = JSON.stringify({ ...chatwootMessage, content: unique() });
    const headers = await chatwootSigned(SECRET, text);
    const original = await send(env, "hoory", text, headers);
    expect(original).toMatchObject({ status: 202, duplicates: [] });
    const { "X-Chatwoot-Delivery": _, ...withoutId } = headers;
    const replays = [
      await send(env, "hoory", text, { ...headers, "X-Chatwoot-Delivery": unique() }),
      await send(env, "hoory", text, { ...headers, "X-Chatwoot-Delivery": unique() }),
      await send(env, "hoory", text, withoutId),
      await send(env, "hoory", text, headers),
      await send(env, "hoory", text, { ...headers, "X-Chatwoot-Delivery": "" }),
    ];
    for (const replay of replays) {
      expect(replay).toEqual({ status: 200, accepted: [], duplicates: original.accepted });
    }
  });

  it("Chatwoot family: the same body signed at another time is a new event (typing twice)", async () => {
    const env = routedEnv({ WEBHOOK_SECRET_HOORY: SECRET });
    const text = JSON.stringify({ ...chatwootMessage, content: unique() });
    const now = Math.floor(Date.now() / 1000);
    const first = await send(env, "hoory", text, await chatwootSigned(SECRET, text, now - 10));
    const second = await send(env, "hoory", text, await chatwootSigned(SECRET, text, now));
    expect(first.status).toBe(202);
    expect(second.status).toBe(202);
  });

  it("dotted (X-Hub-Signature over the body): the same signed body again is a repeat", async () => {
    const env = routedEnv({ WEBHOOK_SECRET_DOTTED: SECRET });
    const text = JSON.stringify({ ...dottedMessage, id: unique() });
    const headers = { "X-Hub-Signature": await hubSignature(SECRET, text) };
    const original = await send(env, "dotted", text, headers);
    expect(original).toMatchObject({ status: 202, duplicates: [] });
    for (let i = 0; i < 3; i++) {
      expect(await send(env, "dotted", text, headers)).toEqual({
        status: 200,
        accepted: [],
        duplicates: original.accepted,
      });
    }
  });

  it("Support Hunt (a bare token): the same batch again is a repeat, event by event", async () => {
    const env = routedEnv({ WEBHOOK_SECRET_SUPPORTHUNT: SECRET });
    const batch = { ...supporthuntBatch, nonce: unique() };
    batch.events = batch.events.map((event) => ({ ...event, id: unique() }));
    const text = JSON.stringify(batch);
    const headers = { Authorization: `Bearer ${SECRET}` };
    const original = await send(env, "supporthunt", text, headers);
    expect(original.status).toBe(202);
    for (const replayHeaders of [headers, { "X-Webhook-Token": SECRET }]) {
      expect(await send(env, "supporthunt", text, replayHeaders)).toEqual({
        status: 200,
        accepted: [],
        duplicates: original.accepted,
      });
    }
  });
});

describe("an ordered route keeps one line per source and conversation", () => {
  it("an unsigned source cannot hold a signed source's conversation", async () => {
    const refused = "[stranger-refused]";
    const dest = destination("200");
    const route = unique("o").slice(0, 20);
    const env = testEnv({
      WEBHOOK_SECRET_HOORY: SECRET,
      ROUTES: [
        {
          name: route,
          sources: ["hoory", "chatwoot"],
          target: "dotted",
          url: `${dest.url}?match=${encodeURIComponent(refused)}&answer=503`,
          ordered: true,
        },
      ],
    });
    // The stranger posts to the unsigned source, with the victim's account and conversation.
    const stranger = JSON.stringify({ ...chatwootMessage, id: 1, content: `${refused} hi` });
    expect(
      (await send(env, "chatwoot", stranger, { "X-Chatwoot-Delivery": unique() })).status,
    ).toBe(202);
    const victim = JSON.stringify({ ...chatwootMessage, id: 2, content: "[victim] hello" });
    expect((await send(env, "hoory", victim, await chatwootSigned(SECRET, victim))).status).toBe(
      202,
    );

    await pump(env, route, 3);
    const got = await received(dest.key);
    expect(got.some((each) => each.body.includes("[victim]") && each.status === 200)).toBe(true);
    // The stranger's event is retried on its own line.
    expect(got.filter((each) => each.body.includes(refused)).length).toBeGreaterThanOrEqual(2);
  });

  it("conversation keys name the source", () => {
    const wire = { name: "message_created", payload: chatwootMessage };
    expect(conversationOf(format("hoory"), wire)).toBe("hoory:1:207");
    expect(conversationOf(format("chatwoot"), wire)).toBe("chatwoot:1:207");
  });
});
