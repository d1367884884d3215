import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";
import { jsonataText } from "./scripts/vite-jsonata.ts";

export default defineConfig({
  plugins: [jsonataText(), cloudflareTest({ wrangler: { configPath: "./wrangler.toml" } })],
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
  },
});
