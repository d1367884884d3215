import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import message from "../../test/fixtures/chatwoot/message-created-incoming/source.json";

const post = (
  path: string,
  body: string,
  headers: Record<string, string> = { "content-type": "application/json" },
) => SELF.fetch(`http://translator.test${path}`, { method: "POST", body, headers });

describe("POST /translate/:source/:target", () => {
  it("translates a payload and names the formats", async () => {
    const response = await post("/translate/hoory/chatwoot", JSON.stringify(message));
    expect(response.status).toBe(200);
    const result = await response.json<Record<string, unknown>>();
    expect(result).toMatchObject({ source: "hoory", target: "chatwoot" });
    expect(Array.isArray(result.deliveries)).toBe(true);
    expect(Array.isArray(result.skipped)).toBe(true);
  });

  it("detects the source format with auto and says so", async () => {
    const response = await post("/translate/auto/dotted", JSON.stringify(message));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      source: "chatwoot",
      detected: true,
      target: "dotted",
    });
  });

  it("adds the canonical event and the mapping files with ?trace=1", async () => {
    const response = await post("/translate/chatwoot/dotted?trace=1", JSON.stringify(message));
    const result = await response.json<{
      trace: Array<{ canonical: { kind: string }; mappings: string[] }>;
    }>();
    expect(result.trace[0]?.canonical.kind).toBe("message.created");
    expect(result.trace[0]?.mappings[0]).toBe("mappings/chatwoot/to-canonical/message.jsonata");
  });

  it("answers 404 with the known ids for an unknown format", async () => {
    for (const path of ["/translate/slack/dotted", "/translate/chatwoot/slack"]) {
      const response = await post(path, JSON.stringify(message));
      expect(response.status).toBe(404);
      const error = await response.json<{ error: string; formats: string[] }>();
      expect(error.error).toBe("unknown_format");
      expect(error.formats).toEqual(
        expect.arrayContaining([
          "chatwoot",
          "messagehub",
          "hoory",
          "onehash",
          "supporthunt",
          "dotted",
        ]),
      );
    }
  });

  it("answers 400 naming the field for an invalid payload, and queues nothing", async () => {
    const bad = { ...message, message_type: 42, conversation: { status: "open" } };
    const response = await post("/translate/chatwoot/dotted", JSON.stringify(bad));
    expect(response.status).toBe(400);
    const error = await response.json<{
      error: string;
      issues: Array<{ path: string; message: string }>;
    }>();
    expect(error.error).toBe("invalid_payload");
    expect(error.issues.map((issue) => issue.path)).toEqual(
      expect.arrayContaining(["message_type"]),
    );
  });

  it("answers 400 for a body that is not JSON", async () => {
    const response = await post("/translate/chatwoot/dotted", '{"event": "message_created",');
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "invalid_json" });
  });

  it("answers 400 for an empty body", async () => {
    const response = await post("/translate/chatwoot/dotted", "");
    expect(response.status).toBe(400);
  });

  it("answers 415 for a content type that is not JSON", async () => {
    const response = await post("/translate/chatwoot/dotted", "event=message_created", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ error: "unsupported_media_type" });
  });

  it("answers 413 for a body over 1 MiB", async () => {
    const big = JSON.stringify({ ...message, content: "x".repeat(1024 * 1024) });
    const response = await post("/translate/chatwoot/dotted", big);
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({ error: "payload_too_large" });
  });

  it("answers 400 when auto cannot tell the format", async () => {
    const response = await post("/translate/auto/dotted", JSON.stringify({ hello: "world" }));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: "undetectable_format" });
  });
});

describe("GET /formats", () => {
  it("lists every format with the events it accepts and emits", async () => {
    const response = await SELF.fetch("http://translator.test/formats");
    const { formats } = await response.json<{
      formats: Array<{ id: string; accepts: string[]; emits: string[] }>;
    }>();
    expect(formats.map((format) => format.id).sort()).toEqual([
      "chatwoot",
      "dotted",
      "hoory",
      "messagehub",
      "onehash",
      "supporthunt",
      "telegram",
      "whatsapp",
    ]);
    const chatwoot = formats.find((format) => format.id === "chatwoot");
    expect(chatwoot?.accepts).toContain("automation_event.message_created");
    expect(chatwoot?.emits).toContain("message_created");
  });
});
