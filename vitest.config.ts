import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { jsonataText } from "./scripts/vite-jsonata.ts";

export default defineConfig({
  test: {
    projects: [
      {
        // Everything but the browser test runs inside the Workers runtime, against local bindings.
        plugins: [jsonataText(), cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })],
        test: {
          name: "workers",
          include: ["src/**/*.test.ts", "test/**/*.test.ts"],
          exclude: ["test/browser/**"],
        },
      },
      {
        // The playground in Chromium, against `wrangler dev`: a Node test.
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
