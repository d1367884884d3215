import { hmac, matchesAny, readPrefixedHex, toHex } from "../crypto/index.ts";
import { ok, type Result, unauthorized } from "../errors/index.ts";

/** How one "hub" signature scheme (`<header>: <prefix><hex HMAC of the raw body>`) is read. */
export interface HubSignature {
  /** The header: `X-Hub-Signature`, `X-Hub-Signature-256`. */
  header: string;
  /** The text before the hex: `sha1=`, `sha256=`. */
  prefix: string;
  algorithm: "SHA-1" | "SHA-256";
  /** The 401 messages, which name the sender's own settings. */
  missing: string;
  mismatch: string;
}

/**
 * Verifies a body signed as dotted senders (`X-Hub-Signature`, HMAC-SHA1) and Meta
 * (`X-Hub-Signature-256`, HMAC-SHA256) sign it: against each secret (two during a rotation), in
 * constant time.
 *
 * @example return verifyHubSignature(request.headers, request.text, secrets, DOTTED_SIGNATURE);
 */
export async function verifyHubSignature(
  headers: Headers,
  body: string,
  secrets: readonly string[],
  scheme: HubSignature,
): Promise<Result<true>> {
  const signature = headers.get(scheme.header);
  if (!signature) return unauthorized("missing_signature", scheme.missing);
  const given = readPrefixedHex(signature, scheme.prefix);
  if (!given) {
    return unauthorized(
      "bad_signature",
      `${scheme.header} must look like "${scheme.prefix}<hex>".`,
    );
  }
  const expected = await Promise.all(
    secrets.map(async (secret) => toHex(await hmac(scheme.algorithm, secret, body))),
  );
  if (!matchesAny(given, expected)) return unauthorized("bad_signature", scheme.mismatch);
  return ok(true);
}
