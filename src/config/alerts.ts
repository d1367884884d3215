/**
 * Where operational alerts go and when they are raised (issue 27, docs/operating-alerts.md):
 * `ALERTS_URL`, `ALERTS_SECRET` (a Standard Webhooks secret, the rules of `DESTINATION_SECRET`),
 * `ALERTS_FORMAT` (`json` or `slack`), `ALERTS_FAILING_AFTER` and `ALERTS_PAUSE_AFTER_MINUTES`
 * (the defaults of the route fields `failingAfter` and `pauseAfterMinutes`), and
 * `ALERTS_CONSOLE_URL` (the console's address, for the links in alerts).
 */
import { z } from "zod";
import { HOW_TO_MAKE_A_SECRET, parseSigningSecret, secretValues } from "../crypto/secrets.ts";
import type { Env } from "./env.ts";

export type AlertFormat = "json" | "slack";

export interface AlertSettings {
  /** Where alerts are POSTed; no alert is sent when absent (they are still logged and kept). */
  url?: string;
  /** Standard Webhooks keys (both halves of a rotation); unsigned when empty. */
  keys: Uint8Array[];
  format: AlertFormat;
  /** `route.failing` after this many failed attempts in a row (a route's `failingAfter` wins). */
  failingAfter: number;
  /** Pause a route failing continuously this long (0: never; a route's `pauseAfterMinutes` wins). */
  pauseAfterMinutes: number;
  /** The console's address, for links (`/console` on the Worker when absent). */
  consoleUrl: string;
}

export const DEFAULT_FAILING_AFTER = 5;
export const DEFAULT_PAUSE_AFTER_MINUTES = 1440;

const whole = (name: string, fallback: number, min: number, max: number) =>
  z
    .union([z.string(), z.number()])
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === "") return fallback;
      const parsed = Number(value);
      if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
        ctx.addIssue({
          code: "custom",
          message: `${name} must be a whole number from ${min} to ${max}`,
        });
        return z.NEVER;
      }
      return parsed;
    });

/** An unset or empty variable is absent. */
const optional = <T extends z.ZodType>(schema: T) =>
  z.preprocess((value) => (value === "" ? undefined : value), schema.optional());

const AlertsSchema = z.object({
  ALERTS_URL: optional(
    z.url({ protocol: /^https?$/, error: "ALERTS_URL must be an absolute http(s) URL" }),
  ),
  ALERTS_FORMAT: optional(
    z.enum(["json", "slack"], { error: 'ALERTS_FORMAT must be "json" or "slack"' }),
  ),
  ALERTS_FAILING_AFTER: whole("ALERTS_FAILING_AFTER", DEFAULT_FAILING_AFTER, 1, 1000),
  ALERTS_PAUSE_AFTER_MINUTES: whole(
    "ALERTS_PAUSE_AFTER_MINUTES",
    DEFAULT_PAUSE_AFTER_MINUTES,
    0,
    525_600,
  ),
  ALERTS_CONSOLE_URL: optional(
    z.url({ protocol: /^https?$/, error: "ALERTS_CONSOLE_URL must be an absolute http(s) URL" }),
  ),
});

/**
 * Reads the alert settings, adding an error per bad variable to `errors` (never quoting a
 * secret). `ALERTS_SECRET` without `ALERTS_URL` is allowed (nothing to sign yet).
 *
 * @example readAlerts({ ALERTS_URL: "https://hooks.slack.com/services/T/B/x", ALERTS_FORMAT: "slack" }, errors)
 * // { url: "https://hooks.slack.com/...", keys: [], format: "slack", failingAfter: 5, pauseAfterMinutes: 1440, consoleUrl: "/console" }
 */
export function readAlerts(env: Env, errors: string[]): AlertSettings {
  const parsed = AlertsSchema.safeParse(env);
  if (!parsed.success) errors.push(...parsed.error.issues.map((issue) => issue.message));
  const data = parsed.success ? parsed.data : undefined;
  const keys: Uint8Array[] = [];
  const raw = typeof env.ALERTS_SECRET === "string" ? env.ALERTS_SECRET.trim() : "";
  const values = secretValues(raw || undefined);
  values.forEach((value, index) => {
    const key = parseSigningSecret(value);
    if (key.ok) keys.push(key.value);
    else {
      const which = values.length > 1 ? `value ${index + 1} of ${values.length} ` : "";
      errors.push(`ALERTS_SECRET: ${which}${key.reason}; ${HOW_TO_MAKE_A_SECRET}`);
    }
  });
  return {
    ...(data?.ALERTS_URL ? { url: data.ALERTS_URL } : {}),
    keys,
    format: data?.ALERTS_FORMAT ?? "json",
    failingAfter: data?.ALERTS_FAILING_AFTER ?? DEFAULT_FAILING_AFTER,
    pauseAfterMinutes: data?.ALERTS_PAUSE_AFTER_MINUTES ?? DEFAULT_PAUSE_AFTER_MINUTES,
    consoleUrl: (data?.ALERTS_CONSOLE_URL ?? "/console").replace(/\/$/, ""),
  };
}

/** The route's own thresholds, else the defaults. */
export function thresholds(
  alerts: AlertSettings,
  route: { failingAfter?: number; pauseAfterMinutes?: number },
): { failingAfter: number; pauseAfterMinutes: number } {
  return {
    failingAfter: route.failingAfter ?? alerts.failingAfter,
    pauseAfterMinutes: route.pauseAfterMinutes ?? alerts.pauseAfterMinutes,
  };
}
