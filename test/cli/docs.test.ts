/**
 * Runs the docs: every runnable block of README.md and docs/ (test/cli/doc-blocks.ts), page by
 * page, against Workers started with `npm start` on free (non-default) ports and temporary state
 * directories, as a reader would in two terminals. A page's blocks share one shell's variables;
 * `curl` fails on an HTTP error (`--fail-with-body`), so a command that stopped working fails its
 * page, naming the page, the block's line and what it printed.
 *
 * Each page runs from top to bottom as on a fresh clone (docs/README.md), so the pages need not
 * share one Worker: the pages that only use the plain `npm start` share one, in reading order,
 * and each page that starts the Worker with other arguments gets a Worker of its own (its own
 * port and state), running beside the others (`lanesOf`, test/cli/doc-blocks.ts). A start block takes effect
 * when the page's next command runs: one that ends a page (the reader going back to the plain
 * Worker) starts nothing.
 *
 * Then `npm run reset` is checked to refuse while the plain Worker runs, and to work once it stopped.
 */
import { execFile, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startWorker, type Worker } from "../local-worker.ts";
import { type Block, docBlocks, docPages, lanesOf } from "./doc-blocks.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const run = promisify(execFile);
const BLOCK_SECONDS = 120;

/** The tools the docs' commands use; CI has them (.ci/run), a local machine may not. */
const TOOLS = ["bash", "curl", "jq", "openssl"];
async function toolsMissing(): Promise<string[]> {
  const absent: string[] = [];
  for (const tool of TOOLS) {
    await run("sh", ["-c", `command -v ${tool}`]).catch(() => absent.push(tool));
  }
  return absent;
}

/** One Worker and the pages run against it, one after the other. */
interface Lane {
  dir: string;
  state: string;
  envFile: string;
  log: string;
  port: number;
  /** wrangler's inspector port: each Worker needs its own (9229 for all would collide). */
  inspector: number;
  worker?: Worker;
  args?: string[];
  /** The page running or last run here: the next one waits for it. */
  turn: Promise<unknown>;
  /** Pages of this lane not finished yet: the Worker stops after the last (but the plain one). */
  left: number;
}

const work = mkdtempSync(join(tmpdir(), "docs-test-"));
const written = new Set<string>();
let absent: string[] = [];

const pages = docPages(root).map((page) => ({
  page,
  blocks: docBlocks(readFileSync(join(root, page), "utf8"), page),
}));
const { order, laneOf } = lanesOf(pages);
const lanes = new Map<string, Lane>();
const plain = () => lanes.get("") as Lane;

beforeAll(async () => {
  absent = await toolsMissing();
  if (absent.length > 0) {
    const text = `the docs test needs ${absent.join(", ")} (Debian: apt-get install ${absent.join(" ")})`;
    if (process.env.CI) throw new Error(text);
    process.stderr.write(`\nSKIPPED test/cli/docs.test.ts: ${text}\n\n`);
    return;
  }
  // The plain lane first: the reset test below uses it whatever the pages are.
  const active = order.filter(({ blocks }) => blocks.length > 0);
  for (const key of ["", ...active.map(({ page }) => laneOf(page))]) {
    const known = lanes.get(key);
    if (known) {
      known.left++;
      continue;
    }
    const dir = join(work, `lane-${lanes.size}`);
    mkdirSync(dir);
    const lane: Lane = {
      dir,
      state: join(dir, "state"),
      envFile: join(dir, "env.sh"),
      log: join(dir, "npm-start.log"),
      port: await freePort(),
      inspector: await freePort(),
      turn: Promise.resolve(),
      left: key === "" ? 0 : 1,
    };
    lanes.set(key, lane);
  }
});

afterAll(async () => {
  await Promise.all([...lanes.values()].map((lane) => lane.worker?.stop()));
  for (const file of written) rmSync(join(root, file), { force: true });
  rmSync(work, { recursive: true, force: true });
}, 60_000);

/** Starts the lane's Worker with `args` (as `npm start -- <args>`), unless it already runs with them. */
async function ensureWorker(lane: Lane, args: string[]) {
  if (lane.worker && JSON.stringify(args) === JSON.stringify(lane.args)) return;
  await lane.worker?.stop();
  lane.worker = undefined;
  // npm start's own defaults (the token and secret the docs show), whatever this shell has.
  const env = { ADMIN_TOKEN: "", DESTINATION_SECRET: "" };
  const { state, port, log } = lane;
  const extra = ["--inspector-port", String(lane.inspector)];
  lane.worker = await booting(() =>
    startWorker({ state, args: [...args, ...extra], port, env, log }),
  );
  lane.args = args;
}

