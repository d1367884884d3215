/**
 * Runs the code snippets of docs/verifying.md in Node, as a consumer would, so they cannot rot.
 * Used by the destination server (destination.ts, Node) for verify-snippets.test.ts (workerd):
 *
 *   POST /snippet/<name>  {secret, body, headers}  → {ok: true, result} | {ok: false, error} | {skipped}
 *   GET  /secret/<tool>   a new secret from `npm run secret` (npm) or `openssl rand -base64 32` (openssl)
 *   GET  /snippets        the names of docs/verifying.md's snippets
 *
 * A snippet is the fenced block right after a `<!-- snippet: <name> -->` line. It is run unchanged:
 * written to node_modules/.cache (so its imports resolve to the devDependencies) and imported by a
 * fresh `node` (or `python3`) process with `WEBHOOK_SECRET` set; the driver calls the one function
 * it defines with the raw body text and the recorded headers and prints what it returned or threw.
 */
import { execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const cache = join(root, "node_modules", ".cache", "verify-snippets");
const page = join(root, "docs", "verifying.md");

export interface Snippet {
  name: string;
  language: string;
  code: string;
}

/** Every marked fenced block of a Markdown text. */
export function extractSnippets(markdown: string): Map<string, Snippet> {
  const found = new Map<string, Snippet>();
  const pattern = /<!-- snippet: ([\w-]+) -->\s*\n```(\w+)[^\n]*\n([\s\S]*?)\n```/g;
  for (const [, name = "", language = "", code = ""] of markdown.matchAll(pattern)) {
    found.set(name, { name, language, code: `${code}\n` });
  }
  return found;
}

/** The names of docs/verifying.md's snippets. */
export async function snippetNames(): Promise<string[]> {
  return [...extractSnippets(readFileSync(page, "utf8")).keys()];
}

const nodeDriver = `
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
const input = JSON.parse(readFileSync(0, "utf8"));
const module = await import(pathToFileURL(process.env.SNIPPET_FILE).href);
const functions = Object.values(module).filter((value) => typeof value === "function");
if (functions.length !== 1) throw new Error("a snippet exports exactly one function");
try {
  const result = await functions[0](input.body, input.headers);
  process.stdout.write(JSON.stringify({ ok: true, result }));
} catch (error) {
  process.stdout.write(JSON.stringify({ ok: false, error: String(error?.message ?? error) }));
}
`;

const pythonDriver = `
import importlib.util, json, os, sys, types
spec = importlib.util.spec_from_file_location("snippet", os.environ["SNIPPET_FILE"])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
functions = [v for k, v in vars(module).items() if isinstance(v, types.FunctionType) and v.__module__ == "snippet"]
data = json.load(sys.stdin)
try:
    result = functions[0](data["body"].encode(), data["headers"])
    print(json.dumps({"ok": True, "result": result}))
except Exception as error:
    print(json.dumps({"ok": False, "error": repr(error)}))
`;

function run(
  command: string,
  args: string[],
  env: Record<string, string>,
  stdin: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", (error) => done({ code: -1, stdout, stderr: String(error) }));
    child.on("close", (code) => done({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}

/** Python runs only where `python3` can import `standardwebhooks` (not in CI: PyPI is not reachable there). */
async function pythonReady(): Promise<boolean> {
  const probe = await run("python3", ["-c", "import standardwebhooks"], {}, "");
  return probe.code === 0;
}

/** Runs the docs' snippet `name` with `WEBHOOK_SECRET=secret` on one delivery. */
export async function runSnippet(
  name: string,
  input: { secret: string; body: string; headers: Record<string, string> },
): Promise<unknown> {
  const snippet = extractSnippets(readFileSync(page, "utf8")).get(name);
  if (!snippet) return { ok: false, error: `docs/verifying.md has no snippet "${name}"` };
  mkdirSync(cache, { recursive: true });
  const python = snippet.language === "python";
  const file = join(cache, `${name}.${python ? "py" : "mjs"}`);
  writeFileSync(file, snippet.code);
  if (python && !(await pythonReady())) {
    return { skipped: "python3 cannot import standardwebhooks (pip install standardwebhooks)" };
  }
  const stdin = JSON.stringify({ body: input.body, headers: input.headers });
  const env = { WEBHOOK_SECRET: input.secret, SNIPPET_FILE: file };
  const out = python
    ? await run("python3", ["-c", pythonDriver], env, stdin)
    : await run(process.execPath, ["--input-type=module", "-e", nodeDriver], env, stdin);
  try {
    return JSON.parse(out.stdout);
  } catch {
    return { ok: false, error: `exit ${out.code}: ${out.stderr.slice(0, 2000)}` };
  }
}

let fromNpm: Promise<{ secret: string; made: string }> | undefined;

/**
 * A new secret as `npm run secret` or `openssl rand -base64 32` prints it (without the newline).
 * `npm run secret` runs once per test run (npm and tsx take seconds to start) and is reused.
 */
export function makeSecret(tool: string): Promise<{ secret: string; made: string }> {
  if (tool === "npm") {
    fromNpm ??= spawnSecretTool(tool);
    return fromNpm;
  }
  return spawnSecretTool(tool);
}

function spawnSecretTool(tool: string): Promise<{ secret: string; made: string }> {
  return new Promise((done, fail) => {
    const [command, args] =
      tool === "npm"
        ? ["npm", ["run", "--silent", "secret"]]
        : ["openssl", ["rand", "-base64", "32"]];
    execFile(command, args as string[], { cwd: root }, (error, stdout) => {
      if (!error) return done({ secret: stdout.trim(), made: `${command} ${args.join(" ")}` });
      // A machine without openssl: the same output, 32 random bytes in base64.
      if (tool === "openssl")
        return done({ secret: randomBytes(32).toString("base64"), made: "node" });
      fail(error);
    });
  });
}
