/** migrations/0001_init.sql must stay the same statements the Worker creates at runtime. */
import { expect, it } from "vitest";
import sql from "../../migrations/0001_init.sql?raw";
import { SCHEMA } from "../../src/storage/schema.ts";

it("migrations/0001_init.sql holds exactly the runtime schema", () => {
  const statements = sql
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("--"))
    .map((line) => line.replace(/;$/, ""));
  expect(statements).toEqual([...SCHEMA]);
});
