/**
 * The workerd part of `npm run bench` (scripts/bench/run.ts starts it; not part of `npm test`):
 * scripts/bench/workerd/*.test.ts in the Workers runtime, with the same pool, wrangler.toml and
 * text-module plugin as the root vitest.config.ts. Its input (the Support Hunt batch and the floor
 * fixtures) is written by run.ts to the JSON file named by BENCH_WORKERD_INPUT and handed to the
 * Worker with `provide`; the results come back in each test's `task.meta` (JSON reporter).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { jsonataText } from "../../vite-jsonata.ts";
import type { WorkerdInput } from "./input.ts";

const root = fileURLToPath(new URL("../../../", import.meta.url));
const inputFile = process.env.BENCH_WORKERD_INPUT;
if (!inputFile) {
  throw new Error(
    "BENCH_WORKERD_INPUT is not set: this config is run by `npm run bench` (scripts/bench/run.ts), which writes the input file.",
  );
}
const input = JSON.parse(readFileSync(inputFile, "utf8")) as WorkerdInput;

export default defineConfig({
  root,
  plugins: [
    jsonataText(),
    cloudflareTest({
      wrangler: { configPath: `${root}wrangler.toml` },
      miniflare: {
        // One route (supporthunt → dotted), so POST /webhooks/supporthunt stores and queues.
        bindings: { TARGET_FORMAT: "dotted", DESTINATION_URL: "http://example.invalid/" },
        // The producer sends to a queue nobody consumes: no consumer runs beside the measurement.
        queueProducers: { DELIVERY_QUEUE: { queueName: "bench-unconsumed-deliveries" } },
      },
    }),
  ],
  test: {
    include: ["scripts/bench/workerd/**/*.test.ts"],
    // The route logs two lines per request.
    silent: true,
    testTimeout: 600_000,
    provide: { benchInput: input },
  },
});
