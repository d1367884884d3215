/**
 * The guard of the coverage tables (mappings/README.md, "## Coverage" onwards): it fails when a
 * value a sender can produce (test/coverage/sender-values.json) has no row, when a row names no
 * fixture or a fixture folder that does not exist, when a named fixture does not carry the row's
 * value, and when a fixture carries a value that is not listed. The lists that the formats'
 * schemas also enumerate are checked against them, so neither can fall behind the other. Every
 * problem is reported (soft assertions), not only the first.
 */
import { describe, expect, it } from "vitest";
import { allTopics } from "../../src/formats/dotted/schema.ts";
import { allUpdateKinds } from "../../src/formats/telegram/schema.ts";
import { coverageTables, sender } from "./table.ts";
import { extractors, sourceOf, valuesIn } from "./values.ts";

const sources = import.meta.glob<unknown>("../fixtures/*/*/source.json", {
  eager: true,
  import: "default",
});
/** `<format>/<case>` → the fixture's source payload. */
const fixtures = new Map(
  Object.entries(sources).map(([path, body]) => [path.split("/").slice(2, 4).join("/"), body]),
);
/**
 * Fixtures copied from a document's sample rather than built from the sender's code: the Chatwoot
 * API document's message sample has `content_type: "enum"`, a placeholder of the document that no
 * Chatwoot version sends. They still translate (golden tests); their values are not the sender's.
 */
const documentSamples = new Set(["onehash/message-created-legacy-sample"]);
const tables = coverageTables();
const listed = Object.entries(sender).flatMap(([source, lists]) =>
  Object.entries(lists).map(([list, { from, values }]) => ({ source, list, from, values })),
);

describe("the coverage tables", () => {
  it("have one section per source of sender-values.json and one table per list, citing where the values come from", () => {
    const sections = [...new Set(tables.map((t) => t.source))].sort();
    expect(sections).toEqual(Object.keys(sender).sort());
    for (const { source, list, from } of listed) {
      const table = tables.filter((t) => t.source === source && t.list === list);
      expect.soft(table, `## Coverage: ${source} / ### ${list}`).toHaveLength(1);
      expect.soft(from, `${source} / ${list}: sender-values.json cites a file`).toMatch(/\S/);
      expect.soft(table[0]?.from, `${source} / ${list}: a "From …" line`).toMatch(/\S/);
    }
    for (const t of tables) {
      expect
        .soft(sender[t.source]?.[t.list], `${t.source} / ${t.list} is in sender-values.json`)
        .toBeDefined();
    }
  });

  it("have exactly one row per value, and no row for a value the sender cannot produce", () => {
    for (const { source, list, values } of listed) {
      const rows = tables.find((t) => t.source === source && t.list === list)?.rows ?? [];
      for (const value of values) {
        expect
          .soft(
            rows.filter((r) => r.value === value).length,
            `${source} / ${list}: a row for \`${value}\``,
          )
          .toBe(1);
      }
      for (const row of rows) {
        expect
          .soft(values, `${source} / ${list}: \`${row.value}\` is a listed value`)
          .toContain(row.value);
      }
    }
  });

  it("name for every row at least one fixture folder that exists and carries the value", () => {
    for (const t of tables) {
      for (const row of t.rows) {
        const label = `${t.source} / ${t.list} / \`${row.value}\``;
        expect.soft(row.fixtures.length, `${label}: names a fixture`).toBeGreaterThan(0);
        for (const name of row.fixtures) {
          expect
            .soft(fixtures.has(name), `${label}: test/fixtures/${name}/source.json exists`)
            .toBe(true);
          const [format = ""] = name.split("/");
          expect
            .soft(sourceOf(format), `${label}: ${name} is a ${t.source} fixture`)
            .toBe(t.source);
          // A value the sender stores but never posts cannot be read off the wire.
          if (row.cells[0]?.startsWith("not on the wire")) continue;
          expect
            .soft(valuesIn(t.source, t.list, fixtures.get(name)), `${label}: ${name} carries it`)
            .toContain(row.value);
        }
      }
    }
  });
});

describe("the value lists", () => {
  it("list every value the fixtures carry", () => {
    let read = 0;
    for (const [name, body] of fixtures) {
      if (documentSamples.has(name)) continue;
      const source = sourceOf(name.split("/")[0] ?? "");
      for (const list of Object.keys(extractors[source] ?? {})) {
        const values = sender[source]?.[list]?.values ?? [];
        for (const value of valuesIn(source, list, body)) {
          read++;
          expect.soft(values, `${name}: ${source} / ${list}`).toContain(value);
        }
      }
    }
    expect(read).toBeGreaterThan(1000);
  });

  it("are read by an extractor each", () => {
    for (const { source, list } of listed) {
      expect.soft(extractors[source]?.[list], `${source} / ${list}`).toBeTypeOf("function");
    }
  });

  it("hold every update kind and every topic the formats' schemas know", () => {
    expect
      .soft(sender.telegram?.["Update kind"]?.values.slice().sort())
      .toEqual([...allUpdateKinds].sort());
    const topics = new Set(
      allTopics.map((t) => t.replace(/^message\.create\..*$/, "message.create")),
    );
    expect.soft(sender.dotted?.event?.values.slice().sort()).toEqual([...topics].sort());
  });
});
