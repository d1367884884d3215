/**
 * What a Standard Webhooks consumer does with a delivery, using the real client libraries: the
 * reference library (`standardwebhooks`) and `svix`'s verifier, given the secret exactly as it
 * was configured, accept real deliveries from the Workers runtime and reject tampered ones.
 */
import { Webhook } from "standardwebhooks";
import { Webhook as SvixWebhook } from "svix";
import { describe, expect, it } from "vitest";
import { deliverOnce, madeBy } from "./deliveries.ts";
import type { Received } from "./helpers.ts";

/** Each library's verify, giving back the payload a consumer then uses. */
const verifiers = {
  standardwebhooks: (secret: string, body: string, headers: Record<string, string>) =>
    new Webhook(secret).verify(body, headers),
  // svix 2 verifies and returns nothing (it throws on a bad signature); the consumer parses the body.
  svix: (secret: string, body: string, headers: Record<string, string>) => {
    new SvixWebhook(secret).verify(body, headers);
    return JSON.parse(body) as unknown;
  },
};

function verifyWithBoth(secret: string, delivery: Pick<Received, "body" | "headers">) {
  return Object.entries(verifiers).map(([name, verify]) => {
    try {
      return { name, ok: true, payload: verify(secret, delivery.body, delivery.headers) };
    } catch (error) {
      return { name, ok: false, error: String((error as Error).message) };
    }
  });
}

// Secrets come from real tools and the destination runs in another process: allow for a loaded machine.
describe("Standard Webhooks consumers", { timeout: 60_000 }, () => {
  for (const tool of ["npm", "openssl"] as const) {
    it(`verify every target format signed with a secret from ${tool === "npm" ? "npm run secret" : "openssl rand -base64 32"}, unchanged`, async () => {
      const secret = await madeBy(tool);
      expect(secret).toMatch(tool === "npm" ? /^whsec_/ : /^[A-Za-z0-9+/]{43}=$/);
      for (const target of ["dotted", "hoory", "supporthunt"]) {
        const delivery = await deliverOnce({ target, secret });
        for (const result of verifyWithBoth(secret, delivery)) {
          expect(result, `${result.name}, ${target}`).toEqual({
            name: result.name,
            ok: true,
            payload: JSON.parse(delivery.body),
          });
        }
      }
    });
  }

  it("reject a tampered body, id or timestamp, a stale delivery and another secret", async () => {
    const secret = await madeBy("npm");
    const delivery = await deliverOnce({ target: "dotted", secret });
    const headers = delivery.headers;
    const timestamp = Number(headers["webhook-timestamp"]);
    const tampered: Array<[string, Pick<Received, "body" | "headers">, string]> = [
      ["body", { ...delivery, body: delivery.body.replace("}", ',"x":1}') }, secret],
      [
        "id",
        { ...delivery, headers: { ...headers, "webhook-id": `${headers["webhook-id"]}0` } },
        secret,
      ],
      [
        "timestamp",
        { ...delivery, headers: { ...headers, "webhook-timestamp": String(timestamp + 1) } },
        secret,
      ],
      [
        "stale",
        { ...delivery, headers: { ...headers, "webhook-timestamp": String(timestamp - 600) } },
        secret,
      ],
      ["no signature", { ...delivery, headers: { ...headers, "webhook-signature": "" } }, secret],
      ["secret", delivery, await madeBy("openssl")],
    ];
    for (const [what, changed, key] of tampered) {
      for (const result of verifyWithBoth(key, changed)) {
        expect(result.ok, `${result.name} accepted a tampered ${what}`).toBe(false);
      }
    }
    // The untampered delivery still verifies: the rejections above are the tampering's doing.
    expect(verifyWithBoth(secret, delivery).every((result) => result.ok)).toBe(true);
  });

  it("during a rotation (old,new) both secrets verify the same delivery", async () => {
    const [old, next] = [await madeBy("openssl"), await madeBy("npm")];
    const delivery = await deliverOnce({ target: "hoory", secret: `${old},${next}` });
    expect(delivery.headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    for (const key of [old, next]) {
      expect(verifyWithBoth(key, delivery).map((result) => result.ok)).toEqual([true, true]);
    }
  });
});
