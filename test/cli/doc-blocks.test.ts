/** How the docs test reads a page: which blocks it runs, starts or writes (test/cli/doc-blocks.ts). */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { docBlocks, docPages, lanesOf } from "./doc-blocks.ts";

const fence = "```";

describe("docBlocks", () => {
  it("keeps runnable, start and file blocks in page order, and only those", () => {
    const page = [
      "# Page",
      `${fence}sh`,
      "npm install",
      fence,
      `${fence}sh runnable start`,
      "npm start -- --sink-status 410   # in its own terminal",
      fence,
      `${fence}json`,
      '{"shown": true}',
      fence,
      "- a list item:",
      "",
      `  ${fence}sh runnable`,
      '  curl -s "$BASE/health"',
      "    | jq .",
      `  ${fence}`,
      `${fence}js file=verify.mjs`,
      "export const x = 1;",
      fence,
    ].join("\n");
    expect(docBlocks(page, "p.md")).toEqual([
      {
        page: "p.md",
        line: 5,
        kind: "start",
        args: ["--sink-status", "410"],
        code: "npm start -- --sink-status 410   # in its own terminal\n",
      },
      { page: "p.md", line: 13, kind: "run", code: 'curl -s "$BASE/health"\n  | jq .\n' },
      { page: "p.md", line: 17, kind: "file", file: "verify.mjs", code: "export const x = 1;\n" },
    ]);
  });

  it("reads a plain npm start as no arguments", () => {
    const [block] = docBlocks(`${fence}sh runnable start\nnpm start\n${fence}\n`, "p.md");
    expect(block).toMatchObject({ kind: "start", args: [] });
  });

  it("refuses a start block that is not one npm start, naming the page and line", () => {
    expect(() =>
      docBlocks(`\n${fence}sh runnable start\nnpm start\ncurl x\n${fence}\n`, "p.md"),
    ).toThrow('p.md:2: a "runnable start" block holds one "npm start [-- args]"');
    expect(() =>
      docBlocks(`${fence}sh runnable start\nnpm start --port 1\n${fence}\n`, "p.md"),
    ).toThrow('p.md:1: write "npm start -- <args>"');
  });
});

describe("docPages", () => {
  it("README.md, the map, the pages in the map's order, then the others", () => {
    const root = mkdtempSync(join(tmpdir(), "doc-pages-"));
    mkdirSync(join(root, "docs"));
    for (const name of ["a.md", "b.md", "c.md", "z.md"])
      writeFileSync(join(root, "docs", name), "");
    writeFileSync(
      join(root, "docs", "README.md"),
      "[c](c.md) [a](a.md) [security](../SECURITY.md) [c again](c.md)",
    );
    expect(docPages(root)).toEqual([
      "README.md",
      "docs/README.md",
      "docs/c.md",
      "docs/a.md",
      "docs/b.md",
      "docs/z.md",
    ]);
  });
});

describe("lanesOf", () => {
  it("gives a page that starts the Worker with arguments a Worker of its own, and puts each lane's first page first", () => {
    const page = (name: string, starts: string[][]) => ({
      page: name,
      blocks: docBlocks(
        starts
          .map(
            (args) =>
              `${fence}sh runnable start\nnpm start${args.length ? ` -- ${args.join(" ")}` : ""}\n${fence}\n${fence}sh runnable\ntrue\n${fence}\n`,
          )
          .join(""),
        name,
      ),
    });
    const pages = [
      page("README.md", [[]]),
      page("a.md", []),
      page("b.md", [["--sink-status", "410"], []]),
      page("c.md", [[]]),
      page("d.md", [["--alerts-to-sink"]]),
    ];
    const { order, laneOf } = lanesOf(pages);
    expect(pages.map(({ page }) => laneOf(page))).toEqual(["", "", "b.md", "", "d.md"]);
    expect(order.map(({ page }) => page)).toEqual(["README.md", "b.md", "d.md", "a.md", "c.md"]);
  });
});
