/**
 * Helpers for the alert tests: routes with their own alert sink (the local destination server),
 * accepted Chatwoot events, the alerts the sink received (verified with the Standard Webhooks
 * reference library), and the route's object for moving its clock-dependent state back.
 */
import {
  createExecutionContext,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { Webhook } from "standardwebhooks";
import { expect } from "vitest";
import type { AlertEvent } from "../../src/alerts/events.ts";
import type { Health } from "../../src/alerts/health.ts";
import type { Env } from "../../src/config/env.ts";
import { gateOf } from "../../src/coordinate/index.ts";
import { newSecret } from "../../src/crypto/secrets.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import worker from "../../src/index.ts";
import { call, destination, received, testEnv, unique } from "../delivery/helpers.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";

export const auth = { Authorization: "Bearer admin-token" };

/** Routes named uniquely (each gets a fresh RouteGate), alerts to a sink answering `alertScript`. */
export function alertEnv(
  routes: Array<Record<string, unknown> & { url: string }>,
  options: { alertScript?: string; vars?: Record<string, unknown> } = {},
) {
  const sink = destination(options.alertScript ?? "200");
  const secret = newSecret();
  const named = routes.map((route) => ({
    name: unique("r").slice(0, 20),
    sources: "*",
    target: "dotted",
    ...route,
  }));
  const env = testEnv({
    ADMIN_TOKEN: "admin-token",
    MAX_ATTEMPTS: "10",
    ROUTES: JSON.stringify(named),
    ALERTS_URL: sink.url,
    ALERTS_SECRET: secret,
    ...options.vars,
  });
  return { env, names: named.map((route) => route.name), sink, secret };
}

/** Accepts `n` distinct Chatwoot events; one queue message per event for `route`. */
export async function accept(env: Env, route: string, n = 1): Promise<DeliveryMessage[]> {
  const messages: DeliveryMessage[] = [];
  for (let i = 0; i < n; i++) {
    const response = await call(env, "/webhooks/chatwoot", {
      text: JSON.stringify(chatwootMessage),
      headers: { "X-Chatwoot-Delivery": unique() },
    });
    expect(response.status).toBe(202);
    const { accepted } = (await response.json()) as { accepted: string[] };
    messages.push(...accepted.map((event) => ({ v: 1 as const, event, route })));
  }
  return messages;
}

/** Every alert the sink received, each verified with `standardwebhooks` (it throws otherwise). */
export async function alertsReceived(sinkKey: string, secret: string): Promise<AlertEvent[]> {
  const got = await received(sinkKey);
  return got.map((each) => new Webhook(secret).verify(each.body, each.headers) as AlertEvent);
}

/** Changes the route's health as kept by its object (moving its times back, for instance). */
export function editHealth(env: Env, route: string, edit: (health: Health) => void) {
  return runInDurableObject(gateOf(env, route), async (_, state) => {
    const health = state.storage.kv.get<Health>("health");
    if (!health) throw new Error(`route ${route} has no health yet`);
    edit(health);
    state.storage.kv.put("health", health);
  });
}

/** Calls the Worker and waits for what it left running (the counting of a rejected request). */
export async function send(env: Env, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const fetch = worker.fetch as (r: Request, e: Env, c: ExecutionContext) => Promise<Response>;
  const response = await fetch(new Request(`https://translator.test${path}`, init), env, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

/** `GET /metrics` parsed by parse-prometheus-text-format: a sample's value (0 when absent). */
export async function scrape(env: Env) {
  const response = await call(env, "/metrics", { headers: auth });
  expect(response.status).toBe(200);
  const text = await response.text();
  const families = parsePrometheusTextFormat(text);
  const value = (name: string, labels: Record<string, string>) => {
    const family = families.find((each) => each.name === name);
    const sample = family?.metrics.find((m) =>
      Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
    );
    return Number(sample?.value ?? 0);
  };
  return Object.assign(value, { text, families });
}
