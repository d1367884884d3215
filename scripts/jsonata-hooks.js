import { readFile } from "node:fs/promises";

/** Node module hook: a `.jsonata` file becomes `export default "<its text>"`. */
export async function load(url, context, nextLoad) {
  if (!url.endsWith(".jsonata")) return nextLoad(url, context);
  const text = await readFile(new URL(url), "utf8");
  return {
    format: "module",
    source: `export default ${JSON.stringify(text)};`,
    shortCircuit: true,
  };
}
