/**
 * `GET /metrics` parsed by a real Prometheus text-format parser (parse-prometheus-text-format),
 * its numbers equal to what the API reports after a scripted run; and the `slack` alert format
 * checked against the shape Slack documents for incoming webhooks.
 */
import parsePrometheusTextFormat from "parse-prometheus-text-format";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { emptyMeter } from "../../src/alerts/meter.ts";
import { renderMetrics } from "../../src/alerts/metrics.ts";
import type { Env } from "../../src/config/env.ts";
import type { DeliveryMessage } from "../../src/enqueue/index.ts";
import { call, consume, destination, drive, received, unique } from "../delivery/helpers.ts";
import chatwootMessage from "../fixtures/chatwoot/message-created-incoming/source.json";
import { accept, alertEnv, alertsReceived, auth, scrape, send } from "./helpers.ts";

async function api<T>(env: Env, path: string): Promise<T> {
  const response = await call(env, path, { headers: auth });
  expect(response.status).toBe(200);
  return (await response.json()) as T;
}

describe("GET /metrics", () => {
  it("answers Prometheus text whose numbers equal the API's after 10 delivered, 3 failed attempts, 1 dead, and per source what the senders were answered", async () => {
    const good = destination("200");
    const bad = destination("503,503,400");
    const { env, names } = alertEnv([{ url: good.url }, { url: bad.url }]);
    const [ok, failing] = names as [string, string];
    const was = await scrape(env);
    const messages = await accept(env, ok, 10);
    await consume(env, messages);
    const [one] = (await accept(env, failing)) as [DeliveryMessage];
    await drive(env, one);
    // What the senders were answered: one more event, its repeat, and a body that is not JSON.
    const post = (body: string, delivery: string) =>
      send(env, "/webhooks/chatwoot", {
        method: "POST",
        body,
        headers: { "content-type": "application/json", "X-Chatwoot-Delivery": delivery },
      });
    const again = unique();
    const answers = [
      await post(JSON.stringify(chatwootMessage), again),
      await post(JSON.stringify(chatwootMessage), again),
      await post("{not json", unique()),
    ];
    expect(answers.map((answer) => answer.status)).toEqual([202, 200, 400]);
    const [fresh, repeat] = (await Promise.all(answers.slice(0, 2).map((a) => a.json()))) as Array<{
      accepted: string[];
      duplicates: string[];
    }>;

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

    // What the API says: the routes' counts, the dead letters with the failed attempts each keeps.
    const { routes } = await api<{
      routes: Array<{ name: string; counts: Record<string, number>; held: number }>;
    }>(env, "/routes");
    const counts = (name: string) => routes.find((route) => route.name === name)?.counts ?? {};
    const { deadLetters } = await api<{
      deadLetters: Array<{ id: string; route: string; eventId: string }>;
    }>(env, "/deadletters?limit=100");
    const letter = deadLetters.find((each) => each.eventId === one.event);
    // The dead letter keeps every failed attempt of the delivery it ended.
    const { attempts } = await api<{ attempts: Array<{ status: number }> }>(
      env,
      `/deadletters/${letter?.id}`,
    );
    const failedAttempts = attempts.length;

    expect(counts(ok).delivered).toBe(10);
    expect(await received(good.key)).toHaveLength(10);
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

    // Per source: every request of the run (11 accepted one by one, then the three above).
    const now = await scrape(env);
    const delta = (name: string, labels: Record<string, string>) =>
      now(name, labels) - was(name, labels);
    const source = { source: "chatwoot" };
    expect(delta("webhook_requests_received_total", source)).toBe(14);
    expect(delta("webhook_events_accepted_total", source)).toBe(
      11 + (fresh?.accepted.length ?? 0) + (repeat?.accepted.length ?? 0),
    );
    expect(delta("webhook_events_duplicates_total", source)).toBe(repeat?.duplicates.length);
    expect(delta("webhook_requests_rejected_total", { ...source, code: "400" })).toBe(1);
  });
});

describe("GET /metrics, circuit breakers", () => {
  it("shows a route's circuit as GET /routes does (1 open, 0 closed) and counts the open ones", async (context) => {
    // The breaker is issue 26's (branch delivery): until it is merged, routes have no circuit.
    const plain = alertEnv([{ url: destination("200").url }]);
    const { routes: before } = await api<{ routes: Array<{ circuit?: unknown }> }>(
      plain.env,
      "/routes",
    );
    if (before[0]?.circuit === undefined) return context.skip("no circuit breaker in this build");
    const failing = destination("503,503,503,200");
    const good = destination("200");
    const { env, names } = alertEnv([
      { url: failing.url, circuitFailures: 3, circuitCooldownSeconds: 1 },
      { url: good.url },
    ]);
    const [tripped, fine] = names as [string, string];
    await consume(env, await accept(env, tripped, 3));
    const circuits = async () => {
      const { routes } = await api<{ routes: Array<{ name: string; circuit: { state: string } }> }>(
        env,
        "/routes",
      );
      return Object.fromEntries(routes.map((route) => [route.name, route.circuit.state]));
    };
    expect(await circuits()).toEqual({ [tripped]: "open", [fine]: "closed" });
    const open = await scrape(env);
    expect(open("webhook_route_circuit_open", { route: tripped })).toBe(1);
    expect(open("webhook_route_circuit_open", { route: fine })).toBe(0);
    expect(open("webhook_circuits_open", {})).toBe(1);

    // Once the cool-down is over, the next delivery is the probe; the destination answers 200.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await consume(env, await accept(env, tripped));
    expect(await circuits()).toEqual({ [tripped]: "closed", [fine]: "closed" });
    const closed = await scrape(env);
    expect(closed("webhook_route_circuit_open", { route: tripped })).toBe(0);
    expect(closed("webhook_circuits_open", {})).toBe(0);
  });
});

describe("the exposition (prom-client)", () => {
  it("counts the routes whose circuit is open or half-open, and escapes label values", async () => {
    const route = (name: string, circuit?: "closed" | "open" | "half-open") => ({
      route: name,
      meter: emptyMeter(),
      status: { paused: false, held: 0, circuit: { state: circuit ?? "closed", failures: 0 } },
      deadLetters: 0,
    });
    const text = await renderMetrics({}, [
      route('c"rm\\x', "open"),
      route("bot", "half-open"),
      route("mail", "closed"),
      route("old"),
    ]);
    const families = parsePrometheusTextFormat(text);
    const gauge = (name: string) => families.find((family) => family.name === name)?.metrics;
    expect(
      Object.fromEntries(
        (gauge("webhook_route_circuit_open") ?? []).map((m) => [m.labels?.route, m.value]),
      ),
    ).toEqual({ 'c"rm\\x': "1", bot: "1", mail: "0", old: "0" });
    expect(gauge("webhook_circuits_open")?.[0]?.value).toBe("2");
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
