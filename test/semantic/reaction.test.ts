/**
 * Reactions (canonical `message.reaction`): an emoji and the message it answers, read as each
 * target's consumer reads them. A Chatwoot reaction (content = the emoji, `is_reaction`,
 * `in_reply_to`, `in_reply_to_external_id`) keeps the emoji and both ids in every target that has
 * a place for them, and comes back as the same reaction from dotted.
 */
import { describe, expect, it } from "vitest";
import type { CanonicalEvent } from "../../src/canonical/index.ts";
import { findFormat } from "../../src/formats/index.ts";
import { fromCanonical, readEvents, toCanonical, translate } from "../../src/translate/index.ts";
import { fixtures } from "../fixtures.ts";
import { type Json, supporthuntEvent } from "./readers.ts";

const fixture = fixtures.find((f) => f.name === "message-created-whatsapp-reaction");
const reacted = "wamid.HBgLMzE2MTIzNDU2NzgVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA";

async function delivered(target: string, body: unknown = fixture?.body): Promise<Json[]> {
  const result = await translate("chatwoot", target, body);
  if (!result.ok) throw new Error(result.error.message);
  return result.value.deliveries.map((d) => d.body as Json);
}

async function canonical(formatId: string, body: unknown): Promise<CanonicalEvent> {
  const format = findFormat(formatId);
  if (!format.ok) throw new Error(format.error.message);
  const events = readEvents(format.value, body);
  if (!events.ok || !events.value[0]) throw new Error("no event");
  const event = await toCanonical(format.value, events.value[0]);
  if (!event.ok || "skip" in event.value) throw new Error("not translated");
  return event.value;
}

describe("a reaction", () => {
  it("is read from Chatwoot as the emoji and the message it reacts to", async () => {
    const event = await canonical("chatwoot", fixture?.body);
    expect(event.message?.text).toBe("👍");
    expect(event.message?.reaction).toEqual({ emoji: "👍", messageId: 5128, externalId: reacted });
  });

  it("stays a reaction to the same message in the Chatwoot family", async () => {
    for (const target of ["chatwoot", "onehash"]) {
      const [body] = await delivered(target);
      expect(body.content, target).toBe("👍");
      expect(body.content_attributes, target).toMatchObject({
        is_reaction: true,
        in_reply_to: 5128,
        in_reply_to_external_id: reacted,
      });
    }
  });

  it("reaches dotted as the emoji, naming the message, and comes back as the same reaction", async () => {
    const [body] = await delivered("dotted");
    expect(body.data.message.text).toBe("👍");
    expect(body.data.message.meta).toMatchObject({
      reactionEmoji: "👍",
      reactionMessageId: "5128",
      reactionExternalId: reacted,
    });
    const back = await canonical("dotted", body);
    expect(back.message?.reaction).toEqual({
      emoji: "👍",
      messageId: "5128",
      externalId: reacted,
    });
  });

  it("reaches Support Hunt as a text message of the emoji", async () => {
    const [body] = await delivered("supporthunt");
    expect(supporthuntEvent(body).event.payload.message).toEqual({ type: "text", text: "👍" });
  });

  it("taken back is an empty Chatwoot reaction, and is skipped where there is nothing to show", async () => {
    const event = await canonical("chatwoot", fixture?.body);
    const removed: CanonicalEvent = {
      ...event,
      message: {
        ...(event.message as NonNullable<CanonicalEvent["message"]>),
        text: null,
        reaction: { externalId: reacted },
      },
    };
    const chatwoot = findFormat("chatwoot");
    const supporthunt = findFormat("supporthunt");
    if (!chatwoot.ok || !supporthunt.ok) throw new Error("formats");
    const cw = await fromCanonical(chatwoot.value, removed);
    expect(cw.ok && (cw.value.deliveries[0]?.body as Json)?.content).toBe("");
    const sh = await fromCanonical(supporthunt.value, removed);
    expect(sh.ok && sh.value.deliveries).toEqual([]);
    expect(sh.ok && sh.value.skipped[0]?.reason).toMatch(/reaction taken back/);
  });
});
