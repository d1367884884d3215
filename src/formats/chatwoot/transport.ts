import { hmac, matchesAny, readPrefixedHex, toHex } from "../../crypto/index.ts";
import { ok, unauthorized } from "../../errors/index.ts";
import type { Transport } from "../types.ts";

/** Signed requests older or newer than this are refused (replay protection). */
export const MAX_CLOCK_SKEW_SECONDS = 5 * 60;

/**
 * Chatwoot family transport (Chatwoot 4.11.2+ signing, shared by MessageHub, Hoory, OneHash):
 * `X-Chatwoot-Signature: sha256=<hex HMAC-SHA256(secret, "<X-Chatwoot-Timestamp>.<raw body>")>`,
 * timestamps more than 5 minutes from now are refused. A repeat of a verified request is the same
 * signed timestamp and body (a replay within the window, whatever its `X-Chatwoot-Delivery`); of an
 * unverified one, the same `X-Chatwoot-Delivery`, else (OneHash, older versions) the exact body.
 */
export const chatwootTransport: Transport = {
  async verify(request, secrets, nowSeconds) {
    const signature = request.headers.get("x-chatwoot-signature");
    const timestamp = request.headers.get("x-chatwoot-timestamp");
    if (!signature) {
      return unauthorized(
        "missing_signature",
        "Missing X-Chatwoot-Signature header: this source is configured with a webhook secret.",
      );
    }
    if (!timestamp) {
      return unauthorized(
        "missing_timestamp",
        "Missing X-Chatwoot-Timestamp header: it is part of the signed text.",
      );
    }
    const seconds = Number(timestamp.trim());
    if (!/^\d+$/.test(timestamp.trim()) || !Number.isSafeInteger(seconds)) {
      return unauthorized("bad_timestamp", "X-Chatwoot-Timestamp must be unix seconds.");
    }
    if (Math.abs(nowSeconds - seconds) > MAX_CLOCK_SKEW_SECONDS) {
      return unauthorized(
        "stale_timestamp",
        `X-Chatwoot-Timestamp is more than ${MAX_CLOCK_SKEW_SECONDS / 60} minutes from now: refused as a possible replay (check the sender's clock).`,
      );
    }
    const given = readPrefixedHex(signature, "sha256=");
    if (!given) {
      return unauthorized("bad_signature", 'X-Chatwoot-Signature must look like "sha256=<hex>".');
    }
    const expected = await Promise.all(
      secrets.map(async (secret) =>
        toHex(await hmac("SHA-256", secret, `${seconds}.${request.text}`)),
      ),
    );
    if (!matchesAny(given, expected)) {
      return unauthorized(
        "bad_signature",
        'X-Chatwoot-Signature does not match the body and timestamp with the configured secret. The signature must be the HMAC-SHA256 of "<X-Chatwoot-Timestamp>.<body>" over the exact bytes sent (with curl, post the file with --data-binary: --data strips its newlines).',
      );
    }
    return ok(true);
  },

  async dedupeKey(request) {
    const delivery = request.headers.get("x-chatwoot-delivery")?.trim();
    if (delivery) return `delivery:${delivery}`;
    return `body:${request.text}`;
  },

  signed(request) {
    const timestamp = request.headers.get("x-chatwoot-timestamp")?.trim();
    return timestamp ? `${Number(timestamp)}.${request.text}` : undefined;
  },

  reservedHeaders: ["x-chatwoot-delivery", "x-chatwoot-timestamp", "x-chatwoot-signature"],

  async outboundHeaders(message, secret) {
    const headers: Record<string, string> = {
      "X-Chatwoot-Delivery": message.id,
      "X-Chatwoot-Timestamp": String(message.timestamp),
    };
    if (secret !== undefined) {
      const mac = await hmac("SHA-256", secret, `${message.timestamp}.${message.body}`);
      headers["X-Chatwoot-Signature"] = `sha256=${toHex(mac)}`;
    }
    return headers;
  },
};
