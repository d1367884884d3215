/**
 * Real deliveries for the consumer-side tests: a Chatwoot webhook is accepted by the Worker,
 * the queue consumer translates and POSTs it to the local destination server, and what that
 * server received (raw body text, headers as Node saw them) is returned. Plus secrets made by the
 * real tools (`npm run secret`, `openssl rand -base64 32`) and the docs' verify snippets (docs/verifying.md) run in Node.
 */
import { expect } from "vitest";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";
import {
  baseEnv,
  call,
  consume,
  destination,
  type Received,
  received,
  testEnv,
  unique,
} from "./helpers.ts";

export interface RouteOptions {
  target: string;
  /** The Standard Webhooks secret (`secret`), as configured. */
  secret?: string;
  /** A separate native secret (`nativeSecret`), as configured. */
  nativeSecret?: string;
  cloudevents?: "binary" | "structured";
}

/** One real delivery of a Chatwoot `message_created` to a route with these options. */
export async function deliverOnce(options: RouteOptions): Promise<Received> {
  const dest = destination("200");
  const { target, secret, nativeSecret, cloudevents } = options;
  const env = testEnv({
    ROUTES: [
      {
        name: "consumer",
        sources: ["chatwoot"],
        target,
        url: dest.url,
        ...(secret !== undefined ? { secret: "CONSUMER_SECRET" } : {}),
        ...(nativeSecret !== undefined ? { nativeSecret: "CONSUMER_NATIVE" } : {}),
        ...(cloudevents ? { cloudevents } : {}),
      },
    ],
    ...(secret !== undefined ? { CONSUMER_SECRET: secret } : {}),
    ...(nativeSecret !== undefined ? { CONSUMER_NATIVE: nativeSecret } : {}),
  });
  const response = await call(env, "/webhooks/chatwoot", {
    text: JSON.stringify(chatwootMessage),
    headers: { "X-Chatwoot-Delivery": unique() },
  });
  expect(response.status).toBe(202);
  const { accepted } = (await response.json()) as { accepted: string[] };
  const messages: DeliveryMessage[] = accepted.map((event) => ({ v: 1, event, route: "consumer" }));
  const result = await consume(env, messages);
  expect(result.explicitAcks).toHaveLength(messages.length);
  const [got] = await received(dest.key);
  if (!got) throw new Error("nothing was delivered");
  return got;
}

/** A new secret from the real tool: `npm run secret` or `openssl rand -base64 32`. */
export async function madeBy(tool: "npm" | "openssl"): Promise<string> {
  const response = await fetch(`${baseEnv.TEST_DESTINATION}/secret/${tool}`);
  expect(response.status).toBe(200);
  return ((await response.json()) as { secret: string }).secret;
}

export type SnippetResult =
  | { ok: true; result: unknown }
  | { ok: false; error: string }
  | { skipped: string };

/** Runs the docs' verify snippet `name` in Node (or Python) with `WEBHOOK_SECRET=secret` on a delivery. */
export async function runSnippet(
  name: string,
  secret: string,
  delivery: Pick<Received, "body" | "headers">,
): Promise<SnippetResult> {
  const response = await fetch(`${baseEnv.TEST_DESTINATION}/snippet/${name}`, {
    method: "POST",
    body: JSON.stringify({ secret, body: delivery.body, headers: delivery.headers }),
  });
  expect(response.status).toBe(200);
  return response.json();
}
