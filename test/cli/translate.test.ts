/**
 * The CLI (`npm run translate`), run as a user runs it: a Node child process, checked by its
 * output and exit code. Runs in Node (not the Workers pool): see vitest.config.ts.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const SAMPLE = "test/fixtures/chatwoot/message-created-incoming/source.json";
const SHIPPED = "mappings/dotted/from-canonical/message.jsonata";
/** The sample is a Hoory (Chatwoot family) webhook; most tests translate it into dotted. */
const HOORY_TO_DOTTED = ["--from", "hoory", "--to", "dotted"];

/** Runs the CLI with `args` from the repository root (cwd) or another directory (INIT_CWD). */
async function translate(args: string[], initCwd?: string, env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        "--import",
        "./scripts/jsonata-loader.js",
        "scripts/translate.ts",
        ...args,
      ],
      { env: { ...process.env, ...(initCwd ? { INIT_CWD: initCwd } : {}), ...env } },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

/** An edited copy of the shipped dotted message mapping, kept outside the repository. */
function editedCopy(): { dir: string; file: string } {
  const dir = mkdtempSync(join(tmpdir(), "cli-mapping-"));
  const file = join(dir, "my-message.jsonata");
  const shipped = readFileSync(SHIPPED, "utf8");
  // Wrap the whole result ({event, body}): the delivery body gains a marker field.
  writeFileSync(
    file,
    `($r := (${shipped}); $merge([$r, {"body": $merge([$r.body, {"editedCopy": true}])}]))`,
  );
  return { dir, file };
}

describe("npm run translate -- --mapping", () => {
  it("<shipped path>=<edited file> uses a copy kept anywhere, and the trace marks it", async () => {
    const { file } = editedCopy();
    const got = await translate([
      ...HOORY_TO_DOTTED,
      "--trace",
      "--mapping",
      `${SHIPPED}=${file}`,
      SAMPLE,
    ]);
    expect(got.code, got.stderr).toBe(0);
    const out = JSON.parse(got.stdout);
    expect(out.deliveries[0].body.editedCopy).toBe(true);
    expect(out.trace[0].edited).toEqual([SHIPPED]);
    expect(got.stderr).toContain(`using ${file} for ${SHIPPED}`);
  }, 60_000);

  it("the edited file is read relative to where the command was run", async () => {
    const { dir } = editedCopy();
    const got = await translate(
      [
        ...HOORY_TO_DOTTED,
        "--mapping",
        `${SHIPPED}=my-message.jsonata`,
        join(process.cwd(), SAMPLE),
      ],
      dir,
    );
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout).deliveries[0].body.editedCopy).toBe(true);
  }, 60_000);

  it("~/ in the edited file's path is the home directory (the shell leaves it after =)", async () => {
    const { dir } = editedCopy();
    const got = await translate(
      [...HOORY_TO_DOTTED, "--mapping", `${SHIPPED}=~/my-message.jsonata`, SAMPLE],
      undefined,
      { HOME: dir },
    );
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout).deliveries[0].body.editedCopy).toBe(true);
  }, 60_000);

  it("<shipped path> alone uses the shipped file (edited in place); without --mapping nothing is marked", async () => {
    const inPlace = await translate([...HOORY_TO_DOTTED, "--trace", "--mapping", SHIPPED, SAMPLE]);
    expect(inPlace.code, inPlace.stderr).toBe(0);
    expect(JSON.parse(inPlace.stdout).trace[0].edited).toEqual([SHIPPED]);
    const plain = await translate([...HOORY_TO_DOTTED, "--trace", SAMPLE]);
    expect(JSON.parse(plain.stdout).trace[0]).not.toHaveProperty("edited");
  }, 60_000);

  it("a --mapping that replaces no shipped file is an error listing the shipped paths", async () => {
    const { file } = editedCopy();
    for (const option of [file, `mappings/dotted/from-canonical/nope.jsonata=${file}`]) {
      const got = await translate([...HOORY_TO_DOTTED, "--mapping", option, SAMPLE]);
      expect(got.code, option).toBe(2);
      expect(got.stdout).toBe("");
      expect(got.stderr).toContain("is not a shipped mapping file");
      expect(got.stderr).toContain(SHIPPED);
    }
  }, 60_000);
});

describe("npm run translate", () => {
  it("a payload of another format says which --from to use", async () => {
    const got = await translate(["--from", "supporthunt", "--to", "dotted", SAMPLE]);
    expect(got.code).toBe(1);
    const out = JSON.parse(got.stdout);
    expect(out).toMatchObject({ error: "invalid_payload", detected: "chatwoot" });
    expect(out.message).toContain("use --from chatwoot");
  }, 60_000);
});
