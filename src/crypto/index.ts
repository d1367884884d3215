/**
 * Small WebCrypto helpers shared by inbound verification (the formats' transports) and outbound
 * signing (src/deliver).
 * Every comparison of a secret-derived value goes through `constantTimeEqual`.
 */

const encoder = new TextEncoder();

export type HmacHash = "SHA-1" | "SHA-256";

/** HMAC of `data` with `key` (text keys are UTF-8 encoded). */
export async function hmac(
  hash: HmacHash,
  key: string | Uint8Array,
  data: string,
): Promise<Uint8Array> {
  const raw = typeof key === "string" ? encoder.encode(key) : key;
  const cryptoKey = await crypto.subtle.importKey("raw", raw, { name: "HMAC", hash }, false, [
    "sign",
  ]);
  return new Uint8Array(await crypto.subtle.sign("HMAC", cryptoKey, encoder.encode(data)));
}

/**
 * The Standard Webhooks `webhook-signature` value: `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`
 * per key, space-separated (both halves of a rotation, as the spec allows).
 *
 * @example await standardSignature([key], { id: "msg_1", timestamp: 1700000000, body: "{}" }) // "v1,K5oZ..."
 */
export async function standardSignature(
  keys: readonly Uint8Array[],
  message: { id: string; timestamp: number; body: string },
): Promise<string> {
  const signed = `${message.id}.${message.timestamp}.${message.body}`;
  const signatures = await Promise.all(
    keys.map(async (key) => `v1,${toBase64(await hmac("SHA-256", key, signed))}`),
  );
  return signatures.join(" ");
}

export async function sha256Hex(data: string): Promise<string> {
  return toHex(new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(data))));
}

export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const byte of bytes) out += byte.toString(16).padStart(2, "0");
  return out;
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Compares two strings in time that depends only on their lengths (signature and token lengths
 * are public), never on where they first differ.
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  const length = Math.max(left.length, right.length);
  let diff = left.length ^ right.length;
  for (let i = 0; i < length; i++) diff |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return diff === 0;
}

/** True when `candidate` equals one of `expected` (each compared in constant time, all compared). */
export function matchesAny(candidate: string, expected: readonly string[]): boolean {
  let found = false;
  for (const value of expected) found = constantTimeEqual(candidate, value) || found;
  return found;
}

/**
 * Reads `<prefix><hex>` (for example `sha256=ab12...`), lower-casing the hex; undefined when malformed.
 *
 * @example readPrefixedHex("sha1=AB12", "sha1=") // "ab12"
 */
export function readPrefixedHex(value: string, prefix: string): string | undefined {
  const trimmed = value.trim();
  if (!trimmed.toLowerCase().startsWith(prefix)) return undefined;
  const hex = trimmed.slice(prefix.length).toLowerCase();
  return /^[0-9a-f]+$/.test(hex) ? hex : undefined;
}
