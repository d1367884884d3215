/**
 * CloudEvents delivery (a route's `cloudevents: "binary" | "structured"`), through the queue
 * consumer to the local destination server, with signatures over the exact body sent. Read back
 * with the `cloudevents` SDK and the Standard Webhooks reference library, as a consumer would.
 */
import { type CloudEvent, HTTP } from "cloudevents";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { fromBase64, hmac, toBase64, toHex } from "../../src/crypto/index.ts";
import { webhookId } from "../../src/deliver/index.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";
import { call, consume, destination, received, testEnv, unique } from "./helpers.ts";

const SECRET = "whsec_QUfgxEa1c7oOO1CJYTZlqZEovMtfgPEFEu3ZfP9HlIc=";

function routed(url: string, extra: Record<string, unknown>) {
  return testEnv({
    ROUTES: [
      { name: "ce", sources: ["chatwoot"], target: "dotted", url, secret: "CE_SECRET", ...extra },
    ],
    CE_SECRET: SECRET,
  });
}

async function deliverOne(extra: Record<string, unknown>) {
  const dest = destination("200");
  const env = routed(dest.url, extra);
  const response = await call(env, "/webhooks/chatwoot", {
    text: JSON.stringify(chatwootMessage),
    headers: { "X-Chatwoot-Delivery": unique() },
  });
  expect(response.status).toBe(202);
  const { accepted } = (await response.json()) as { accepted: string[] };
  const message: DeliveryMessage = { v: 1, event: accepted[0] ?? "", route: "ce" };
  const result = await consume(env, [message]);
  expect(result.explicitAcks).toHaveLength(1);
  const [got] = await received(dest.key);
  if (!got) throw new Error("nothing delivered");
  return { got, id: await webhookId(message.event, "ce", 0) };
}

async function expectSigned(headers: Record<string, string>, body: string) {
  const signed = `${headers["webhook-id"]}.${headers["webhook-timestamp"]}.${body}`;
  expect(headers["webhook-signature"]).toBe(
    `v1,${toBase64(await hmac("SHA-256", fromBase64(SECRET.slice(6)), signed))}`,
  );
  // The dotted target's own signature, over the same bytes.
  expect(headers["x-hub-signature"]).toBe(`sha1=${toHex(await hmac("SHA-1", SECRET, body))}`);
}

describe("CloudEvents delivery", () => {
  it("binary mode: the body as is, ce-* headers, the same webhook-id and signatures", async () => {
    const { got, id } = await deliverOne({ cloudevents: "binary" });
    const body = JSON.parse(got.body);
    expect(body.event).toMatch(/^message\.create\./);
    expect(got.headers["content-type"]).toBe("application/json");
    expect(got.headers["ce-specversion"]).toBe("1.0");
    expect(got.headers["ce-id"]).toBe(id);
    expect(got.headers["webhook-id"]).toBe(id);
    expect(got.headers["ce-type"]).toBe(body.event);
    expect(got.headers["ce-source"]).toBe("/webhooks/chatwoot");
    expect(new Date(got.headers["ce-time"] ?? "").toISOString()).toBe(got.headers["ce-time"]);
    await expectSigned(got.headers, got.body);
  });

  it("structured mode: an application/cloudevents+json envelope around the same body", async () => {
    const { got, id } = await deliverOne({
      cloudevents: "structured",
      cloudeventsSource: "https://translator.example/hoory",
    });
    expect(got.headers["content-type"]).toBe("application/cloudevents+json");
    expect(got.headers["ce-id"]).toBeUndefined();
    const envelope = JSON.parse(got.body);
    expect(Object.keys(envelope)).toEqual([
      "specversion",
      "id",
      "type",
      "source",
      "time",
      "datacontenttype",
      "data",
    ]);
    expect(envelope).toMatchObject({
      specversion: "1.0",
      id,
      source: "https://translator.example/hoory",
      datacontenttype: "application/json",
    });
    expect(envelope.type).toBe(envelope.data.event);
    expect(envelope.data.event).toMatch(/^message\.create\./);
    expect(got.headers["webhook-id"]).toBe(id);
    await expectSigned(got.headers, got.body);
  });

  it("without the option: plain JSON, no ce-* headers", async () => {
    const { got } = await deliverOne({});
    expect(got.headers["content-type"]).toBe("application/json");
    expect(Object.keys(got.headers).filter((name) => name.startsWith("ce-"))).toEqual([]);
    expect(JSON.parse(got.body).event).toMatch(/^message\.create\./);
  });

  it("the CloudEvents time is when the event happened, the same on every attempt", async () => {
    const first = await deliverOne({ cloudevents: "binary" });
    const second = await deliverOne({ cloudevents: "binary" });
    // The same fixture, accepted twice (different delivery ids): the same occurrence time.
    expect(first.got.headers["ce-time"]).toBe(second.got.headers["ce-time"]);
  });

  it("the cloudevents SDK reads both modes after the raw bytes verify; validate() passes; id and time are the wire's", async () => {
    for (const mode of ["binary", "structured"] as const) {
      const { got, id } = await deliverOne({ cloudevents: mode });
      // What the wire says, read without the SDK (which would make up a missing id or time).
      const wire =
        mode === "binary"
          ? { id: got.headers["ce-id"], time: got.headers["ce-time"], data: JSON.parse(got.body) }
          : (JSON.parse(got.body) as { id: string; time: string; data: unknown });
      expect(wire.id, mode).toBe(id);
      expect(typeof wire.time, mode).toBe("string");

      expect(new Webhook(SECRET).verify(got.body, got.headers), mode).toEqual(JSON.parse(got.body));
      const event = HTTP.toEvent({ headers: got.headers, body: got.body }) as CloudEvent<unknown>;
      expect(event.validate(), mode).toBe(true);
      expect(event.id, mode).toBe(wire.id);
      expect(event.id, mode).toBe(got.headers["webhook-id"]);
      expect(new Date(event.time ?? "").getTime(), mode).toBe(new Date(wire.time ?? "").getTime());
      expect(event.specversion, mode).toBe("1.0");
      expect(event.source, mode).toBe("/webhooks/chatwoot");
      expect(event.data, mode).toEqual(wire.data);
      expect(event.type, mode).toBe((wire.data as { event: string }).event);
    }
  });
});
