/**
 * `npm run mappings:check`: compiles every mapping file and checks that every format has what the
 * registry needs. Prints one `file:line:column: message` line per problem and exits 1 on any.
 * Also lists the files the JavaScript compiler (scripts/compile/) left to the interpreter: they
 * work, only slower, so they are reported without failing.
 */
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { formats } from "../src/formats/index.ts";
import { interpreted } from "../src/translate/generated/mappings.js";
import { compile } from "../src/translate/mapping.ts";

const root = join(import.meta.dirname, "..");

async function mappingFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && entry.name.endsWith(".jsonata"))
    .map((entry) => relative(root, join(entry.parentPath, entry.name)).split("\\").join("/"))
    .sort();
}

async function main(): Promise<number> {
  const problems: string[] = [];
  const onDisk = await mappingFiles(join(root, "mappings"));

  for (const path of onDisk) {
    const text = await readFile(join(root, path), "utf8");
    const compiled = compile({ path, text, edited: true });
    if (!compiled.ok)
      problems.push(compiled.error.message.replace(/^mapping does not compile: /, ""));
  }

  const used = new Set<string>();
  for (const format of formats) {
    const where = `src/formats/${format.family ?? format.id}/index.ts`;
    if (Object.keys(format.toCanonical).length === 0)
      problems.push(`${where}: format "${format.id}" has no to-canonical mappings`);
    if (Object.keys(format.fromCanonical).length === 0)
      problems.push(`${where}: format "${format.id}" has no from-canonical mappings`);
    for (const file of [
      ...Object.values(format.toCanonical),
      ...Object.values(format.fromCanonical),
      ...Object.values(format.libraries ?? {}),
    ]) {
      if (!file) continue;
      used.add(file.path);
      if (!onDisk.includes(file.path))
        problems.push(`${where}: format "${format.id}" names ${file.path}, which does not exist`);
    }
    if (format.emits.length === 0)
      problems.push(`${where}: format "${format.id}" lists no events it emits`);
  }
  for (const path of onDisk) {
    if (!used.has(path))
      problems.push(
        `${path}:1:1: not used by any format: list it in its format's src/formats/<id>/index.ts, or delete it`,
      );
  }

  for (const problem of problems) console.error(problem);
  for (const line of Object.values(interpreted)) console.warn(line);
  console.log(
    problems.length === 0
      ? `${onDisk.length} mapping files compile (${onDisk.length - Object.keys(interpreted).length} to JavaScript, ${Object.keys(interpreted).length} run interpreted); ${formats.length} formats complete.`
      : `${problems.length} problem(s).`,
  );
  return problems.length === 0 ? 0 : 1;
}

process.exitCode = await main();
