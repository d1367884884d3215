/**
 * `npm run reset`: forgets every local event, dedupe key, dead letter, sink record and route state
 * of `npm start` by deleting its state directory (`.wrangler/state`, or `--persist-to <dir>` as
 * given to `npm start`). It refuses while an `npm start` still uses that directory (its lock file
 * names a live process, or its port still answers): the running Worker would keep what it holds
 * in memory and write it back. The tables are created again on the next request.
 */
import { existsSync, rmSync } from "node:fs";
import { runningWorker, stateDir } from "./local-state.ts";

const state = stateDir(process.argv.slice(2));
const holder = await runningWorker(state);
if (holder) {
  const who = holder.processAlive
    ? `npm start (pid ${holder.pid}) is running on ${holder.url}`
    : `a Worker still answers on ${holder.url} (npm start, pid ${holder.pid}, has gone: its workerd was left behind)`;
  console.error(
    `npm run reset: nothing deleted. ${who} and uses ${state}. Stop it first (Ctrl-C in its terminal${holder.processAlive ? `, or kill ${holder.pid}` : ""}), then run npm run reset again.`,
  );
  process.exit(1);
}
if (existsSync(state)) {
  rmSync(state, { recursive: true, force: true });
  console.log(
    `Deleted ${state}: local events, dedupe keys, dead letters and sink records are gone.`,
  );
} else {
  console.log(`Nothing to reset: ${state} does not exist.`);
}
