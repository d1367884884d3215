/** migrations/*.sql, in order, must stay the same statements the Worker creates at runtime. */
import { expect, it } from "vitest";
import init from "../../migrations/0001_init.sql?raw";
import outbox from "../../migrations/0002_outbox.sql?raw";
import console from "../../migrations/0003_console.sql?raw";
import delivered from "../../migrations/0004_delivered_index.sql?raw";
import erasures from "../../migrations/0005_erasures.sql?raw";
import { SCHEMA } from "../../src/storage/schema.ts";

it("migrations/*.sql hold exactly the runtime schema", () => {
  const statements = [init, outbox, console, delivered, erasures]
    .join("\n")
    .split("\n")
    .filter((line) => line.trim() !== "" && !line.startsWith("--"))
    .map((line) => line.replace(/;$/, ""));
  expect(statements).toEqual([...SCHEMA]);
});
