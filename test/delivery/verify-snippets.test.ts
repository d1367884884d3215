/**
 * The snippets of docs/verifying.md, run unchanged in Node (verify-snippets.ts) on
 * real deliveries from the Workers runtime: each accepts a genuine delivery with the secret as
 * configured and refuses a tampered one or another secret.
 */
import { describe, expect, it } from "vitest";
import { deliverOnce, madeBy, runSnippet, type SnippetResult } from "./deliveries.ts";
import { baseEnv } from "./helpers.ts";

const tamper = (body: string) => body.replace("}", ',"tampered":true}');
const accepted = (result: SnippetResult) => ("ok" in result ? result : { ok: "skipped" });

// Each snippet run starts a Node process: allow for a loaded machine.
describe("docs/verifying.md snippets", { timeout: 60_000 }, () => {
  it("every snippet in docs/verifying.md is one of those run below", async () => {
    const names = (await (await fetch(`${baseEnv.TEST_DESTINATION}/snippets`)).json()) as string[];
    expect(names.sort()).toEqual([
      "node-chatwoot-signature",
      "node-cloudevents",
      "node-hub-signature",
      "node-standard-webhooks",
      "node-supporthunt-token",
      "python-standard-webhooks",
    ]);
  });

  it("node-standard-webhooks: secrets from npm run secret and openssl rand -base64 32", async () => {
    for (const secret of [await madeBy("npm"), await madeBy("openssl")]) {
      const delivery = await deliverOnce({ target: "dotted", secret });
      expect(await runSnippet("node-standard-webhooks", secret, delivery)).toEqual({
        ok: true,
        result: JSON.parse(delivery.body),
      });
      const bad = await runSnippet("node-standard-webhooks", secret, {
        ...delivery,
        body: tamper(delivery.body),
      });
      expect(bad).toMatchObject({ ok: false, error: "No matching signature found" });
    }
  });

  it("python-standard-webhooks (runs only where python3 has the standardwebhooks package)", async (context) => {
    for (const secret of [await madeBy("openssl"), await madeBy("npm")]) {
      const delivery = await deliverOnce({ target: "hoory", secret });
      const result = await runSnippet("python-standard-webhooks", secret, delivery);
      if ("skipped" in result) return context.skip(result.skipped);
      expect(result).toEqual({ ok: true, result: JSON.parse(delivery.body) });
      const bad = await runSnippet("python-standard-webhooks", secret, {
        ...delivery,
        body: tamper(delivery.body),
      });
      expect(accepted(bad).ok).toBe(false);
    }
  });

  it("node-chatwoot-signature: keyed with the route's secret as written", async () => {
    const secret = await madeBy("npm");
    const delivery = await deliverOnce({ target: "hoory", secret });
    expect(await runSnippet("node-chatwoot-signature", secret, delivery)).toEqual({
      ok: true,
      result: JSON.parse(delivery.body),
    });
    const tampered = { ...delivery, body: tamper(delivery.body) };
    expect(accepted(await runSnippet("node-chatwoot-signature", secret, tampered)).ok).toBe(false);
    const other = await runSnippet("node-chatwoot-signature", await madeBy("openssl"), delivery);
    expect(accepted(other).ok).toBe(false);
  });

  it("node-hub-signature: keyed with the route's nativeSecret as written when it names one", async () => {
    const secret = await madeBy("openssl");
    const delivery = await deliverOnce({ target: "dotted", secret, nativeSecret: "out-secret-1" });
    expect(await runSnippet("node-hub-signature", "out-secret-1", delivery)).toEqual({
      ok: true,
      result: JSON.parse(delivery.body),
    });
    expect(accepted(await runSnippet("node-hub-signature", secret, delivery)).ok).toBe(false);
    const tampered = { ...delivery, body: tamper(delivery.body) };
    expect(accepted(await runSnippet("node-hub-signature", "out-secret-1", tampered)).ok).toBe(
      false,
    );
    // The Standard Webhooks signature is still made with the route's secret.
    expect(accepted(await runSnippet("node-standard-webhooks", secret, delivery)).ok).toBe(true);
  });

  it("node-supporthunt-token: the native secret as the token", async () => {
    const delivery = await deliverOnce({ target: "supporthunt", nativeSecret: "sh-typed-token" });
    expect(await runSnippet("node-supporthunt-token", "sh-typed-token", delivery)).toEqual({
      ok: true,
      result: JSON.parse(delivery.body),
    });
    expect(accepted(await runSnippet("node-supporthunt-token", "sh-other", delivery)).ok).toBe(
      false,
    );
  });

  it("node-cloudevents: binary and structured deliveries, id and time as on the wire", async () => {
    const secret = await madeBy("npm");
    for (const mode of ["binary", "structured"] as const) {
      const delivery = await deliverOnce({ target: "dotted", secret, cloudevents: mode });
      const wire =
        mode === "binary"
          ? {
              id: delivery.headers["ce-id"],
              time: delivery.headers["ce-time"],
              type: delivery.headers["ce-type"],
              data: JSON.parse(delivery.body),
            }
          : JSON.parse(delivery.body);
      expect(wire.id).toBe(delivery.headers["webhook-id"]);
      const result = await runSnippet("node-cloudevents", secret, delivery);
      if (!("ok" in result) || !result.ok) throw new Error(`${mode}: ${JSON.stringify(result)}`);
      const event = result.result as Record<string, unknown>;
      expect(event, mode).toMatchObject({
        specversion: "1.0",
        id: wire.id,
        type: wire.type,
        source: "/webhooks/chatwoot",
        data: wire.data,
      });
      expect(new Date(String(event.time)).getTime(), mode).toBe(new Date(wire.time).getTime());

      // A changed body (in structured mode, the envelope's id) is refused before it is parsed;
      // in binary mode a changed ce-id (not signed) is caught by comparing it with webhook-id.
      const forged =
        mode === "structured"
          ? { ...delivery, body: delivery.body.replace(wire.id, crypto.randomUUID()) }
          : { ...delivery, body: tamper(delivery.body) };
      expect(accepted(await runSnippet("node-cloudevents", secret, forged)), mode).toMatchObject({
        ok: false,
        error: "No matching signature found",
      });
      if (mode === "binary") {
        const renamed = {
          ...delivery,
          headers: { ...delivery.headers, "ce-id": crypto.randomUUID() },
        };
        expect(accepted(await runSnippet("node-cloudevents", secret, renamed))).toMatchObject({
          ok: false,
          error: "the event id is not the signed webhook-id",
        });
      }
    }
  });
});
