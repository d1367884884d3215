/**
 * Vitest global setup: compiles the mappings and generates the schema validators before the
 * Workers pool bundles the tests, so `npm test` (and any `npx vitest run`) always runs the
 * compiled code of the files on disk.
 */
import { generateAll } from "./generate.ts";
import { generateValidators } from "./validators.ts";
import { generateWhere } from "./where.ts";

export default async function setup(): Promise<void> {
  const result = await generateAll();
  for (const line of result.interpreted) console.warn(line);
  await generateWhere();
  const validators = await generateValidators();
  for (const line of validators.partial) console.warn(line);
}
