/**
 * `npm run reset`: forgets every local event, dedupe key, dead letter, sink record and route state
 * of `npm start` by deleting `.wrangler/state`. Stop `npm start` first; the tables are created
 * again on the next request.
 */
import { existsSync, rmSync } from "node:fs";

const state = ".wrangler/state";
if (existsSync(state)) {
  rmSync(state, { recursive: true, force: true });
  console.log(`Deleted ${state}: local events, dedupe keys and dead letters are gone.`);
} else {
  console.log(`Nothing to reset: ${state} does not exist.`);
}
