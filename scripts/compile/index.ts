/**
 * `npm run compile`: compiles every mapping file to JavaScript (src/translate/generated/) and
 * writes the fast validators of the zod schemas (src/fastcheck/generated/). Run by itself from
 * `npm ci` (prepare), wrangler's build (`npm start`, `npm run deploy`), the test setup and the
 * scripts that translate; a file the compiler cannot handle is listed and runs on the interpreter.
 */
import { generateAll } from "./generate.ts";
import { generateValidators } from "./validators.ts";
import { generateWhere } from "./where.ts";

const result = await generateAll();
for (const line of result.interpreted) console.warn(line);
console.log(
  `compiled ${result.compiled.length} mapping files${result.interpreted.length ? `; ${result.interpreted.length} run interpreted` : ""}.`,
);
const where = await generateWhere();
for (const line of where.interpreted) console.warn(line);
if (where.compiled > 0) console.log(`compiled ${where.compiled} route where predicates.`);
const validators = await generateValidators();
for (const line of validators.partial) console.warn(line);
console.log(`generated ${validators.count} schema validators.`);
