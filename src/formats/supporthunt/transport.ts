import { matchesAny } from "../../crypto/index.ts";
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
 * The token of a Support Hunt test POST, or undefined when the request is anything else. The test
 * POST is exactly `{"token": "<token>"}` or `{"events": [], "token": "<token>"}`, or `{"events": []}`
 * with the token in a header or the query. Any other body (`{}`, `{"foo": 1}`, a Chatwoot payload)
 * is not a test POST: it is validated as a batch and refused with 400.
 *
 * @example testPostToken({ ...request, body: { token: "t" } }) // "t"
 * @example testPostToken({ ...request, body: { token: "t", foo: 1 } }) // undefined
 */
export function testPostToken(request: InboundRequest): string | undefined {
  const body = request.body;
  if (typeof body !== "object" || body === null || Array.isArray(body)) return undefined;
  const keys = Object.keys(body);
  if (!keys.every((key) => key === "token" || key === "events")) return undefined;
  const { token, events } = body as { token?: unknown; events?: unknown };
  if (events !== undefined && !(Array.isArray(events) && events.length === 0)) return undefined;
  if (typeof token === "string" && token !== "") return token;
  if (token !== undefined || events === undefined) return undefined;
  return findToken(request);
}

/**
 * Support Hunt transport. No signature is documented, only a token the account owner typed in:
 * it is accepted from `Authorization: Bearer <token>`, `X-Webhook-Token`, a `token` query
 * parameter or a top-level `token` field. The test POST sent when events are enabled is
 * answered `200` with the token as the text/plain body; it is recognised by its exact shape only
 * (see `testPostToken`), so that no other body is ever answered 2xx without being queued. A repeat is an event with the same content (each event of a batch on its own).
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
    const token = testPostToken(request);
    return token === undefined
      ? undefined
      : { status: 200, contentType: "text/plain; charset=utf-8", body: token };
  },

  async dedupeKey(_request, event) {
    return `event:${JSON.stringify(event.payload)}`;
  },

  reservedHeaders: ["authorization", "x-webhook-token"],

  async outboundHeaders(_message, secret): Promise<Record<string, string>> {
    if (secret === undefined) return {};
    return { Authorization: `Bearer ${secret}`, "X-Webhook-Token": secret };
  },
};
