import { chatwootTransport } from "../formats/chatwoot/transport.ts";
import { dottedTransport } from "../formats/dotted/transport.ts";
import { supporthuntTransport } from "../formats/supporthunt/transport.ts";
import type { FormatDefinition, Transport } from "../formats/types.ts";

const builtIn: Record<string, Transport> = {
  chatwoot: chatwootTransport,
  dotted: dottedTransport,
  supporthunt: supporthuntTransport,
};

/**
 * The transport of a format: the one it declares (`FormatDefinition.transport`), else the one of
 * its family or id. A format without either has no signatures, handshakes or native headers and
 * is deduplicated on the exact body (see `dedupeKeys` in keys.ts).
 */
export function transportOf(format: FormatDefinition): Transport | undefined {
  return format.transport ?? builtIn[format.family ?? format.id];
}

/** The env var holding a source's inbound secret: `WEBHOOK_SECRET_<ID>` (upper case, `-` → `_`). */
export function sourceSecretName(formatId: string): string {
  return `WEBHOOK_SECRET_${formatId.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}

/**
 * The secrets a source is verified with: the var split on commas, so that during a rotation
 * `WEBHOOK_SECRET_HOORY="new,old"` accepts both. Empty when unset (the source is unverified).
 */
export function sourceSecrets(
  env: Record<string, unknown>,
  formatId: string,
  name: (formatId: string) => string = sourceSecretName,
): string[] {
  const value = env[name(formatId)];
  if (typeof value !== "string") return [];
  return value
    .split(",")
    .map((part) => part.trim())
    .filter((part) => part !== "");
}

/** The env var holding a source's subscription verify token: `WEBHOOK_VERIFY_TOKEN_<ID>` (WhatsApp). */
export function verifyTokenName(formatId: string): string {
  return sourceSecretName(formatId).replace("WEBHOOK_SECRET_", "WEBHOOK_VERIFY_TOKEN_");
}
