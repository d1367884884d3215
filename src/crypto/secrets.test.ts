import fc from "fast-check";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { hmac, toBase64 } from "./index.ts";
import {
  checkNativeSecret,
  MAX_KEY_BYTES,
  MIN_KEY_BYTES,
  newSecret,
  parseSigningSecret,
  secretValues,
} from "./secrets.ts";

/** The reference library's signature, and ours with the key our parser found. */
async function bothSign(secret: string, key: Uint8Array) {
  const when = new Date(1_700_000_000_000);
  const reference = new Webhook(secret).sign("msg_1", when, '{"a":1}');
  const ours = `v1,${toBase64(await hmac("SHA-256", key, `msg_1.1700000000.{"a":1}`))}`;
  return { reference, ours };
}

const keys = fc.uint8Array({ minLength: MIN_KEY_BYTES, maxLength: MAX_KEY_BYTES });
const base64ish = fc.string({
  unit: fc.constantFrom(
    ..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_ .,\n",
  ),
  maxLength: 100,
});

describe("parseSigningSecret", () => {
  it("reads whsec_<base64> and bare base64 of 24 to 64 bytes to the key the reference library uses", async () => {
    await fc.assert(
      fc.asyncProperty(keys, fc.boolean(), async (key, prefixed) => {
        const secret = `${prefixed ? "whsec_" : ""}${toBase64(key)}`;
        const parsed = parseSigningSecret(secret);
        expect(parsed).toEqual({ ok: true, value: key });
        const { reference, ours } = await bothSign(secret, key);
        expect(ours).toBe(reference);
      }),
    );
  });

  it("accepts nothing the reference library would read differently (random near-base64 text)", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom("", "whsec_"), base64ish, async (prefix, text) => {
        const secret = prefix + text;
        const parsed = parseSigningSecret(secret);
        if (!parsed.ok) {
          if (text.length >= 8) expect(parsed.reason).not.toContain(text);
          return;
        }
        expect(parsed.value.length).toBeGreaterThanOrEqual(MIN_KEY_BYTES);
        const { reference, ours } = await bothSign(secret, parsed.value);
        expect(ours).toBe(reference);
      }),
      { numRuns: 300 },
    );
  });

  it("refuses keys shorter than 24 or longer than 64 bytes, naming the size", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: MIN_KEY_BYTES - 1 }),
          fc.uint8Array({ minLength: MAX_KEY_BYTES + 1, maxLength: 200 }),
        ),
        (key) => {
          const parsed = parseSigningSecret(`whsec_${toBase64(key)}`);
          expect(parsed.ok).toBe(false);
          if (!parsed.ok) expect(parsed.reason).toContain(`${key.length}-byte key`);
        },
      ),
    );
  });

  it("refuses typed secrets, URL-safe, unpadded and non-canonical base64", () => {
    const valid = toBase64(new Uint8Array(32).fill(0xfb)); // "+/v7+/v7...+/s="
    for (const secret of [
      "out-secret-1",
      "topsecret",
      "whsec_",
      "whsec_not base64 at all",
      valid.replaceAll("/", "_").replaceAll("+", "-"),
      valid.replace(/=+$/, ""),
      `${valid.slice(0, -2)}B=`, // the last character carries bits the key does not have
      ` ${valid}`,
    ]) {
      expect(parseSigningSecret(secret).ok, secret).toBe(false);
    }
  });

  it("newSecret (npm run secret) makes whsec_ and 32 random bytes that parse", () => {
    const made = newSecret();
    expect(made).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const parsed = parseSigningSecret(made);
    expect(parsed.ok && parsed.value.length).toBe(32);
    expect(newSecret()).not.toBe(made);
  });
});

describe("secretValues and checkNativeSecret", () => {
  it("splits a rotation on commas, trimming and dropping empty parts", () => {
    expect(secretValues(" new , old ,")).toEqual(["new", "old"]);
    expect(secretValues(undefined)).toEqual([]);
  });

  it("takes any printable ASCII without spaces as a native secret", () => {
    expect(checkNativeSecret("out-secret-1").ok).toBe(true);
    expect(checkNativeSecret("two words").ok).toBe(false);
    expect(checkNativeSecret("clé").ok).toBe(false);
  });
});
