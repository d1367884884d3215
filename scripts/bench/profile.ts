/** The CPU profile behind section 1: `node --cpu-prof` over every representative pair, summarised. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { root } from "./fixtures.ts";

/** The mapping file whose compiled code is on a line of the generated module (0-based line). */
function generatedFile(line: number): string | undefined {
  generatedLines ??= readFileSync(join(root, "src/translate/generated/mappings.js"), "utf8").split(
    "\n",
  );
  for (let i = Math.min(line, generatedLines.length - 1); i >= 0; i--) {
    const entry = /^ {2}"(mappings\/[^"]+)": \{/.exec(generatedLines[i] ?? "");
    if (entry) return entry[1];
  }
  return undefined;
}
let generatedLines: string[] | undefined;

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileSummary {
  translations: number;
  totalMs: number;
  top: Array<{ name: string; where: string; selfMs: number; share: number }>;
  byArea: Array<{ area: string; selfMs: number; share: number }>;
}

function area(url: string, name: string): string {
  if (name === "(garbage collector)") return "garbage collection";
  if (name === "(idle)" || name === "(program)") return "V8 / idle";
  if (url.includes("node_modules/jsonata")) return "jsonata";
  if (url.includes("node_modules/zod")) return "zod";
  if (url.includes("node_modules/uuid")) return "uuid";
  if (url.includes("/src/translate/")) return "engine (src/translate)";
  if (url.includes("/src/formats/")) return "formats (src/formats)";
  if (url.includes("/scripts/bench/")) return "bench harness";
  if (url.startsWith("node:") || url === "") return "Node built-ins / native";
  return "other";
}

export function profile(seconds = 4): ProfileSummary {
  const dir = mkdtempSync(join(tmpdir(), "bench-prof-"));
  try {
    const out = execFileSync(
      process.execPath,
      [
        "--cpu-prof",
        "--cpu-prof-dir",
        dir,
        "--import",
        "tsx",
        "--import",
        "./scripts/jsonata-loader.js",
        "scripts/bench/profile-child.ts",
        String(seconds),
      ],
      { cwd: root, encoding: "utf8" },
    );
    const { translations } = JSON.parse(out.trim().split("\n").pop() ?? "{}") as {
      translations: number;
    };
    const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
    if (!file) throw new Error("no profile written");
    const prof = JSON.parse(readFileSync(join(dir, file), "utf8")) as Profile;
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    const self = new Map<string, { name: string; where: string; area: string; us: number }>();
    let total = 0;
    prof.samples.forEach((id, i) => {
      const node = byId.get(id);
      const dt = prof.timeDeltas[i] ?? 0;
      if (!node) return;
      const { functionName, url, lineNumber } = node.callFrame;
      const name = functionName || "(anonymous)";
      const short = url.replace(/^file:\/\//, "").replace(`${root}`, "");
      const mapping = short.endsWith("generated/mappings.js")
        ? generatedFile(lineNumber)
        : undefined;
      const where = mapping
        ? `${mapping} (compiled)`
        : short
          ? `${short.replace(/^.*node_modules\//, "")}:${lineNumber + 1}`
          : "";
      const key = `${name}@${where}`;
      const entry = self.get(key) ?? { name, where, area: area(url, name), us: 0 };
      entry.us += dt;
      self.set(key, entry);
      total += dt;
    });
    const entries = [...self.values()].filter((e) => e.area !== "V8 / idle" || e.name !== "(idle)");
    const busy = entries.reduce((s, e) => s + e.us, 0);
    const top = entries
      .sort((a, b) => b.us - a.us)
      .slice(0, 20)
      .map((e) => ({ name: e.name, where: e.where, selfMs: e.us / 1000, share: e.us / busy }));
    const areas = new Map<string, number>();
    for (const e of entries) areas.set(e.area, (areas.get(e.area) ?? 0) + e.us);
    const byArea = [...areas.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ area: name, selfMs: us / 1000, share: us / busy }));
    return { translations, totalMs: total / 1000, top, byArea };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
