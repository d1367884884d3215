import { hmac, toHex } from "../../crypto/index.ts";
import { type HubSignature, verifyHubSignature } from "../hub-signature.ts";
import type { Transport } from "../types.ts";

/** `X-Hub-Signature: sha1=<hex HMAC-SHA1(secret, raw body)>`. */
const SIGNATURE: HubSignature = {
  header: "X-Hub-Signature",
  prefix: "sha1=",
  algorithm: "SHA-1",
  missing: "Missing X-Hub-Signature header: this source is configured with a webhook secret.",
  mismatch:
    "X-Hub-Signature does not match the body with the configured secret. The signature must be the HMAC-SHA1 of the exact bytes sent (with curl, post the file with --data-binary: --data strips its newlines).",
};

/**
 * Dotted-topic transport: `X-Hub-Signature: sha1=<hex HMAC-SHA1(secret, raw body)>`; the
 * subscription check `GET ?type=subscribe&challenge=X` is answered `200` with body `X`
 * (text/plain). A repeat of a verified request is the same signed body (the signature has no
 * timestamp: a replay is a repeat for the 24 hours keys are kept); of an unverified one, the same
 * envelope `id` (each webhook call has a unique uuid; the sender retries with the same one), else
 * the exact body.
 */
export const dottedTransport: Transport = {
  verify(request, secrets) {
    return verifyHubSignature(request.headers, request.text, secrets, SIGNATURE);
  },

  challenge(request) {
    if (request.method !== "GET") return undefined;
    const type = request.url.searchParams.get("type");
    const challenge = request.url.searchParams.get("challenge");
    if (type !== "subscribe" || challenge === null) return undefined;
    return { status: 200, contentType: "text/plain; charset=utf-8", body: challenge };
  },

  async dedupeKey(request) {
    const id = (request.body as { id?: unknown } | null)?.id;
    if (typeof id === "string" && id !== "") return `id:${id}`;
    if (typeof id === "number") return `id:${id}`;
    return `body:${request.text}`;
  },

  signed: (request) => request.text,

  reservedHeaders: ["x-hub-signature"],

  async outboundHeaders(message, secret): Promise<Record<string, string>> {
    if (secret === undefined) return {};
    return { "X-Hub-Signature": `sha1=${toHex(await hmac("SHA-1", secret, message.body))}` };
  },
};
