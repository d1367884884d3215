import { type AppError, fail } from "../errors/index.ts";

/**
 * The 401s a webhook can get. Messages name the reason and the header or field that was looked
 * at, never the secret, the expected signature or what was received.
 */
export function unauthorized(reason: string, message: string): { ok: false; error: AppError } {
  return fail({ code: "unauthorized", status: 401, message, details: { reason } });
}

/** Reads `<prefix><hex>` (for example `sha256=ab12...`), lower-casing the hex; undefined when malformed. */
export function readPrefixedHex(value: string, prefix: string): string | undefined {
  const trimmed = value.trim();
  if (!trimmed.toLowerCase().startsWith(prefix)) return undefined;
  const hex = trimmed.slice(prefix.length).toLowerCase();
  return /^[0-9a-f]+$/.test(hex) ? hex : undefined;
}
