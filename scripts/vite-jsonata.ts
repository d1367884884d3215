import type { Plugin } from "vite";

/**
 * Loads mapping files (`*.jsonata`), the playground page (`*.html`) and browser scripts
 * (`*.client.js`) as text modules in tests, as wrangler's Text rule does in the Worker.
 */
export function jsonataText(): Plugin {
  return {
    name: "text-modules",
    enforce: "pre",
    transform(code, id) {
      if (!/\.(jsonata|html|client\.js)$/.test(id)) return null;
      return { code: `export default ${JSON.stringify(code)};`, map: null };
    },
  };
}
