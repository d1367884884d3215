import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { jsonataText } from "./scripts/vite-jsonata.ts";

export default defineConfig({
  test: {
    // Request and delivery log lines are shown for failing tests only.
    silent: "passed-only",
    // Work a test started in the background (an alarm, a `waitUntil`) may log after the file's last
    // test; vitest then closes the worker's channel with that log line in flight and reports an
    // EnvironmentTeardownError, which fails the run though every test passed (seen once in CI).
    // A log line lost at teardown is not a failure; every other unhandled error still is.
    onUnhandledError: (error) =>
      !(error.name === "EnvironmentTeardownError" && error.message.includes('"onUserConsoleLog"')),
    projects: [
      {
        // Everything but the browser test runs inside the Workers runtime, against local bindings.
        plugins: [
          jsonataText(),
          cloudflareTest(({ inject }) => ({
            wrangler: { configPath: "./wrangler.toml" },
            // workerd's --verbose prints its INFO-level exception log, where every fetch that fails
            // on a broken connection appears as "uncaught exception … Network connection lost" even
            // though the code awaits and handles it (the delivery tests break connections on
            // purpose). A rejection nobody handles still fails the run: vitest reports it as an
            // Unhandled Rejection. WORKERD_VERBOSE=1 brings the runtime's log back for debugging.
            verbose: process.env.WORKERD_VERBOSE === "1",
            miniflare: {
              // The local destination server started by test/delivery/destination.ts.
              bindings: { TEST_DESTINATION: `http://127.0.0.1:${inject("destPort")}` },
              // Delivery tests drive the queue consumer themselves (createMessageBatch), so the
              // producer sends to a queue nobody consumes instead of racing them.
              queueProducers: { DELIVERY_QUEUE: { queueName: "test-unconsumed-deliveries" } },
            },
          })),
        ],
        test: {
          name: "workers",
          include: ["src/**/*.test.ts", "test/**/*.test.ts"],
          exclude: ["test/browser/**", "test/cli/**"],
          // The mappings are compiled first (src/translate/generated/), then the destination starts.
          globalSetup: ["./scripts/compile/setup.ts", "./test/delivery/destination.ts"],
        },
      },
      {
        // The CLI (scripts/), run as a child process: a Node test.
        test: {
          name: "cli",
          include: ["test/cli/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
        },
      },
      {
        // The pages (playground, console) in Chromium, against `npm start`: a Node test.
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          environment: "node",
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
