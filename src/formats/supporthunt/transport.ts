import { matchesAny, sha256Hex } from "../../crypto/index.ts";
import { ok, unauthorized } from "../../errors/index.ts";
import type { InboundRequest, Transport } from "../types.ts";

/** The token a Support Hunt request carries, wherever it put it (first found wins, in this order). */
export function findToken(request: InboundRequest): string | undefined {
  const authorization = request.headers.get("authorization");
  const bearer = authorization?.match(/^\s*Bearer\s+(.+?)\s*$/i)?.[1];
  if (bearer) return bearer;
  const header = request.headers.get("x-webhook-token")?.trim();
  if (header) return header;
  const query = request.url.searchParams.get("token");
  if (query) return query;
  const field = (request.body as { token?: unknown } | null | undefined)?.token;
  return typeof field === "string" && field !== "" ? field : undefined;
}

/**
 * Support Hunt transport. No signature is documented, only a token the account owner typed in:
 * it is accepted from `Authorization: Bearer <token>`, `X-Webhook-Token`, a `token` query
 * parameter or a top-level `token` field. A test POST that carries a token and no events
 * (`{"token": "..."}` or `{"events": [], "token": "..."}`) is answered `200` with the token as the
 * text/plain body. A repeat is an event with the same content (each event of a batch on its own).
 * Deliveries in this format carry the destination secret as the token, in both headers.
 */
export const supporthuntTransport: Transport = {
  async verify(request, secrets) {
    const token = findToken(request);
    if (!token) {
      return unauthorized(
        "missing_token",
        "Missing token: send it as Authorization: Bearer <token>, an X-Webhook-Token header, a token query parameter or a top-level token field.",
      );
    }
    if (!matchesAny(token, secrets)) {
      return unauthorized("bad_token", "The token does not match the configured secret.");
    }
    return ok(true);
  },

  handshake(request) {
    const body = request.body;
    if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
    const { token, events } = body as { token?: unknown; events?: unknown };
    const noEvents = events === undefined || (Array.isArray(events) && events.length === 0);
    if (!noEvents) return undefined;
    const echoed = typeof token === "string" && token !== "" ? token : findToken(request);
    if (!echoed) return undefined;
    return { status: 200, contentType: "text/plain; charset=utf-8", body: echoed };
  },

  async dedupeKey(_request, event) {
    return `event:${await sha256Hex(JSON.stringify(event.payload))}`;
  },

  async outboundHeaders(_message, secret): Promise<Record<string, string>> {
    if (secret === undefined) return {};
    return { Authorization: `Bearer ${secret}`, "X-Webhook-Token": secret };
  },
};
