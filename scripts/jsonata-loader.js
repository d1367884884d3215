// Lets Node import `*.jsonata` mapping files as text modules, as wrangler's Text rule does.
// Used by the CLI: node --import tsx --import ./scripts/jsonata-loader.js scripts/translate.ts
import { register } from "node:module";

register("./jsonata-hooks.js", import.meta.url);