/** At most two Workers boot at once (booting is mostly CPU: bundling, then workerd's start). */
const BOOTING = 2;
let boots: Array<Promise<unknown>> = [];
async function booting<T>(start: () => Promise<T>): Promise<T> {
  while (boots.length >= BOOTING) await Promise.race(boots);
  const boot = start();
  const settled = boot.then(
    () => undefined,
    () => undefined,
  );
  boots.push(settled);
  settled.then(() => {
    boots = boots.filter((each) => each !== settled);
  });
  return boot;
}

/** Runs one block in bash from the repository root, with the page's variables so far. */
function runBlock(
  block: Block & { kind: "run" },
  envFile: string,
): Promise<{ code: number | null; out: string }> {
  const script = [
    "set -euo pipefail",
    "set -a", // every variable a block sets is kept for the page's next blocks
    `source ${JSON.stringify(envFile)}`,
    'curl() { command curl --fail-with-body "$@"; }',
    block.code,
    `export -p > ${JSON.stringify(envFile)}`,
  ].join("\n");
  return new Promise((done) => {
    const child = spawn("bash", ["-c", script], {
      cwd: root,
      timeout: BLOCK_SECONDS * 1000,
    });
    let out = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.stderr.on("data", (chunk) => {
      out += chunk;
    });
    child.on("close", (code, signal) => done({ code: signal ? -1 : code, out }));
  });
}

function where(block: Block): string {
  return `${block.page}, the block at line ${block.line}`;
}

async function runPage(lane: Lane, blocks: Block[]) {
  // Each page starts with the variables the start banner prints, as in a new terminal.
  writeFileSync(
    lane.envFile,
    `export BASE=http://localhost:${lane.port} ADMIN_TOKEN=dev-admin-token\n`,
  );
  // Files the reader is asked to save, wherever the page shows them, come first.
  for (const block of blocks) {
    if (block.kind !== "file") continue;
    writeFileSync(join(root, block.file), block.code);
    written.add(block.file);
  }
  // The reader's first `npm start` is the plain one, unless the page starts another first.
  let args: string[] = [];
  for (const block of blocks) {
    if (block.kind === "file") continue;
    if (block.kind === "start") {
      args = block.args;
      continue;
    }
    await ensureWorker(lane, args).catch((error: Error) => {
      const tail = readFileSync(lane.log, "utf8").slice(-3000);
      throw new Error(
        `${where(block)}: npm start ${args.join(" ")} failed: ${error.message}\n${tail}`,
      );
    });
    const { code, out } = await runBlock(block, lane.envFile);
    if (code !== 0) {
      const why = code === -1 ? `did not finish within ${BLOCK_SECONDS} s` : `exit ${code}`;
      throw new Error(
        `${where(block)} failed (${why}):\n${block.code}\n--- output ---\n${out.slice(-3000)}`,
      );
    }
  }
}

describe("the docs, run as written", () => {
  // Declared with each lane's first page first, so that every lane starts at once.
  for (const { page, blocks } of order) {
    (blocks.length === 0 ? it.skip : it.concurrent)(
      `${page}: ${blocks.length} blocks`,
      async (context) => {
        if (absent.length > 0) return context.skip();
        const key = laneOf(page);
        const lane = lanes.get(key) as Lane;
        const mine = lane.turn.then(() => runPage(lane, blocks));
        lane.turn = mine.catch(() => undefined);
        try {
          await mine;
        } finally {
          lane.left--;
          if (lane.left === 0 && key !== "") {
            await lane.worker?.stop();
            lane.worker = undefined;
          }
        }
      },
      600_000,
    );
  }

  it("finds the runnable blocks of every page", () => {
    const counted = pages.flatMap(({ blocks }) => blocks);
    expect(counted.filter((block) => block.kind === "run").length).toBeGreaterThan(10);
    expect(pages.slice(0, 2).map(({ page }) => page)).toEqual(["README.md", "docs/README.md"]);
  });
});

describe("npm run reset", () => {
  it("refuses while npm start uses the state, naming it; works once it stopped", async (context) => {
    if (absent.length > 0) return context.skip();
    const lane = plain();
    await lane.turn;
    await ensureWorker(lane, lane.args ?? []);
    const reset = () =>
      run("npm", ["run", "-s", "reset", "--", "--persist-to", lane.state], { cwd: root }).then(
        ({ stdout }) => ({ code: 0, stdout, stderr: "" }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
    const refused = await reset();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`http://localhost:${lane.port}`);
    expect(refused.stderr).toContain("nothing deleted");
    expect((await fetch(`${lane.worker?.base}/health`)).ok).toBe(true);

    await lane.worker?.stop();
    lane.worker = undefined;
    const done = await reset();
    expect(done).toMatchObject({ code: 0 });
    expect(done.stdout).toContain(`Deleted ${lane.state}`);
  }, 180_000);
});
