import type { Plugin } from "vite";

/**
 * Loads mapping files (`*.jsonata`) and the playground page (`*.html`) as text modules in tests,
 * as wrangler's Text rule does in the Worker.
 */
export function jsonataText(): Plugin {
  return {
    name: "text-modules",
    enforce: "pre",
    transform(code, id) {
      if (!/\.(jsonata|html)$/.test(id)) return null;
      return { code: `export default ${JSON.stringify(code)};`, map: null };
    },
  };
}
