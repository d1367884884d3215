/**
 * Every relative link of README.md and docs/ points at a file that exists and, with a `#heading`,
 * at a heading that file has (GitHub's anchors), so moving a section cannot leave a link behind.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { docPages } from "./doc-blocks.ts";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

/**
 * Pages the docs map links that other branches add (the routes and the store work); a link to
 * them is not checked until they exist.
 */
const COMING = new Set<string>([]);

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
function anchor(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, "")
    .replace(/\s/g, "-");
}

function anchors(file: string): Set<string> {
  const text = readFileSync(file, "utf8").replace(/^```[\s\S]*?^```/gm, "");
  return new Set(
    [...text.matchAll(/^#{1,6}\s+(.+)$/gm)].map((match) => anchor(match[1] as string)),
  );
}

function brokenLinks(page: string): string[] {
  const text = readFileSync(join(root, page), "utf8").replace(/^\s*```[\s\S]*?^\s*```/gm, "");
  const broken: string[] = [];
  for (const [, target = ""] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
    const [path = "", hash] = target.split("#");
    const file = path === "" ? page : normalize(join(dirname(page), path));
    if (!existsSync(join(root, file))) {
      if (!COMING.has(file)) broken.push(`${target}: ${file} does not exist`);
      continue;
    }
    if (hash && file.endsWith(".md") && !anchors(join(root, file)).has(hash)) {
      broken.push(`${target}: ${file} has no heading #${hash}`);
    }
  }
  return broken;
}

describe("links between the docs", () => {
  it("anchors as GitHub makes them", () => {
    expect(anchor("Chatwoot family: chatwoot, messagehub, hoory, onehash")).toBe(
      "chatwoot-family-chatwoot-messagehub-hoory-onehash",
    );
    expect(anchor("The `runnable` blocks")).toBe("the-runnable-blocks");
  });

  for (const page of docPages(root)) {
    it(`${page}: every relative link resolves`, () => {
      expect(brokenLinks(page)).toEqual([]);
    });
  }
});
