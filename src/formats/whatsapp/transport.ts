import { hmac, matchesAny, sha256Hex, toHex } from "../../crypto/index.ts";
import type { AppError } from "../../errors/index.ts";
import { type HubSignature, verifyHubSignature } from "../hub-signature.ts";
import type { Transport } from "../types.ts";

/** Why a subscription check is refused, without echoing what was sent. */
const refused = (message: string): AppError => ({ code: "forbidden", status: 403, message });

/** `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`. */
const SIGNATURE: HubSignature = {
  header: "X-Hub-Signature-256",
  prefix: "sha256=",
  algorithm: "SHA-256",
  missing:
    "Missing X-Hub-Signature-256 header: this source is configured with the app secret (WEBHOOK_SECRET_WHATSAPP), so every post must be signed.",
  mismatch:
    "X-Hub-Signature-256 does not match the body with the configured app secret. It must be the HMAC-SHA256 of the exact bytes sent, keyed with the Meta app's secret (App settings > Basic), not the verify token or an access token.",
};

/**
 * WhatsApp Cloud API transport, as Meta's Graph webhooks work:
 * - each POST carries `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(app secret, raw body)>`;
 * - the subscription check is `GET ?hub.mode=subscribe&hub.verify_token=T&hub.challenge=C`,
 *   answered `200 C` (text/plain) when T is the configured verify token, `403` otherwise;
 * - a repeat is the same message id (`messages[].id`, a wamid), or the same status of the same
 *   message (`statuses[].id` and `status`: sent, delivered and read are three events). Meta
 *   retries a post that was not answered 2xx, so a repeat is told apart by these ids, never by
 *   the post: one post may hold several entries and changes. (No `signed` text: the signature
 *   covers the body, and these ids are in it, so a replayed post is a repeat either way, and a
 *   status Meta posts again in another batch is one too.)
 * Deliveries in this format are signed the same way with the route's native secret.
 */
export const whatsappTransport: Transport = {
  verify(request, secrets) {
    return verifyHubSignature(request.headers, request.text, secrets, SIGNATURE);
  },

  challenge(request, verifyTokens = []) {
    if (request.method !== "GET") return undefined;
    const query = request.url.searchParams;
    const mode = query.get("hub.mode");
    if (mode === null) return undefined;
    const challenge = query.get("hub.challenge");
    const token = query.get("hub.verify_token");
    if (mode !== "subscribe" || challenge === null) {
      return refused(
        "A subscription check is GET ?hub.mode=subscribe&hub.verify_token=<token>&hub.challenge=<text>.",
      );
    }
    if (verifyTokens.length === 0) {
      return refused(
        "No verify token is configured for this source: set WEBHOOK_VERIFY_TOKEN_WHATSAPP to the token typed in Meta's webhook settings.",
      );
    }
    if (token === null || !matchesAny(token, verifyTokens)) {
      return refused("hub.verify_token does not match the configured verify token.");
    }
    return { status: 200, contentType: "text/plain; charset=utf-8", body: challenge };
  },

  async dedupeKey(_request, event) {
    const payload = event.payload as { entry?: Array<{ changes?: Array<{ value?: Value }> }> };
    const value = payload.entry?.[0]?.changes?.[0]?.value;
    const message = value?.messages?.[0] ?? value?.message_echoes?.[0];
    if (message) return `message:${await sha256Hex(message.id)}`;
    const status = value?.statuses?.[0];
    if (status) {
      return `status:${await sha256Hex(`${status.id}\n${status.status}`)}`;
    }
    return `event:${await sha256Hex(JSON.stringify(event.payload))}`;
  },

  reservedHeaders: ["x-hub-signature-256"],

  async outboundHeaders(message, secret): Promise<Record<string, string>> {
    if (secret === undefined) return {};
    return {
      "X-Hub-Signature-256": `sha256=${toHex(await hmac("SHA-256", secret, message.body))}`,
    };
  },
};

interface Value {
  messages?: Array<{ id: string }>;
  message_echoes?: Array<{ id: string }>;
  statuses?: Array<{ id: string; status: string }>;
}
