/**
 * The fenced blocks of the docs that the docs test runs (docs/README.md, "Runnable blocks"):
 *
 *   ```sh runnable          run in the docs' terminal, in order, with BASE and ADMIN_TOKEN set
 *   ```sh runnable start    `npm start [-- args]`: the Worker's terminal; the test (re)starts it
 *   ```js file=verify.mjs   a file the reader saves; the test writes it before the page's blocks
 *
 * @example
 * docBlocks("```sh runnable\ncurl -s \"$BASE/health\"\n```\n", "README.md")
 * // [{page: "README.md", line: 1, kind: "run", code: 'curl -s "$BASE/health"\n'}]
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

export type Block =
  | { page: string; line: number; kind: "run"; code: string }
  | { page: string; line: number; kind: "start"; args: string[]; code: string }
  | { page: string; line: number; kind: "file"; file: string; code: string };

/** Every block of a Markdown page that the docs test acts on, in the page's order. */
export function docBlocks(markdown: string, page: string): Block[] {
  const blocks: Block[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(`{3,})(.*)$/.exec(lines[i] as string);
    if (!open) continue;
    const [, indent = "", fence = "", info = ""] = open;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !(lines[j] as string).trimStart().startsWith(fence)) {
      body.push((lines[j] as string).slice(indent.length));
      j++;
    }
    const words = info.trim().split(/\s+/);
    const code = `${body.join("\n")}\n`;
    const file = words.find((word) => word.startsWith("file="))?.slice("file=".length);
    if (file) blocks.push({ page, line: i + 1, kind: "file", file, code });
    else if (words.includes("runnable") && words.includes("start")) {
      blocks.push({ page, line: i + 1, kind: "start", args: startArgs(code, page, i + 1), code });
    } else if (words.includes("runnable")) blocks.push({ page, line: i + 1, kind: "run", code });
    i = j;
  }
  return blocks;
}

/** The arguments of the one `npm start [-- args]` command a start block holds. */
function startArgs(code: string, page: string, line: number): string[] {
  const commands = code
    .split("\n")
    .map((text) => text.replace(/#.*$/, "").trim())
    .filter(Boolean);
  const words = commands[0]?.split(/\s+/) ?? [];
  if (commands.length !== 1 || words[0] !== "npm" || words[1] !== "start") {
    throw new Error(`${page}:${line}: a "runnable start" block holds one "npm start [-- args]"`);
  }
  if (words.length > 2 && words[2] !== "--") {
    throw new Error(`${page}:${line}: write "npm start -- <args>"`);
  }
  return words.slice(3);
}

/**
 * The pages in reading order: README.md, docs/README.md, the pages in the order docs/README.md
 * links them, then any other page of docs/ (alphabetically).
 */
export function docPages(root: string): string[] {
  const docs = join(root, "docs");
  const all = existsSync(docs) ? readdirSync(docs).filter((name) => name.endsWith(".md")) : [];
  const map = all.includes("README.md") ? readFileSync(join(docs, "README.md"), "utf8") : "";
  const linked = [...map.matchAll(/\]\(([\w-]+\.md)\)/g)].map((match) => match[1] as string);
  const ordered = [...new Set(["README.md", ...linked.filter((name) => all.includes(name))])];
  const rest = all.filter((name) => !ordered.includes(name)).sort();
  return ["README.md", ...[...ordered, ...rest].map((name) => `docs/${name}`)];
}

/**
 * Which Worker each page runs against: `""` (the plain `npm start`, shared by such pages in
 * reading order) unless one of its start blocks has arguments, then a Worker of its own (the
 * page's name). `order` is the pages with each lane's first page first, then the rest in reading
 * order: run concurrently in that order, every lane starts at once.
 *
 * @example
 * lanesOf([{ page: "a.md", blocks: [] }, { page: "b.md", blocks: [startWithArgs] }])
 * // { order: [a.md, b.md], laneOf: (page) => page === "b.md" ? "b.md" : "" }
 */
export function lanesOf<P extends { page: string; blocks: Block[] }>(
  pages: P[],
): { order: P[]; laneOf: (page: string) => string } {
  const own = new Set(
    pages
      .filter(({ blocks }) => blocks.some((block) => block.kind === "start" && block.args.length))
      .map(({ page }) => page),
  );
  const laneOf = (page: string) => (own.has(page) ? page : "");
  const seen = new Set<string>();
  const first = pages.filter(({ page }) => {
    const lane = laneOf(page);
    if (seen.has(lane)) return false;
    seen.add(lane);
    return true;
  });
  return { order: [...first, ...pages.filter((page) => !first.includes(page))], laneOf };
}
