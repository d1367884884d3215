/**
 * The store's targets from issue 22, counted: rows written per event from request to prune
 * (plain <= 10, three routes <= 20) and bytes stored per event (<= payload + 600), against today's
 * D1 store measured the same way. `npm run bench -- cost` runs this file and prints the counts
 * (each test leaves them in `task.meta.cost`).
 */
import { env as bindings } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import chatwoot from "../fixtures/chatwoot/message-created-incoming/source.json";
import { d1Cost, SCENARIOS, shardCost } from "./cost.ts";

const env = bindings as unknown as Env;
const payload = JSON.stringify(chatwoot);
const report = (task: { meta: object }, cost: unknown) => {
  (task.meta as { cost?: unknown }).cost = cost;
};

describe("cost per event on the sharded store", () => {
  for (const failedFirst of [false, true]) {
    it(`every scenario, ${failedFirst ? "one failed attempt first" : "happy path"}`, async ({
      task,
    }) => {
      const costs = [];
      for (const scenario of SCENARIOS)
        costs.push(await shardCost(env, scenario, failedFirst, payload));
      report(task, { store: "shards", payloadBytes: payload.length, costs });
      const plain = costs.find((c) => c.scenario === "plain");
      const three = costs.find((c) => c.scenario === "three routes");
      if (!failedFirst) {
        expect(plain?.rowsWritten).toBeLessThanOrEqual(10);
        expect(three?.rowsWritten).toBeLessThanOrEqual(20);
        expect(plain?.bytes).toBeLessThanOrEqual(payload.length + 600);
      }
      // Real counts: the event, its key and a delivery row at least.
      expect(plain?.rowsWritten).toBeGreaterThanOrEqual(5);
    });
  }
});

describe("cost per event on today's D1 store (for comparison)", () => {
  for (const failedFirst of [false, true]) {
    it(`plain and three routes, ${failedFirst ? "one failed attempt first" : "happy path"}`, async ({
      task,
    }) => {
      const costs = [];
      for (const scenario of ["plain", "three routes"] as const) {
        costs.push({
          scenario,
          failedFirst,
          ...(await d1Cost(env, scenario, failedFirst, payload)),
        });
      }
      report(task, { store: "d1", payloadBytes: payload.length, costs });
      expect(costs[0]?.rowsWritten).toBeGreaterThan(10);
    });
  }
});
