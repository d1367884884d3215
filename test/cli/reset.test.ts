/**
 * `npm run reset` against the lock files `npm start` leaves (scripts/local-state.ts), without a
 * Worker: a live process or an answering port keeps the state; a stale lock does not. (The docs
 * test checks it against a real `npm start`.)
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { freePort } from "../local-worker.ts";

const run = promisify(execFile);

/** A state folder with something in it and a lock naming `pid` and `port`. */
function stateWithLock(pid: number, port: number): string {
  const state = join(mkdtempSync(join(tmpdir(), "reset-test-")), "state");
  mkdirSync(join(state, "v3"), { recursive: true });
  writeFileSync(join(state, "v3", "db.sqlite"), "");
  const url = `http://localhost:${port}`;
  writeFileSync(join(state, "npm-start.json"), JSON.stringify({ pid, port, url }));
  return state;
}

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

function reset(state: string) {
  return run(
    process.execPath,
    ["--import", "tsx", "scripts/reset.ts", "--persist-to", state],
    {},
  ).then(
    ({ stdout }) => ({ code: 0, stdout, stderr: "" }),
    (error: { code: number; stdout: string; stderr: string }) => error,
  );
}

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server = undefined;
});

describe("npm run reset", () => {
  it("deletes the state when its lock names a process that is gone and a silent port", async () => {
    const state = stateWithLock(deadPid(), await freePort());
    const done = await reset(state);
    expect(done).toMatchObject({ code: 0 });
    expect(existsSync(state)).toBe(false);
  });

  it("refuses while the lock's process lives, and says what to do if it is not npm start", async () => {
    const state = stateWithLock(process.pid, await freePort());
    const refused = await reset(state);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`npm start (pid ${process.pid}) is running`);
    expect(refused.stderr).toContain(`delete ${join(state, "npm-start.json")}`);
    expect(existsSync(join(state, "v3", "db.sqlite"))).toBe(true);
  });

  it("refuses while the lock's port still answers, though its process is gone", async () => {
    const port = await freePort();
    server = createServer((socket) => socket.end());
    await new Promise<void>((listening) => server?.listen(port, "127.0.0.1", listening));
    const state = stateWithLock(deadPid(), port);
    const refused = await reset(state);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`a Worker still answers on http://localhost:${port}`);
    expect(existsSync(join(state, "v3", "db.sqlite"))).toBe(true);
  });
});
