/**
 * Translate a webhook payload offline, with no Worker running.
 *
 *   npm run translate -- --from hoory --to dotted path/to/event.json
 *   cat event.json | npm run -s translate -- --from auto --to supporthunt
 *
 * Prints the same JSON as POST /translate/:source/:target and exits 1 on invalid input.
 * Options: --trace (add canonical events and the mapping files that ran; edited ones are listed
 *          under `edited` in each step),
 *          --mapping <shipped path>=<edited file> (use an edited copy kept anywhere in place of a
 *          shipped mapping file), --mapping <shipped path> (the shipped file as edited in place);
 *          repeatable. A --mapping that replaces no shipped file is an error (exit 2) that lists
 *          the shipped paths: an edit is never ignored silently.
 *
 * Relative paths are read from the directory the command was run in (npm's INIT_CWD); `~/` is the
 * home directory.
 */
import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { toResponseBody } from "../src/errors/index.ts";
import { formatIds, mappingFiles } from "../src/formats/index.ts";
import { translate } from "../src/translate/index.ts";
import { staleValidators } from "../src/translate/validators.ts";
import { parseJsonText } from "../src/validate/index.ts";

const usage = `usage: npm run translate -- --from <${["auto", ...formatIds].join("|")}> --to <${formatIds.join("|")}> [--trace] [--mapping <shipped path>[=<edited file>]]... [file.json]
Reads the payload from the file, or from standard input when no file is given.
--mapping mappings/dotted/from-canonical/message.jsonata=~/edits/message.jsonata uses an edited copy;
--mapping mappings/dotted/from-canonical/message.jsonata uses the shipped file as edited in place.`;

/** The repository (shipped mapping paths are relative to it). */
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
/** Where the user ran the command: `npm run` changes to the package root, INIT_CWD keeps it. */
const userDir = process.env.INIT_CWD ?? process.cwd();

/**
 * A file the user named: relative to where they ran the command, `~/` their home directory (a
 * shell leaves the `~` of `--mapping <shipped path>=~/file` as it is).
 */
const userFile = (path: string): string =>
  resolve(userDir, path === "~" || path.startsWith("~/") ? join(homedir(), path.slice(1)) : path);

/** A usage error: printed to stderr, exit 2. */
class UsageError extends Error {}

async function main(): Promise<number> {
  // The CLI runs the schemas from source: one edited since `npm run compile` runs on zod alone.
  for (const name of staleValidators())
    console.warn(
      `${name} changed since npm run compile: validated by zod alone (slower, same answers).`,
    );
  const { values, positionals } = parseArgs({
    options: {
      from: { type: "string" },
      to: { type: "string" },
      trace: { type: "boolean", default: false },
      mapping: { type: "string", multiple: true, default: [] },
      help: { type: "boolean", short: "h", default: false },
    },
    allowPositionals: true,
  });
  if (values.help || !values.from || !values.to || positionals.length > 1) {
    console.error(usage);
    return values.help ? 0 : 2;
  }
  let overrides: Map<string, string>;
  try {
    overrides = await readOverrides(values.mapping);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(error.message);
    return 2;
  }
  const text = positionals[0]
    ? await readFile(userFile(positionals[0]), "utf8")
    : await readStdin();
  const body = parseJsonText(text);
  if (!body.ok) return report(toResponseBody(body.error));

  const result = await translate(values.from, values.to, body.value.value, {
    trace: values.trace,
    overrides,
    suggest: (id) => `use --from ${id}`,
  });
  if (!result.ok) return report(toResponseBody(result.error));
  for (const step of result.value.trace ?? []) {
    const edited = step.mappings.filter((path) => overrides.has(path));
    if (edited.length > 0) Object.assign(step, { edited });
  }
  console.log(JSON.stringify(result.value, null, 2));
  return 0;
}

/**
 * `--mapping <shipped path>=<edited file>` or `--mapping <shipped path>` (edited in place), by
 * shipped path. A shipped path may be written relative to the repository or to where the command
 * runs. Anything that names no shipped file is a UsageError listing the shipped paths.
 */
async function readOverrides(options: string[]): Promise<Map<string, string>> {
  const shipped = [...mappingFiles().keys()].sort();
  const overrides = new Map<string, string>();
  for (const option of options) {
    const split = option.indexOf("=");
    const target = split === -1 ? option : option.slice(0, split);
    const source = split === -1 ? undefined : option.slice(split + 1);
    const path = shippedPath(target, shipped);
    if (!path) {
      throw new UsageError(
        `--mapping ${option}: "${target}" is not a shipped mapping file, so it would replace nothing. Name the shipped file it replaces: --mapping <shipped path>=<your file> (a copy anywhere) or --mapping <shipped path> (edited in place). Shipped mapping files:\n  ${shipped.join("\n  ")}`,
      );
    }
    const file = source === undefined ? resolve(root, path) : userFile(source);
    try {
      overrides.set(path, await readFile(file, "utf8"));
    } catch (error) {
      throw new UsageError(`--mapping ${option}: cannot read ${file}: ${(error as Error).message}`);
    }
    console.error(`using ${file} for ${path}`);
  }
  return overrides;
}

/** The shipped path `name` refers to (as written, or resolved from where the command runs). */
function shippedPath(name: string, shipped: readonly string[]): string | undefined {
  const candidates = [name, relative(root, resolve(userDir, name))].map((p) =>
    p.split(sep).join("/").replace(/^\.\//, ""),
  );
  return candidates.find((candidate) => shipped.includes(candidate));
}

function report(error: Record<string, unknown>): number {
  console.log(JSON.stringify(error, null, 2));
  return 1;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

process.exitCode = await main();
