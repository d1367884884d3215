/**
 * Translate a webhook payload offline, with no Worker running.
 *
 *   npm run translate -- --from hoory --to dotted path/to/event.json
 *   cat event.json | npm run -s translate -- --from auto --to supporthunt
 *
 * Prints the same JSON as POST /translate/:source/:target and exits 1 on invalid input.
 * Options: --trace (add canonical events and the mapping files that ran),
 *          --mapping <file> (use an edited mapping file in place of the shipped one with the same
 *          name; repeatable).
 */
import { readFile } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { toResponseBody } from "../src/errors/index.ts";
import { formatIds } from "../src/formats/index.ts";
import { translate } from "../src/translate/index.ts";
import { parseJsonText } from "../src/validate/index.ts";

const usage = `usage: npm run translate -- --from <${["auto", ...formatIds].join("|")}> --to <${formatIds.join("|")}> [--trace] [--mapping <file>]... [file.json]
Reads the payload from the file, or from standard input when no file is given.`;

async function main(): Promise<number> {
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
  const text = positionals[0] ? await readFile(positionals[0], "utf8") : await readStdin();
  const body = parseJsonText(text);
  if (!body.ok) return report(toResponseBody(body.error));

  const overrides = await readOverrides(values.mapping);
  const result = await translate(values.from, values.to, body.value.value, {
    trace: values.trace,
    overrides,
  });
  if (!result.ok) return report(toResponseBody(result.error));
  console.log(JSON.stringify(result.value, null, 2));
  return 0;
}

/** `--mapping mappings/dotted/from-canonical/message.jsonata` (or a copy elsewhere named like a shipped file). */
async function readOverrides(files: string[]): Promise<Map<string, string>> {
  const overrides = new Map<string, string>();
  for (const file of files) {
    const path = relative(process.cwd(), resolve(file)).split("\\").join("/");
    overrides.set(path, await readFile(file, "utf8"));
  }
  return overrides;
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
