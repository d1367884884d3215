/** Section 4: cold start in fresh Node processes (module load → first translated event). */
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { type Fixture, root } from "./fixtures.ts";

export interface ColdRun {
  mode: string;
  /** Importing the generated module of compiled mappings (grows with the number of files). */
  generatedLoad: number;
  /** Importing the engine and every format after it. */
  load: number;
  /** Mapping files in the generated module. */
  files: number;
  /** Mapping files the first event ran. */
  touched: number;
  first: number;
  second: number;
  warm: number;
  toFirstResponse: number;
  /** Spawn to exit, measured by the parent (includes Node and tsx start-up). */
  process: number;
}

/** The first event's three parts, each on its first call in a fresh process (ms). */
export interface ColdParts {
  validation: number;
  decoding: number;
  encoding: number;
}

export interface ColdResult {
  pair: string;
  fixture: string;
  compiled: ColdRun[];
  interpreted: ColdRun[];
  parts: ColdParts[];
}

/** One fresh process of cold-child.ts in `mode`: what it printed, with its spawn-to-exit time. */
function child<T>(mode: string, source: string, target: string, fixture: string): T {
  const start = process.hrtime.bigint();
  const out = execFileSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "--import",
      "./scripts/jsonata-loader.js",
      "scripts/bench/cold-child.ts",
      mode,
      source,
      target,
      fixture,
    ],
    { cwd: root, encoding: "utf8" },
  );
  const spawned = Number(process.hrtime.bigint() - start) / 1e6;
  const line = out.trim().split("\n").pop() ?? "{}";
  return { ...JSON.parse(line), process: spawned } as T;
}

export function coldStart(fixtures: Fixture[], runs = 5): ColdResult {
  const pick =
    fixtures.find((f) => f.folder === "supporthunt" && f.name === "message-text") ??
    fixtures.find((f) => f.folder === "supporthunt");
  if (!pick) throw new Error("no Support Hunt fixture");
  const file = join(root, "test/fixtures", pick.folder, pick.name, "source.json");
  const source = "supporthunt";
  const target = "dotted";
  // One throwaway run so tsx's transform cache is warm for every measured run.
  child<ColdRun>("compiled", source, target, file);
  const compiled: ColdRun[] = [];
  const interpreted: ColdRun[] = [];
  const parts: ColdParts[] = [];
  for (let i = 0; i < runs; i++) {
    compiled.push(child<ColdRun>("compiled", source, target, file));
    interpreted.push(child<ColdRun>("interpreted", source, target, file));
    parts.push(child<ColdParts>("parts", source, target, file));
  }
  return {
    pair: `${source} → ${target}`,
    fixture: `${pick.folder}/${pick.name}`,
    compiled,
    interpreted,
    parts,
  };
}
