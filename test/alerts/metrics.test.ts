/**
 * `GET /metrics` parsed by a real Prometheus text-format parser (parse-prometheus-text-format),
 * its numbers equal to what the API reports after a scripted run; and the `slack` alert format
 * checked against the shape Slack documents for incoming webhooks.
 */
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { Env } from "../../src/config/env.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import { call, consume, destination, drive, received } from "../delivery/helpers.ts";
import { accept, alertEnv, alertsReceived, auth } from "./helpers.ts";

async function api<T>(env: Env, path: string): Promise<T> {
  const response = await call(env, path, { headers: auth });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

describe("GET /metrics", () => {
  it("answers Prometheus text whose numbers equal the API's after 10 delivered, 3 failed attempts, 1 dead", async () => {
    const good = destination("200");
    const bad = destination("503,503,400");
    const { env, names } = alertEnv([{ url: good.url }, { url: bad.url }]);
    const [ok, failing] = names as [string, string];
    const messages = await accept(env, ok, 10);
    await consume(env, messages);
    const [one] = (await accept(env, failing)) as [DeliveryMessage];
    await drive(env, one);

    expect((await call(env, "/metrics")).status).toBe(401);
    const response = await call(env, "/metrics", { headers: auth });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    const text = await response.text();
    const families = parsePrometheusTextFormat(text);
    /**
     * A histogram's count for one route. parse-prometheus-text-format folds a histogram's series
     * into one (it keeps only the `le` label), so each route's series is given to it alone, with
     * its route label taken off.
     */
    const histogramCount = (name: string, route: string) => {
      const own = text
        .split("\n")
        .filter(
          (line) =>
            line.startsWith(`# HELP ${name} `) ||
            line.startsWith(`# TYPE ${name} `) ||
            (line.startsWith(name) && line.includes(`route="${route}"`)),
        )
        .map((line) => line.replace(`route="${route}",`, "").replace(`{route="${route}"}`, ""));
      const [family] = parsePrometheusTextFormat(`${own.join("\n")}\n`);
      return Number(family?.metrics[0]?.count);
    };
    const value = (name: string, labels: Record<string, string>) => {
      const family = families.find((each) => each.name === name);
      const sample = family?.metrics.find((m) =>
        Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
      );
      return Number(sample?.value ?? sample?.count ?? Number.NaN);
    };
    const types = Object.fromEntries(families.map((family) => [family.name, family.type]));
    expect(types).toMatchObject({
      webhook_deliveries_delivered_total: "COUNTER",
      webhook_delivery_attempts_failed_total: "COUNTER",
      webhook_deliveries_dead_total: "COUNTER",
      webhook_route_held_deliveries: "GAUGE",
      webhook_route_dead_letters: "GAUGE",
      webhook_delivery_latency_seconds: "HISTOGRAM",
      webhook_delivery_attempt_duration_seconds: "HISTOGRAM",
    });

    // What the API says.
    const { routes } = await api<{
      routes: Array<{ name: string; counts: Record<string, number>; held: number }>;
    }>(env, "/routes");
    const counts = (name: string) => routes.find((route) => route.name === name)?.counts ?? {};
    const detail = await api<{
      deliveries: Array<{ route: string; history: Array<{ status?: number }> }>;
    }>(env, `/events/${one.event}`);
    const history = detail.deliveries.find((each) => each.route === failing)?.history ?? [];
    const failedAttempts = history.filter(
      (attempt) => !(attempt.status && attempt.status >= 200 && attempt.status < 300),
    ).length;
    const { deadLetters } = await api<{ deadLetters: Array<{ route: string }> }>(
      env,
      "/deadletters?limit=100",
    );

    expect(counts(ok).delivered).toBe(10);
    expect(value("webhook_deliveries_delivered_total", { route: ok, source: "chatwoot" })).toBe(10);
    expect(failedAttempts).toBe(3);
    expect(
      value("webhook_delivery_attempts_failed_total", { route: failing, source: "chatwoot" }),
    ).toBe(3);
    expect(value("webhook_delivery_attempts_failed_total", { route: ok, source: "chatwoot" })).toBe(
      0,
    );
    expect(counts(failing).dead).toBe(1);
    expect(value("webhook_deliveries_dead_total", { route: failing, source: "chatwoot" })).toBe(1);
    expect(value("webhook_route_dead_letters", { route: failing })).toBe(
      deadLetters.filter((letter) => letter.route === failing).length,
    );
    expect(value("webhook_route_held_deliveries", { route: ok })).toBe(0);
    // Histograms: one latency per delivery, one duration per attempt (10 + 3).
    expect(histogramCount("webhook_delivery_latency_seconds", ok)).toBe(10);
    expect(histogramCount("webhook_delivery_attempt_duration_seconds", ok)).toBe(10);
    expect(histogramCount("webhook_delivery_attempt_duration_seconds", failing)).toBe(3);
    expect((await received(good.key)).length).toBe(10);
  });
});

/**
 * Slack's incoming-webhook message as documented (api.slack.com/messaging/webhooks, Block Kit
 * reference): a top-level `text` (the notification fallback) and `blocks`; a section block has a
 * text object (`mrkdwn` or `plain_text`, at most 3,000 characters); a context block has 1 to 10
 * elements; at most 50 blocks.
 */
const TextObject = z.strictObject({
  type: z.enum(["mrkdwn", "plain_text"]),
  text: z.string().min(1).max(3000),
});
const SlackMessage = z.object({
  text: z.string().min(1),
  blocks: z
    .array(
      z.discriminatedUnion("type", [
        z.strictObject({ type: z.literal("section"), text: TextObject }),
        z.strictObject({
          type: z.literal("context"),
          elements: z.array(TextObject).min(1).max(10),
        }),
      ]),
    )
    .min(1)
    .max(50),
});

describe("OpenAPI", () => {
  it("describes GET /metrics and the alert events", async () => {
    const doc = (await (await call(alertEnv([]).env, "/openapi.json")).json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths)).toContain("/metrics");
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining([
        "AlertEvent",
        "RouteFailingAlert",
        "RouteRecoveredAlert",
        "RoutePausedAlert",
        "DeliveriesDeadAlert",
      ]),
    );
  });
});

describe("ALERTS_FORMAT=slack", () => {
  it("sends a signed Slack incoming-webhook message: text plus blocks", async () => {
    const dest = destination("503");
    const { env, names, sink, secret } = alertEnv([{ url: dest.url, failingAfter: 1 }], {
      vars: { ALERTS_FORMAT: "slack" },
    });
    const [name] = names as [string];
    await consume(env, await accept(env, name));
    const [got] = await received(sink.key);
    if (!got) throw new Error("no alert was sent");
    const message = SlackMessage.parse(new Webhook(secret).verify(got.body, got.headers));
    expect(message.text).toContain(`Route ${name} is failing`);
    expect(message.blocks[0]).toMatchObject({ type: "section", text: { type: "mrkdwn" } });
    expect(JSON.stringify(message.blocks)).toContain(`/console?route=${name}`);
    expect(await alertsReceived(sink.key, secret)).toHaveLength(1);
  });
});
