/**
 * Periodic and console work reads only what it needs: EXPLAIN QUERY PLAN of every statement a
 * shard runs (src/store/schema.ts, and view-ops.ts for the console and /events) may not scan a whole events, deliveries or attempts table.
 */
import { runInDurableObject } from "cloudflare:test";
import { env as bindings } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { SQL, type StatementName } from "../../src/store/schema.ts";
import { VIEW_SQL } from "../../src/store/view-ops.ts";

const env = bindings as unknown as Env;
const TABLES = ["events", "deliveries", "attempts"];

/** The plan's lines (`detail` of each row). */
async function plan(statement: string): Promise<string[]> {
  const stub = env.EVENT_STORE.get(env.EVENT_STORE.idFromName("test-plans"));
  return runInDurableObject(stub, (_, state) => {
    const parameters = Math.max(0, ...[...statement.matchAll(/\?(\d+)/g)].map((m) => Number(m[1])));
    const values = Array.from({ length: parameters }, () => "[1]");
    return state.storage.sql
      .exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${statement}`, ...values)
      .toArray()
      .map((row) => row.detail);
  });
}

/** A line that reads a whole table: `SCAN <table>` (a search or a covering index is fine). */
const fullScan = (line: string) =>
  TABLES.some((table) => new RegExp(`^SCAN ${table}\\b(?! USING (COVERING )?INDEX)`).test(line));

describe("query plans of the shard's statements", () => {
  it.each(Object.keys(SQL) as StatementName[])("%s does not scan a whole table", async (name) => {
    const lines = await plan(SQL[name]);
    // An INSERT ... VALUES reads nothing and has no plan; anything with a WHERE has one.
    if (/\bWHERE\b/.test(SQL[name])) expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter(fullScan), lines.join("\n")).toEqual([]);
  });

  // What people read (src/store/view-ops.ts): `/events` pages and `/events/:id`.
  it.each(Object.keys(VIEW_SQL) as Array<keyof typeof VIEW_SQL>)(
    "view %s does not scan a whole table",
    async (name) => {
      const lines = await plan(VIEW_SQL[name]);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.filter(fullScan), lines.join("\n")).toEqual([]);
    },
  );

  it("the check catches a scan", async () => {
    const lines = await plan("SELECT * FROM deliveries WHERE last_error = ?1");
    expect(lines.some(fullScan)).toBe(true);
  });
});
