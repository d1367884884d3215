/**
 * Helpers for the hostile-input tests: one routed env (events go to a queue nobody consumes, see
 * vitest.config.ts), a request with a deadline (a hung request fails the test), and the checks
 * every answer must pass (never a 5xx, JSON errors, no stack trace).
 */
import { expect } from "vitest";
import type { Env } from "../../src/config/env.ts";
import { formatIds } from "../../src/formats/index.ts";
import { call, destination, testEnv } from "../delivery/helpers.ts";

export { formatIds };

/** A config where every source has a route (simple config), so webhooks get past "no destination". */
export function routedEnv(vars: Record<string, unknown> = {}): Env {
  return testEnv({ TARGET_FORMAT: "dotted", DESTINATION_URL: destination().url, ...vars });
}

/** No request may take longer than this (a hang is a failure, not a timeout of the whole test). */
export const DEADLINE_MS = 15_000;

/** POSTs `body` (text or bytes) to `path` with the Worker's fetch handler; fails after the deadline. */
export async function post(
  env: Env,
  path: string,
  body: string | Uint8Array | undefined,
  headers: Record<string, string> = { "content-type": "application/json" },
): Promise<Response> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${path}: no answer within ${DEADLINE_MS} ms`)),
      DEADLINE_MS,
    );
  });
  try {
    return await Promise.race([
      call(env, path, { method: "POST", headers, ...(body !== undefined ? { body } : {}) }),
      deadline,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface Answer {
  status: number;
  json: Record<string, unknown> | undefined;
  text: string;
}

/**
 * Reads an answer and checks what every answer to a client must be: a 2xx or a 4xx (never a 5xx),
 * errors as JSON `{error, message}`, and nothing that looks like a stack trace.
 */
export async function expectClientAnswer(response: Response, what: string): Promise<Answer> {
  const text = await response.text();
  expect(response.status, `${what}: ${text.slice(0, 300)}`).toBeLessThan(500);
  expect(text, what).not.toMatch(/\n\s+at .+:\d+:\d+/);
  let json: Record<string, unknown> | undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (response.status >= 400) {
    expect(typeof json?.error, `${what}: ${text.slice(0, 300)}`).toBe("string");
    expect(typeof json?.message, what).toBe("string");
  }
  return { status: response.status, json, text };
}

/** Every endpoint a payload of `source` can be sent to: its webhook URL and a translation. */
export function endpointsFor(source: string, index = 0): string[] {
  const target = formatIds[index % formatIds.length];
  return [`/webhooks/${source}`, `/translate/${source}/${target}`];
}

/** The webhook and translate endpoints of every source, plus `/translate/auto/...`. */
export const allEndpoints: string[] = [
  ...formatIds.flatMap((source, index) => endpointsFor(source, index)),
  "/translate/auto/dotted",
];
