/**
 * Deployed environments refuse unsigned sources (issue 23): with `ENVIRONMENT` set (each
 * `[env.*]` of wrangler.toml sets it), a source without `WEBHOOK_SECRET_<SOURCE>` answers
 * `503 invalid_config` saying what to set, unless `WEBHOOK_UNSIGNED_<SOURCE>=true`; the reason is
 * in the admin /health and the log. Locally (no `ENVIRONMENT`: npm start, the tests) unsigned
 * sources are accepted as before. Every format of the registry gets this, new ones included.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { formatIds } from "../../src/formats/index.ts";
import { sourceSecretName } from "../../src/verify/index.ts";
import { adminHealth, call, chatwootSigned, unique } from "../delivery/helpers.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";
import { routedEnv } from "./helpers.ts";

const SECRET = "deployed-source-secret";
const text = () => JSON.stringify({ ...chatwootMessage, content: unique() });

const production = (vars: Record<string, unknown> = {}): Env =>
  routedEnv({ ENVIRONMENT: "production", ...vars });

async function post(env: Env, source: string, headers: Record<string, string> = {}, body = text()) {
  const response = await call(env, `/webhooks/${source}`, { text: body, headers });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

afterEach(() => vi.restoreAllMocks());

describe("unsigned sources in a deployed environment", () => {
  it("a source without a secret is refused with 503 invalid_config saying what to set", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const answer = await post(production(), "hoory", { "X-Chatwoot-Delivery": unique() });
    expect(answer.status).toBe(503);
    expect(answer.body.error).toBe("invalid_config");
    expect(answer.body.message).toContain("WEBHOOK_SECRET_HOORY");
    expect(answer.body.message).toContain("WEBHOOK_UNSIGNED_HOORY=true");
    const logged = warn.mock.calls.map(([line]) => JSON.parse(String(line)));
    expect(logged).toContainEqual(
      expect.objectContaining({
        message: "webhook refused: unsigned source in a deployed environment",
        source: "hoory",
        reason: expect.stringContaining("WEBHOOK_SECRET_HOORY"),
      }),
    );
  });

  it("every format of the registry is refused the same way", async () => {
    for (const source of formatIds) {
      const answer = await post(production(), source);
      expect(answer.status, source).toBe(503);
      expect(answer.body.message, source).toContain(sourceSecretName(source));
    }
  });

  it("the admin /health names each refused source and what to set; the public one does not", async () => {
    const env = production({ WEBHOOK_SECRET_HOORY: SECRET, WEBHOOK_UNSIGNED_ONEHASH: "true" });
    const health = await adminHealth(env);
    expect(health.status).toBe(200);
    const detail = (await health.json()) as {
      sources: {
        environment: string;
        verified: string[];
        unsignedAllowed: string[];
        refused: Array<{ source: string; reason: string }>;
      };
      warnings: string[];
    };
    expect(detail.sources.environment).toBe("production");
    expect(detail.sources.verified).toEqual(["hoory"]);
    expect(detail.sources.unsignedAllowed).toEqual(["onehash"]);
    const refused = detail.sources.refused.map((each) => each.source);
    expect(refused).toEqual(formatIds.filter((id) => id !== "hoory" && id !== "onehash"));
    const chatwoot = detail.sources.refused.find((each) => each.source === "chatwoot");
    expect(chatwoot?.reason).toMatch(/WEBHOOK_SECRET_CHATWOOT.*WEBHOOK_UNSIGNED_CHATWOOT/);
    expect(detail.warnings).toContain(chatwoot?.reason);
    const open = await call(env, "/health");
    expect(Object.keys(await open.json()).sort()).toEqual(["status", "version"]);
  });

  it("WEBHOOK_UNSIGNED_<SOURCE>=true accepts that source unsigned, and only that one", async () => {
    const env = production({ WEBHOOK_UNSIGNED_ONEHASH: "true" });
    expect((await post(env, "onehash")).status).toBe(202);
    expect((await post(env, "hoory")).status).toBe(503);
  });

  it("a source with a secret takes signed requests and refuses unsigned ones (401)", async () => {
    const env = production({ WEBHOOK_SECRET_HOORY: SECRET });
    const body = text();
    expect((await post(env, "hoory", await chatwootSigned(SECRET, body), body)).status).toBe(202);
    const unsigned = await post(env, "hoory");
    expect(unsigned.status).toBe(401);
  });

  it("a WEBHOOK_UNSIGNED_ value that is not true or false is a configuration error naming it", async () => {
    const env = production({ WEBHOOK_UNSIGNED_HOORY: "yes" });
    expect((await post(env, "hoory")).status).toBe(503);
    const health = await adminHealth(env);
    expect(health.status).toBe(500);
    const { errors } = (await health.json()) as { errors: string[] };
    expect(errors.join("\n")).toMatch(/^WEBHOOK_UNSIGNED_HOORY: must be "true" or "false"/m);
  });
});

describe("locally (no ENVIRONMENT)", () => {
  it("a source without a secret is accepted unsigned, as before", async () => {
    expect((await post(routedEnv(), "hoory")).status).toBe(202);
  });
});
