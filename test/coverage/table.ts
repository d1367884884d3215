/**
 * The coverage tables of mappings/README.md read as data: one section per source
 * (`## Coverage: <source>`), one table per list of values (`### <list>`), one row per value
 * (`` | `value` | `fixture`, … | canonical | Chatwoot family | Support Hunt | dotted | ``).
 * The guard test (coverage.test.ts) and the per-row semantic test (test/semantic/coverage.test.ts)
 * both read them from here.
 */
import readme from "../../mappings/README.md?raw";
import senderValues from "./sender-values.json";

export interface Row {
  /** The sender's value, as the first cell names it in backticks. */
  value: string;
  /** `<format>/<case>` folders under test/fixtures named in the second cell. */
  fixtures: string[];
  /** Every cell after the fixture cell (canonical, then one per target), as written. */
  cells: string[];
}

export interface Table {
  source: string;
  list: string;
  /** The "From …" line under the heading. */
  from: string | undefined;
  rows: Row[];
}

const cellsOf = (line: string): string[] =>
  line
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());

const ticked = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1] ?? "");

/**
 * Every `### <list>` table of every `## Coverage: <source>` section.
 *
 * @example
 * coverageTables().find((t) => t.source === "chatwoot" && t.list === "Message.content_type")?.rows[0]?.value // "text"
 */
export function coverageTables(text: string = readme): Table[] {
  const tables: Table[] = [];
  let source: string | undefined;
  let table: Table | undefined;
  for (const line of text.split("\n")) {
    const section = /^## Coverage: (.+)$/.exec(line);
    if (section) {
      source = section[1]?.trim();
      table = undefined;
      continue;
    }
    if (/^## /.test(line)) {
      source = undefined;
      table = undefined;
      continue;
    }
    if (!source) continue;
    const heading = /^### (.+)$/.exec(line);
    if (heading) {
      table = { source, list: heading[1]?.trim() ?? "", from: undefined, rows: [] };
      tables.push(table);
      continue;
    }
    if (!table) continue;
    if (table.from === undefined && /^From /.test(line)) table.from = line.slice(5).trim();
    const cells = cellsOf(line);
    const first = /^`([^`]+)`$/.exec(cells[0] ?? "");
    if (!line.startsWith("|") || !first) continue;
    table.rows.push({
      value: first[1] ?? "",
      fixtures: ticked(cells[1] ?? ""),
      cells: cells.slice(2),
    });
  }
  return tables;
}

export interface ValueList {
  from: string;
  values: string[];
}

/** test/coverage/sender-values.json: source → list → {from, values}. */
export const sender: Record<string, Record<string, ValueList>> = Object.fromEntries(
  Object.entries(senderValues as Record<string, unknown>).filter(([k]) => !k.startsWith("$")),
) as Record<string, Record<string, ValueList>>;
