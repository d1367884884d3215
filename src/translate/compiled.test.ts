import { describe, expect, it } from "vitest";
import { mappingFiles } from "../formats/index.ts";
import { compiledFor } from "./compiled.ts";
import { mapping } from "./mapping.ts";

describe("compiled code runs only for the text it was compiled from", () => {
  const shipped = [...mappingFiles().values()];

  it("every shipped mapping file has compiled code", () => {
    expect(shipped.length).toBeGreaterThan(20);
    for (const file of shipped) expect(compiledFor(file), file.path).toBeDefined();
  });

  it("a file whose text differs by one character (a stale build) runs interpreted", () => {
    for (const file of shipped) {
      const changed = mapping(
        file.path,
        `${file.text.slice(0, -1)}${file.text.endsWith(" ") ? "\n" : " "}`,
      );
      expect(compiledFor(changed), file.path).toBeUndefined();
    }
  });
});
