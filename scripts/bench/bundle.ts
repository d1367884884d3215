/** Section 6: the size of what `wrangler deploy` would upload, and the compiled mappings' share. */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { root } from "./fixtures.ts";

export interface BundleSize {
  modules: number;
  raw: number;
  gzipped: number;
  budget: number;
  generatedRaw: number;
  generatedGzipped: number;
  error?: string;
}

const KIB = 1024;

/**
 * Runs scripts/check-bundle.sh (what `npm run build` runs: `wrangler deploy --dry-run`) and reads
 * its one-line report: "bundle (production): 2 modules, 1234.5 KiB raw, 344.1 KiB gzipped (budget 1024.0 KiB gzipped)".
 */
export function bundleSize(): BundleSize {
  const generated = readFileSync(join(root, "src/translate/generated/mappings.js"));
  const base = {
    generatedRaw: generated.length,
    generatedGzipped: gzipSync(generated, { level: 9 }).length,
  };
  try {
    const out = execFileSync("bash", ["scripts/check-bundle.sh", "production"], {
      cwd: root,
      encoding: "utf8",
    });
    const m = /(\d+) modules, ([\d.]+) KiB raw, ([\d.]+) KiB gzipped \(budget ([\d.]+) KiB/.exec(
      out,
    );
    if (!m) throw new Error(`unexpected output: ${out.trim().slice(0, 200)}`);
    return {
      ...base,
      modules: Number(m[1]),
      raw: Number(m[2]) * KIB,
      gzipped: Number(m[3]) * KIB,
      budget: Number(m[4]) * KIB,
    };
  } catch (error) {
    return {
      ...base,
      modules: 0,
      raw: 0,
      gzipped: 0,
      budget: 0,
      error: (error instanceof Error ? error.message : String(error)).slice(0, 300),
    };
  }
}
