/**
 * Destination secrets. A Standard Webhooks secret is read exactly as the spec and its reference
 * libraries read it: an optional `whsec_` prefix, then base64 of the key. Anything the reference
 * libraries would decode differently (or not at all) is refused here, so a consumer given the
 * configured value can always pass it to `new Webhook(secret)` unchanged.
 */
import { fromBase64, toBase64 } from "./index.ts";

/** The prefix Standard Webhooks puts before a symmetric secret's base64. */
export const SECRET_PREFIX = "whsec_";
/** The key sizes the Standard Webhooks spec asks for: 24 to 64 random bytes. */
export const MIN_KEY_BYTES = 24;
export const MAX_KEY_BYTES = 64;
/** What an operator is told to do about a bad secret. */
export const HOW_TO_MAKE_A_SECRET =
  "make one with `npm run secret` (prints whsec_ and 32 random bytes in base64) or `openssl rand -base64 32`";

export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * Reads one Standard Webhooks secret (`whsec_<base64>` or bare `<base64>`) into its key bytes.
 * Only canonical, padded, standard base64 is accepted (what `@stablelib/base64`, Python's
 * `b64decode` and `atob` all decode to the same bytes), of a 24 to 64 byte key. The reason never
 * quotes the value.
 *
 * @example parseSigningSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") // {ok: true, value: <24 bytes>}
 * @example parseSigningSecret("out-secret-1") // {ok: false, reason: "is not base64: ..."}
 */
export function parseSigningSecret(value: string): Parsed<Uint8Array> {
  const encoded = value.startsWith(SECRET_PREFIX) ? value.slice(SECRET_PREFIX.length) : value;
  if (encoded === "") return { ok: false, reason: "is empty after the whsec_ prefix" };
  if (!BASE64.test(encoded)) {
    return {
      ok: false,
      reason:
        "is not base64: after the optional whsec_ prefix only A-Z, a-z, 0-9, + and / may appear, then up to two = (no spaces; URL-safe - and _ are not accepted)",
    };
  }
  let key: Uint8Array;
  try {
    key = fromBase64(encoded);
  } catch {
    key = new Uint8Array();
  }
  if (encoded.length % 4 !== 0 || toBase64(key) !== encoded) {
    return {
      ok: false,
      reason:
        "is not padded base64: its length after the optional whsec_ prefix must be a multiple of 4, with = padding",
    };
  }
  if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
    return {
      ok: false,
      reason: `decodes to a ${key.length}-byte key; Standard Webhooks asks for ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} random bytes`,
    };
  }
  return { ok: true, value: key };
}

/**
 * A secret variable's values: split on commas (a rotation holds `new,old` or `old,new`), trimmed,
 * empty parts dropped.
 *
 * @example secretValues(" a, b ,") // ["a", "b"]
 */
export function secretValues(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

/**
 * Checks a secret used by a target's native scheme (`X-Chatwoot-Signature`, `X-Hub-Signature`,
 * the Support Hunt token): used as written, its UTF-8 bytes as the HMAC key, or sent as the token
 * in headers, so it must be printable ASCII without spaces.
 *
 * @example checkNativeSecret("out-secret-1") // {ok: true, value: "out-secret-1"}
 */
export function checkNativeSecret(value: string): Parsed<string> {
  if (!/^[\x21-\x7e]+$/.test(value)) {
    return {
      ok: false,
      reason:
        "must be printable ASCII without spaces (it is a header value for a Support Hunt target)",
    };
  }
  return { ok: true, value };
}

/**
 * A new Standard Webhooks secret: `whsec_` and 32 random bytes in base64 (what `npm run secret`
 * prints).
 *
 * @example newSecret() // "whsec_3q2+7w0P..." (50 characters)
 */
export function newSecret(): string {
  return `${SECRET_PREFIX}${toBase64(crypto.getRandomValues(new Uint8Array(32)))}`;
}

/** What a destination's deliveries are signed with. */
export interface DestinationKeys {
  /** Standard Webhooks keys (decoded), one `v1,` signature each; empty when unsigned. */
  signing: Uint8Array[];
  /** The value the target's native scheme uses as written (the first of a rotation). */
  native?: string;
}
