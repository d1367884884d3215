/**
 * Runs the docs: every runnable block of README.md and docs/ (test/cli/doc-blocks.ts), page by
 * page in reading order, against one Worker started with `npm start` on a free (non-default)
 * port and a temporary state directory, as a reader would in two terminals. A page's blocks share
 * one shell's variables; `curl` fails on an HTTP error (`--fail-with-body`), so a command that
 * stopped working fails its page, naming the page, the block's line and what it printed.
 * Then `npm run reset` is checked to refuse while that Worker runs, and to work once it stopped.
 */
import { execFile, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startWorker, type Worker } from "../local-worker.ts";
import { type Block, docBlocks, docPages } from "./doc-blocks.ts";

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

const work = mkdtempSync(join(tmpdir(), "docs-test-"));
const state = join(work, "state");
const envFile = join(work, "env.sh");
const log = join(work, "npm-start.log");
let port = 0;
let worker: Worker | undefined;
let workerArgs: string[] | undefined;
const written = new Set<string>();
let absent: string[] = [];

beforeAll(async () => {
  absent = await toolsMissing();
  if (absent.length > 0) {
    const text = `the docs test needs ${absent.join(", ")} (Debian: apt-get install ${absent.join(" ")})`;
    if (process.env.CI) throw new Error(text);
    process.stderr.write(`\nSKIPPED test/cli/docs.test.ts: ${text}\n\n`);
    return;
  }
  port = await freePort();
  writeFileSync(
    envFile,
    `export BASE=http://localhost:${port} ADMIN_TOKEN=dev-admin-token\n`, // as the banner prints
  );
});

afterAll(async () => {
  await worker?.stop();
  for (const file of written) rmSync(join(root, file), { force: true });
  rmSync(work, { recursive: true, force: true });
}, 60_000);

/** Starts the Worker with `args` (as `npm start -- <args>`), unless it already runs with them. */
async function ensureWorker(args: string[]) {
  if (worker && JSON.stringify(args) === JSON.stringify(workerArgs)) return;
  await worker?.stop();
  worker = undefined;
  // npm start's own defaults (the token and secret the docs show), whatever this shell has.
  const env = { ADMIN_TOKEN: "", DESTINATION_SECRET: "" };
  worker = await startWorker({ state, args, port, env, log });
  workerArgs = args;
}

/** Runs one block in bash from the repository root, with the page's variables so far. */
function runBlock(block: Block & { kind: "run" }): Promise<{ code: number | null; out: string }> {
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

const pages = docPages(root);

describe("the docs, run as written", () => {
  for (const page of pages) {
    const blocks = docBlocks(readFileSync(join(root, page), "utf8"), page);
    it.skipIf(blocks.length === 0)(
      `${page}: ${blocks.length} blocks`,
      async (context) => {
        if (absent.length > 0) return context.skip();
        // Each page starts with the variables the start banner prints, as in a new terminal.
        writeFileSync(
          envFile,
          `export BASE=http://localhost:${port} ADMIN_TOKEN=dev-admin-token\n`,
        );
        // Files the reader is asked to save, wherever the page shows them, come first.
        for (const block of blocks) {
          if (block.kind !== "file") continue;
          writeFileSync(join(root, block.file), block.code);
          written.add(block.file);
        }
        for (const block of blocks) {
          if (block.kind === "file") continue;
          if (block.kind === "start") {
            await ensureWorker(block.args).catch((error: Error) => {
              const tail = readFileSync(log, "utf8").slice(-3000);
              throw new Error(`${where(block)}: npm start failed: ${error.message}\n${tail}`);
            });
          } else {
            const { code, out } = await runBlock(block);
            if (code !== 0) {
              const why = code === -1 ? `did not finish within ${BLOCK_SECONDS} s` : `exit ${code}`;
              throw new Error(
                `${where(block)} failed (${why}):\n${block.code}\n--- output ---\n${out.slice(-3000)}`,
              );
            }
          }
        }
      },
      600_000,
    );
  }

  it("finds the runnable blocks of every page", () => {
    const counted = pages.map((page) => docBlocks(readFileSync(join(root, page), "utf8"), page));
    expect(counted.flat().filter((block) => block.kind === "run").length).toBeGreaterThan(10);
    expect(pages.slice(0, 2)).toEqual(["README.md", "docs/README.md"]);
  });
});

describe("npm run reset", () => {
  it("refuses while npm start uses the state, naming it; works once it stopped", async (context) => {
    if (absent.length > 0) return context.skip();
    await ensureWorker(workerArgs ?? []);
    const reset = () =>
      run("npm", ["run", "-s", "reset", "--", "--persist-to", state], { cwd: root }).then(
        ({ stdout }) => ({ code: 0, stdout, stderr: "" }),
        (error: { code: number; stdout: string; stderr: string }) => error,
      );
    const refused = await reset();
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`http://localhost:${port}`);
    expect(refused.stderr).toContain("nothing deleted");
    expect((await fetch(`${worker?.base}/health`)).ok).toBe(true);

    await worker?.stop();
    worker = undefined;
    const done = await reset();
    expect(done).toMatchObject({ code: 0 });
    expect(done.stdout).toContain(`Deleted ${state}`);
  }, 180_000);
});
