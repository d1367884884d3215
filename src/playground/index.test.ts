import { describe, expect, it } from "vitest";
import message from "../../test/fixtures/chatwoot/message-created-incoming/source.json";
import { app } from "../app.ts";

const open = { PLAYGROUND: "true" };
const translateRequest = (body: unknown, headers: Record<string, string> = {}) => ({
  method: "POST",
  body: JSON.stringify(body),
  headers: { "content-type": "application/json", ...headers },
});
const payload = JSON.stringify(message);
const path = "mappings/chatwoot/to-canonical/message.jsonata";

describe("/playground", () => {
  it("does not exist unless PLAYGROUND or ADMIN_TOKEN is set", async () => {
    expect((await app.request("/playground", {}, {})).status).toBe(404);
    expect((await app.request("/playground/translate", translateRequest({}), {})).status).toBe(404);
  });

  it("serves the page in local dev", async () => {
    const response = await app.request("/playground", {}, open);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toContain("text/html");
    expect(await response.text()).toContain("Mapping files used");
  });

  it("needs the admin token in production", async () => {
    const env = { ADMIN_TOKEN: "s3cret-admin" };
    expect((await app.request("/playground", {}, env)).status).toBe(200);
    const request = { source: "chatwoot", target: "dotted", payload };
    expect(
      (await app.request("/playground/translate", translateRequest(request), env)).status,
    ).toBe(401);
    expect(
      (
        await app.request(
          "/playground/translate",
          translateRequest(request, { authorization: "Bearer wrong" }),
          env,
        )
      ).status,
    ).toBe(401);
    const allowed = await app.request(
      "/playground/translate",
      translateRequest(request, { authorization: "Bearer s3cret-admin" }),
      env,
    );
    expect(allowed.status).toBe(200);
  });

  it("returns the translation, its trace and the mapping files used", async () => {
    const response = await app.request(
      "/playground/translate",
      translateRequest({ source: "chatwoot", target: "dotted", payload }),
      open,
    );
    const result = await response.json<{
      translation: { trace: unknown[] };
      mappings: Array<{ path: string; text: string }>;
    }>();
    expect(result.translation.trace.length).toBe(1);
    expect(result.mappings.map((file) => file.path)).toContain(path);
    expect(result.mappings.find((file) => file.path === path)?.text).toContain("message_created");
  });

  it("evaluates an edited mapping for this request only", async () => {
    const edited = { [path]: '{"skip": "edited in the playground"}' };
    const response = await app.request(
      "/playground/translate",
      translateRequest({ source: "chatwoot", target: "dotted", payload, mappings: edited }),
      open,
    );
    const result = await response.json<{ translation: { skipped: Array<{ reason: string }> } }>();
    expect(result.translation.skipped[0]?.reason).toBe("edited in the playground");

    const again = await app.request(
      "/playground/translate",
      translateRequest({ source: "chatwoot", target: "dotted", payload }),
      open,
    );
    const unchanged = await again.json<{
      translation: { trace: Array<{ canonical?: unknown }> };
    }>();
    expect(unchanged.translation.trace[0]?.canonical).toBeDefined();
  });

  it("shows a broken edit and a broken payload as errors, with the file and position", async () => {
    const broken = { [path]: '{"kind": ,}' };
    const response = await app.request(
      "/playground/translate",
      translateRequest({ source: "chatwoot", target: "dotted", payload, mappings: broken }),
      open,
    );
    const result = await response.json<{ error: { error: string; location: string } }>();
    expect(result.error.error).toBe("mapping_failed");
    expect(result.error.location).toMatch(
      /^mappings\/chatwoot\/to-canonical\/message\.jsonata:1:\d+$/,
    );

    const notJson = await app.request(
      "/playground/translate",
      translateRequest({ source: "chatwoot", target: "dotted", payload: "{" }),
      open,
    );
    expect(await notJson.json()).toMatchObject({ error: { error: "invalid_json" } });
  });

  it("lists the shipped examples", async () => {
    const response = await app.request("/playground/examples", {}, open);
    const { examples } = await response.json<{
      examples: Array<{ id: string; format: string; body: unknown }>;
    }>();
    expect(examples.length).toBeGreaterThan(0);
    for (const example of examples) expect(example.body).toBeTypeOf("object");
  });
});

describe("/playground mapping files", () => {
  it("includes the shared library files a mapping uses, with their text", async () => {
    const request = { source: "hoory", target: "chatwoot", payload };
    const response = await app.request("/playground/translate", translateRequest(request), open);
    const { mappings } = await response.json<{ mappings: Array<{ path: string; text: string }> }>();
    const readers = mappings.find(
      (file) => file.path === "mappings/chatwoot/to-canonical/readers.jsonata",
    );
    expect(readers?.text).toContain("readers");
  });
});
