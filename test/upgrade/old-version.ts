/**
 * The version before the sharded store, as a tree `npm start` can run: `git archive <commit>`
 * into a directory, with this tree's node_modules linked when the lock file is the same (else
 * `npm ci` there). Needs the commit in this clone's history; without it the caller skips.
 */
import { execFileSync, execSync } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** This tree's root. */
export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

const git = (...args: string[]) =>
  execFileSync("git", args, { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** Whether this clone holds `commit` (a shallow clone or an export may not). */
export function hasCommit(commit: string): boolean {
  try {
    git("cat-file", "-e", `${commit}^{commit}`);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes `commit`'s tree into `dir` and gives it node_modules; returns how (for the log).
 *
 * @example const how = checkoutOld("b772e59", "/tmp/x/old"); // "node_modules linked (same package-lock.json)"
 */
export function checkoutOld(commit: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  execSync(`git archive --format=tar ${commit} | tar -x -C ${JSON.stringify(dir)}`, {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
  });
  const sameLock =
    readFileSync(join(dir, "package-lock.json"), "utf8") ===
    readFileSync(join(ROOT, "package-lock.json"), "utf8");
  if (sameLock) {
    symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
    return "node_modules linked (same package-lock.json)";
  }
  execFileSync("npm", ["ci", "--no-audit", "--no-fund"], { cwd: dir, stdio: "ignore" });
  return "npm ci (its package-lock.json differs from this tree's)";
}
