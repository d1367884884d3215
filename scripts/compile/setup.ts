/**
 * Vitest global setup: compiles the mappings before the Workers pool bundles the tests, so
 * `npm test` (and any `npx vitest run`) always runs the compiled code of the files on disk.
 */
import { generateAll } from "./generate.ts";

export default async function setup(): Promise<void> {
  const result = await generateAll();
  for (const line of result.interpreted) console.warn(line);
}
