/**
 * The workerd measurements of `npm run bench`: runs scripts/bench/workerd/ (a vitest project in
 * the Workers runtime, see its vitest.config.ts) in a child process and reads the samples back
 * from the JSON reporter's output (`task.meta.workerd` of each test).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { supporthuntBatch } from "./batch.ts";
import { type Fixture, root } from "./fixtures.ts";
import { floors } from "./floor.ts";
import { type Summary, summarise } from "./stats.ts";
import type { WorkerdInput, WorkerdMeta } from "./workerd/input.ts";

export interface WorkerdResult {
  /** Why a part is missing (the run failed, or one test did). */
  errors: string[];
  ms?: number;
  request?: {
    events: number;
    bytes: number;
    distinctKeys: number;
    perSample: number;
    partRuns: Record<"parse" | "validate" | "keys" | "serialise", number>;
    samples: number;
    /** ms per batch, each part timed on its own. */
    total: Summary;
    parse: Summary;
    validate: Summary;
    keys: Summary;
    serialise: Summary;
  };
  route?: { wall: Summary; statuses: Record<string, number>; accepted: number; events: number };
  /** The consumer's route gate, µs per delivery (issue 13). */
  gate?: { plain: Summary; limited: Summary };
  floors?: Array<{
    source: string;
    target: string;
    fixture: string;
    enginePer: number;
    floorPer: number;
    engine: Summary;
    floor?: Summary;
  }>;
}

interface JsonReport {
  testResults?: Array<{
    message?: string;
    assertionResults?: Array<{
      title: string;
      status: string;
      failureMessages?: string[];
      meta?: { workerd?: WorkerdMeta };
    }>;
  }>;
}

export function workerdBench(fixtures: Fixture[], quick: boolean): WorkerdResult {
  const dir = mkdtempSync(join(tmpdir(), "bench-workerd-"));
  const result: WorkerdResult = { errors: [] };
  try {
    const input: WorkerdInput = {
      quick,
      batch: supporthuntBatch(fixtures).text,
      floors: floors.flatMap((f) => {
        const fixture = fixtures.find((x) => `${x.folder}/${x.name}` === f.fixture);
        return fixture
          ? [{ source: f.source, target: f.target, fixture: f.fixture, body: fixture.body }]
          : [];
      }),
    };
    const inputFile = join(dir, "input.json");
    const outputFile = join(dir, "report.json");
    writeFileSync(inputFile, JSON.stringify(input));
    const started = Date.now();
    const child = spawnSync(
      "npx",
      [
        "vitest",
        "run",
        "--config",
        "scripts/bench/workerd/vitest.config.ts",
        "--reporter=json",
        `--outputFile=${outputFile}`,
      ],
      {
        cwd: root,
        env: { ...process.env, BENCH_WORKERD_INPUT: inputFile },
        encoding: "utf8",
        timeout: 15 * 60_000,
        maxBuffer: 64 * 2 ** 20,
      },
    );
    result.ms = Date.now() - started;
    let report: JsonReport;
    try {
      report = JSON.parse(readFileSync(outputFile, "utf8")) as JsonReport;
    } catch {
      const why = child.error ? String(child.error) : `exit ${child.status}`;
      result.errors.push(
        `vitest gave no report (${why}): ${`${child.stderr}\n${child.stdout}`.trim().slice(-1500)}`,
      );
      return result;
    }
    for (const file of report.testResults ?? []) {
      if (file.message) result.errors.push(file.message.slice(0, 1500));
      for (const test of file.assertionResults ?? []) {
        if (test.status !== "passed") {
          result.errors.push(
            `${test.title}: ${(test.failureMessages ?? []).join("\n").slice(0, 1500) || test.status}`,
          );
        }
        const meta = test.meta?.workerd;
        if (!meta) continue;
        if (meta.kind === "request") {
          result.request = {
            events: meta.events,
            bytes: meta.bytes,
            distinctKeys: meta.distinctKeys,
            perSample: meta.perSample,
            partRuns: meta.partRuns,
            samples: meta.total.length,
            total: summarise(meta.total),
            parse: summarise(meta.parse),
            validate: summarise(meta.validate),
            keys: summarise(meta.keys),
            serialise: summarise(meta.serialise),
          };
        } else if (meta.kind === "route") {
          result.route = {
            wall: summarise(meta.wall),
            statuses: meta.statuses,
            accepted: meta.accepted,
            events: meta.events,
          };
        } else if (meta.kind === "gate") {
          result.gate = { plain: summarise(meta.plain), limited: summarise(meta.limited) };
        } else {
          result.floors = meta.pairs.map((p) => ({
            source: p.source,
            target: p.target,
            fixture: p.fixture,
            enginePer: p.enginePer,
            floorPer: p.floorPer,
            engine: summarise(p.engine),
            ...(p.floor.length > 0 ? { floor: summarise(p.floor) } : {}),
          }));
        }
      }
    }
    if (!result.request && !result.route && !result.floors && result.errors.length === 0) {
      result.errors.push(
        `no results in the report (exit ${child.status}): ${child.stderr.slice(-1500)}`,
      );
    }
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
