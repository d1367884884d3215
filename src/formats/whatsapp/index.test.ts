import fc from "fast-check";
import { describe, expect, it } from "vitest";
import batch from "../../../test/fixtures/whatsapp/batch-entries-changes/source.json";
import text from "../../../test/fixtures/whatsapp/messages-text/source.json";
import { formatPath } from "../../errors/index.ts";
import { readEvents, translate } from "../../translate/index.ts";
import { detectFormat } from "../index.ts";
import type { InboundRequest } from "../types.ts";
import { whatsapp } from "./index.ts";
import { whatsappBody } from "./schema.ts";
import { whatsappTransport } from "./transport.ts";

type Body = typeof text;
const withChange = (change: (body: Body) => void): Body => {
  const body = structuredClone(text);
  change(body);
  return body;
};
const message = (body: Body) =>
  body.entry[0]?.changes[0]?.value.messages[0] as Record<string, unknown>;
const issues = (body: unknown) => {
  const result = whatsappBody.safeParse(body);
  return result.success ? [] : result.error.issues.map((i) => formatPath(i.path));
};
const request = (init: Partial<InboundRequest>): InboundRequest => ({
  method: "POST",
  url: new URL("https://translator.test/webhooks/whatsapp"),
  headers: new Headers(),
  text: "",
  body: undefined,
  ...init,
});

describe("whatsapp schema", () => {
  it("names the missing object of a message's type at its path", () => {
    const body = withChange((b) => {
      Object.assign(message(b), { type: "image" });
    });
    expect(issues(body)).toContain("entry.0.changes.0.value.messages.0.image");
  });

  it("names a missing from, a non-numeric timestamp and a foreign object", () => {
    expect(issues(withChange((b) => delete message(b).from))).toContain(
      "entry.0.changes.0.value.messages.0.from",
    );
    expect(
      issues(withChange((b) => Object.assign(message(b), { timestamp: "yesterday" }))),
    ).toContain("entry.0.changes.0.value.messages.0.timestamp");
    expect(issues({ ...text, object: "page" })).toContain("object");
  });

  it("accepts a message type Meta adds later as it is (and skips nothing silently)", () => {
    const body = withChange((b) => {
      Object.assign(message(b), { type: "order", order: { catalog_id: "1" } });
      delete message(b).text;
    });
    expect(issues(body)).toEqual([]);
  });
});

describe("whatsapp events", () => {
  it("splits a post into one event per message and status, each narrowed to its own chat", () => {
    const events = whatsapp.events(batch);
    expect(events.map((e) => [e.name, whatsapp.conversation?.(e)])).toEqual([
      ["messages.text", "106540352242922:16505551234"],
      ["messages.text", "106540352242922:31612345678"],
      ["statuses.read", "106540352242922:16505551234"],
      ["statuses.delivered", "106540352242922:16505551234"],
      ["messages.image", "106540352242923:16505551234"],
    ]);
    const second = events[1]?.payload as typeof batch;
    expect(second.entry).toHaveLength(1);
    expect(second.entry[0]?.changes[0]?.value.contacts).toEqual([
      { profile: { name: "Jan Jansen" }, wa_id: "31612345678" },
    ]);
  });

  it("keeps a change of another field as one event, skipped with the reason", async () => {
    const body = {
      object: "whatsapp_business_account",
      entry: [{ id: "1", changes: [{ field: "account_update", value: { event: "VERIFIED" } }] }],
    };
    const result = await translate("whatsapp", "chatwoot", body);
    expect(result.ok && result.value.skipped[0]?.reason).toMatch(/account_update.*no mapping/);
  });

  it("is detected by Meta's envelope only", () => {
    const detected = detectFormat(batch);
    expect(detected.ok && detected.value).toBe(whatsapp);
    for (const body of [{ object: "page", entry: [] }, { entry: [] }, { event: "x" }, null]) {
      expect(whatsapp.detect(body)).toBe(false);
    }
  });
});

describe("whatsapp transport", () => {
  it("dedupes a message on its id and a status on its id and status", async () => {
    const events = whatsapp.events(batch);
    const keys = await Promise.all(
      events.map((e, i) => whatsappTransport.dedupeKey(request({}), e, i)),
    );
    expect(new Set(keys).size).toBe(5);
    const again = whatsapp.events(structuredClone(batch));
    expect(await whatsappTransport.dedupeKey(request({}), again[0] as never, 0)).toBe(keys[0]);
    expect(keys.every((key) => key.length < 80)).toBe(true);
  });

  it("answers only a GET that carries hub.mode", () => {
    const get = (query: string) =>
      request({ method: "GET", url: new URL(`https://t.test/webhooks/whatsapp?${query}`) });
    expect(whatsappTransport.challenge?.(get("type=subscribe&challenge=1"), ["t"])).toBeUndefined();
    expect(
      whatsappTransport.challenge?.(get("hub.mode=subscribe&hub.verify_token=t&hub.challenge=9"), [
        "t",
      ]),
    ).toMatchObject({ status: 200, body: "9" });
  });
});

describe("whatsapp translation", () => {
  it("keeps any text, sender and time through whatsapp → canonical → whatsapp", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "grapheme", minLength: 1 }),
        fc.stringMatching(/^[1-9][0-9]{7,14}$/),
        fc.integer({ min: 946684800, max: 4102444800 }),
        async (body, user, seconds) => {
          const post = withChange((b) => {
            Object.assign(message(b), { from: user, timestamp: String(seconds), text: { body } });
            Object.assign(b.entry[0]?.changes[0]?.value.contacts[0] ?? {}, { wa_id: user });
          });
          const result = await translate("whatsapp", "whatsapp", post);
          if (!result.ok) throw new Error(result.error.message);
          const [delivery] = result.value.deliveries;
          if (!delivery) throw new Error("no delivery");
          expect(readEvents(whatsapp, delivery.body).ok).toBe(true);
          const out = (delivery.body as Body).entry[0]?.changes[0]?.value.messages[0];
          expect(out).toMatchObject({ from: user, timestamp: String(seconds), text: { body } });
        },
      ),
      { numRuns: 50 },
    );
  });
});
