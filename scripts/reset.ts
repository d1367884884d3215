/**
 * `npm run reset`: forgets every local event, dedupe key, dead letter, sink record and route state
 * of `npm start` by deleting its state directory (`.wrangler/state`, or `--persist-to <dir>` as
 * given to `npm start`). It refuses while an `npm start` still uses that directory (its lock file
 * names a live process, or its port still answers): the running Worker would keep what it holds
 * in memory and write it back. The tables are created again on the next request.
 */
import { existsSync, rmSync } from "node:fs";
import { lockFile, runningWorker, stateDir } from "./local-state.ts";

const state = stateDir(process.argv.slice(2));
const holder = await runningWorker(state);
if (holder) {
  const who = holder.processAlive
    ? `npm start (pid ${holder.pid}) is running on ${holder.url}`
    : `a Worker still answers on ${holder.url} (npm start, pid ${holder.pid}, has gone: its workerd was left behind)`;
  // A live pid whose port is silent may be npm start still starting, or another process that
  // reused the pid of one that died without removing its lock file.
  const unsure =
    holder.processAlive && !holder.portAnswers
      ? ` If pid ${holder.pid} is not npm start, delete ${lockFile(state)} and run npm run reset again.`
      : "";
  console.error(
    `npm run reset: nothing deleted. ${who} and uses ${state}. Stop it first (Ctrl-C in its terminal${holder.processAlive ? `, or kill ${holder.pid}` : ""}), then run npm run reset again.${unsure}`,
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
