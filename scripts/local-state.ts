/**
 * Where `npm start` keeps its local state, and how `npm run reset` knows whether a Worker still
 * uses it. `npm start` writes a lock file into the state directory (`npm-start.json`: its pid and
 * port) and removes it when it stops; reset refuses while that process is alive or its port still
 * answers (a workerd left behind by a killed `npm start` still holds the state).
 *
 * @example
 * const state = stateDir(process.argv.slice(2)); // ".wrangler/state", or the --persist-to given
 * const holder = await runningWorker(state);      // {pid, port, url} while npm start runs, else undefined
 */
import { existsSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { z } from "zod";

/** wrangler dev's default state directory, used when no `--persist-to` is given. */
export const DEFAULT_STATE = ".wrangler/state";

/** The state directory named by `--persist-to <dir>` (or `--persist-to=<dir>`), else the default. */
export function stateDir(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--persist-to") return args[i + 1] ?? DEFAULT_STATE;
    if (arg.startsWith("--persist-to=")) return arg.slice("--persist-to=".length);
  }
  return DEFAULT_STATE;
}

/** The lock file `npm start` keeps in a state directory while it runs. */
export function lockFile(state: string): string {
  return join(state, "npm-start.json");
}

const Lock = z.object({
  pid: z.number().int().positive(),
  port: z.number().int(),
  url: z.string(),
});
export type Lock = z.infer<typeof Lock>;

/** The lock file's content, or undefined when there is none (or it is not one of ours). */
export function readLock(state: string): Lock | undefined {
  const file = lockFile(state);
  if (!existsSync(file)) return undefined;
  try {
    const parsed = Lock.safeParse(JSON.parse(readFileSync(file, "utf8")));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** True when something accepts TCP connections on localhost:`port` within a second. */
export function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    const done = (answer: boolean) => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/**
 * The `npm start` that uses `state`, when its process is alive or its port still answers;
 * undefined when none does (no lock file, or a stale one left by a process that is gone).
 */
export async function runningWorker(
  state: string,
): Promise<(Lock & { processAlive: boolean; portAnswers: boolean }) | undefined> {
  const lock = readLock(state);
  if (!lock) return undefined;
  const processAlive = alive(lock.pid);
  const answers = await portAnswers(lock.port);
  if (processAlive || answers) return { ...lock, processAlive, portAnswers: answers };
  return undefined;
}
