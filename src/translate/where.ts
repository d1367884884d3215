/**
 * A route's `where`: a JSONata predicate over the canonical event (`inbox.id = 7`,
 * `$contains(message.text, "refund")`). It is parsed when the configuration loads (a syntax error
 * names the column), and run with the mappings' guardrails (evaluation depth, sequence length,
 * and a time limit where the clock moves: the Worker's CPU limit stops it otherwise), compiled
 * when the build compiled exactly this text (scripts/compile: the `where` of every route in
 * wrangler.toml), else on the interpreter. The event passes when the value is true by JSONata's
 * `$boolean` (a missing field is false).
 */
import jsonata from "jsonata";
import type { CanonicalEvent } from "../canonical/index.ts";
import { mappingFunctions } from "./functions.ts";
import { compiled as shipped } from "./generated/where.js";
import { MAPPING_LIMITS } from "./mapping.ts";
import { boolean, isMappingError, type MappingError, withMessage } from "./runtime/index.ts";

/** A `where` evaluation that runs longer than this (where the clock moves) fails. */
export const WHERE_TIMEOUT_MS = 100;

const OPTIONS = { ...MAPPING_LIMITS, timeout: WHERE_TIMEOUT_MS };
const parsed = new Map<string, jsonata.Expression>();

/** `line L, column C` (or `column C` on a one-line text) of a jsonata error position. */
function at(text: string, position: number | undefined): string {
  const offset = Math.max(0, (position ?? 1) - 1);
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  const column = offset - (before.lastIndexOf("\n") + 1) + 1;
  return line > 1 ? `line ${line}, column ${column}` : `column ${column}`;
}

function describe(text: string, error: unknown): string {
  const detail = (isMappingError(error) ? withMessage(error as MappingError) : error) as {
    message?: string;
    position?: number;
    code?: string;
  };
  const message = detail.message ?? String(error);
  return `${at(text, detail.position)}: ${message}${detail.code ? ` (${detail.code})` : ""}`;
}

/**
 * Parses a `where`; undefined when it is good, else what is wrong and where.
 *
 * @example whereProblem("inbox.id = ") // "column 11: Unexpected end of expression (S0207)"
 */
export function whereProblem(text: string): string | undefined {
  try {
    expression(text);
    return undefined;
  } catch (error) {
    return describe(text, error);
  }
}

function expression(text: string): jsonata.Expression {
  let found = parsed.get(text);
  if (!found) {
    found = jsonata(text, OPTIONS);
    parsed.set(text, found);
  }
  return found;
}

/** True when the build compiled exactly this `where` text. */
export function whereCompiled(text: string): boolean {
  return shipped[text] !== undefined;
}

/**
 * Runs a route's `where` on a canonical event: `{pass}`, or `{error}` saying where it failed.
 *
 * @example await runWhere("inbox.id = 7", canonical) // { pass: true }
 */
export async function runWhere(
  text: string,
  event: CanonicalEvent,
): Promise<{ pass: boolean } | { error: string }> {
  try {
    const code = shipped[text];
    const value =
      code && code.text === text
        ? code.run(event, { ...mappingFunctions })
        : await expression(text).evaluate(event, { ...mappingFunctions });
    return { pass: boolean(value as never) === true };
  } catch (error) {
    return { error: describe(text, error) };
  }
}
