import type { Plugin } from "vite";

/** Loads `*.jsonata` mapping files as text modules in tests, as wrangler's Text rule does in the Worker. */
export function jsonataText(): Plugin {
  return {
    name: "jsonata-text",
    enforce: "pre",
    transform(code, id) {
      if (!id.endsWith(".jsonata")) return null;
      return { code: `export default ${JSON.stringify(code)};`, map: null };
    },
  };
}
