import { matchesAny } from "../../crypto/index.ts";
import { ok, unauthorized } from "../../errors/index.ts";
import type { Transport } from "../types.ts";

/** The header Telegram sends the `secret_token` given to `setWebhook` in, on every update. */
export const SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token";

/**
 * Telegram Bot API transport. Telegram signs nothing: the bot's owner gives `setWebhook` a
 * `secret_token` and every webhook POST carries it in `X-Telegram-Bot-Api-Secret-Token`; it is
 * compared in constant time with `WEBHOOK_SECRET_TELEGRAM` (two values during a rotation). A
 * repeat is the same `update_id` (Telegram re-sends an update until it gets a 2xx, with the same
 * id). Deliveries in this format carry the route's native secret in the same header, as a bot's
 * webhook handler checks it.
 */
export const telegramTransport: Transport = {
  async verify(request, secrets) {
    const token = request.headers.get(SECRET_HEADER);
    if (token === null || token === "") {
      return unauthorized(
        "missing_token",
        `Missing ${SECRET_HEADER} header: this source is configured with a secret. Give the same value to setWebhook as secret_token.`,
      );
    }
    if (!matchesAny(token, secrets)) {
      return unauthorized(
        "bad_token",
        `${SECRET_HEADER} does not match the configured secret (the secret_token given to setWebhook).`,
      );
    }
    return ok(true);
  },

  async dedupeKey(request) {
    // The schema has checked update_id is a non-negative integer by the time keys are made.
    const id = (request.body as { update_id: number }).update_id;
    return `update:${id}`;
  },

  async outboundHeaders(_message, secret): Promise<Record<string, string>> {
    return secret === undefined ? {} : { [SECRET_HEADER]: secret };
  },
};
