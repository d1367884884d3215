import { z } from "zod";
import { formatIds } from "../formats/index.ts";
import { whereProblem } from "../translate/where.ts";
import { sourceSecrets } from "../verify/index.ts";
import { type AlertSettings, readAlerts } from "./alerts.ts";
import type { Env } from "./env.ts";
import { checkRouteHeaders } from "./headers.ts";
import { log } from "./log.ts";
import { ROUTE_FIELDS, type Route, RouteSchema } from "./route.ts";
import { checkRouteSecrets } from "./secrets.ts";
import { readSourcePolicy, type SourcePolicy } from "./sources.ts";

export type { Route } from "./route.ts";
export { routeKeys } from "./secrets.ts";

export interface Settings {
  /** Events, outbox rows and attempts are kept this long (RETENTION_DAYS); dead letters until deleted. */
  retentionDays?: number;
  retryBaseSeconds: number;
  retryMaxSeconds: number;
  maxAttempts: number;
  timeoutMs: number;
  /** Deliveries one consumer invocation makes at once (`DELIVERY_CONCURRENCY`, 1 to 6, default 6). */
  concurrency: number;
  /** The circuit breaker's defaults for routes that set none (`CIRCUIT_FAILURES`, `CIRCUIT_COOLDOWN_SECONDS`). */
  circuitFailures: number;
  circuitCooldownSeconds: number;
}

export interface Config {
  routes: Route[];
  settings: Settings;
  /** Which sources are verified, accepted unsigned, or refused (src/config/sources.ts). */
  sources: SourcePolicy;
  /** Operational alerts (src/config/alerts.ts). */
  alerts: AlertSettings;
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: string[] };

/** The route name used by the simple configuration (`TARGET_FORMAT` + `DESTINATION_URL`). */
export const SIMPLE_ROUTE = "default";

const number = (name: string, fallback: number, min: number, max: number) =>
  z
    .union([z.string(), z.number()])
    .optional()
    .transform((value, ctx) => {
      if (value === undefined || value === "") return fallback;
      const parsed = Number(value);
      if (!Number.isFinite(parsed) || parsed < min || parsed > max) {
        ctx.addIssue({ code: "custom", message: `${name} must be a number from ${min} to ${max}` });
        return z.NEVER;
      }
      return parsed;
    });

/** `RETENTION_DAYS` when unset. */
export const DEFAULT_RETENTION_DAYS = 7;

const SettingsSchema = z.object({
  RETENTION_DAYS: number("RETENTION_DAYS", DEFAULT_RETENTION_DAYS, 1, 365),
  RETRY_BASE_SECONDS: number("RETRY_BASE_SECONDS", 10, 0, 43_200),
  RETRY_MAX_SECONDS: number("RETRY_MAX_SECONDS", 3600, 0, 43_200),
  MAX_ATTEMPTS: number("MAX_ATTEMPTS", 10, 1, 100),
  DELIVERY_TIMEOUT_MS: number("DELIVERY_TIMEOUT_MS", 10_000, 1, 900_000),
  // Workers allow 6 simultaneous open connections per invocation: more would only queue.
  DELIVERY_CONCURRENCY: number("DELIVERY_CONCURRENCY", 6, 1, 6),
  // Defaults justified in src/coordinate/breaker.ts; 0 failures: no route's circuit ever opens.
  CIRCUIT_FAILURES: number("CIRCUIT_FAILURES", 5, 0, 1000),
  CIRCUIT_COOLDOWN_SECONDS: number("CIRCUIT_COOLDOWN_SECONDS", 30, 1, 3600),
});

const cache = new WeakMap<object, ConfigResult>();
const logged = new Set<string>();

/**
 * Reads and validates the configuration from the environment (once per env object, that is once
 * per isolate in production). Errors name the variable and field: `ROUTES[1].target: must be one
 * of: ...`. They are logged once and reported by `/health`; while there are any, webhooks get 503.
 *
 * - `TARGET_FORMAT` + `DESTINATION_URL` (+ `DESTINATION_SECRET`) make one route named "default"
 *   taking every source.
 * - `ROUTES` adds routes; both may be used together (names must differ).
 * - No route at all is not an error here, but webhooks answer 503 "no destination configured":
 *   nothing is accepted that could not be delivered.
 */
export function loadConfig(env: Env): ConfigResult {
  const cached = cache.get(env);
  if (cached) return cached;
  const result = readConfig(env);
  cache.set(env, result);
  if (!result.ok) {
    const key = result.errors.join("|");
    if (!logged.has(key)) {
      logged.add(key);
      log("error", "invalid configuration", { errors: result.errors });
    }
  }
  return result;
}

function readConfig(env: Env): ConfigResult {
  const errors: string[] = [];
  const routes: Route[] = [];

  const target = text(env.TARGET_FORMAT);
  const url = text(env.DESTINATION_URL);
  if (target || url) {
    if (!target) errors.push("TARGET_FORMAT: must be set when DESTINATION_URL is set");
    if (!url) errors.push("DESTINATION_URL: must be set when TARGET_FORMAT is set");
    if (target && url) {
      const secret = text(env.DESTINATION_SECRET) ? "DESTINATION_SECRET" : undefined;
      const nativeSecret = text(env.DESTINATION_NATIVE_SECRET)
        ? "DESTINATION_NATIVE_SECRET"
        : undefined;
      const simple = RouteSchema.safeParse({
        name: SIMPLE_ROUTE,
        sources: "*",
        target,
        url,
        ...(secret ? { secret } : {}),
        ...(nativeSecret ? { nativeSecret } : {}),
        ...(flag(env.DESTINATION_ORDERED) ? { ordered: true } : {}),
      });
      if (simple.success) {
        routes.push(simple.data);
        checkRouteSecrets(env, simple.data, undefined, errors);
      } else {
        for (const issue of simple.error.issues) {
          const field = issue.path[0] === "target" ? "TARGET_FORMAT" : "DESTINATION_URL";
          errors.push(`${field}: ${issue.message}`);
        }
      }
    }
  }

  const list = readRoutesVar(env.ROUTES, errors);
  list.forEach((candidate, index) => {
    const parsed = RouteSchema.safeParse(candidate);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const path = issue.path.map((part) =>
          typeof part === "number" ? `[${part}]` : `.${String(part)}`,
        );
        const message =
          issue.code === "unrecognized_keys"
            ? `unknown field(s) ${issue.keys.join(", ")}; allowed: ${ROUTE_FIELDS.join(", ")}`
            : issue.message;
        errors.push(`ROUTES[${index}]${path.join("")}: ${message}`);
      }
      return;
    }
    const route = parsed.data;
    if (routes.some((other) => other.name === route.name)) {
      errors.push(`ROUTES[${index}].name: "${route.name}" is used by another route`);
    }
    checkRouteSecrets(env, route, `ROUTES[${index}]`, errors);
    checkRouteHeaders(env, route, `ROUTES[${index}]`, errors);
    const problem = route.where === undefined ? undefined : whereProblem(route.where);
    if (problem) errors.push(`ROUTES[${index}].where (route "${route.name}"): ${problem}`);
    routes.push(route);
  });

  const settings = SettingsSchema.safeParse(env);
  if (!settings.success) errors.push(...settings.error.issues.map((issue) => issue.message));
  const sources = readSourcePolicy(env, errors);
  const alerts = readAlerts(env, errors);

  if (errors.length > 0 || !settings.success) return { ok: false, errors };
  return {
    ok: true,
    config: {
      routes,
      settings: {
        retentionDays: settings.data.RETENTION_DAYS,
        retryBaseSeconds: settings.data.RETRY_BASE_SECONDS,
        retryMaxSeconds: settings.data.RETRY_MAX_SECONDS,
        maxAttempts: settings.data.MAX_ATTEMPTS,
        timeoutMs: settings.data.DELIVERY_TIMEOUT_MS,
        concurrency: Math.floor(settings.data.DELIVERY_CONCURRENCY),
        circuitFailures: Math.floor(settings.data.CIRCUIT_FAILURES),
        circuitCooldownSeconds: Math.floor(settings.data.CIRCUIT_COOLDOWN_SECONDS),
      },
      sources,
      alerts,
    },
  };
}

function readRoutesVar(value: unknown, errors: string[]): unknown[] {
  if (value === undefined || value === null || value === "") return [];
  let parsed = value;
  if (typeof value === "string") {
    try {
      parsed = JSON.parse(value);
    } catch (error) {
      errors.push(`ROUTES: is not valid JSON (${(error as Error).message.slice(0, 120)})`);
      return [];
    }
  }
  if (!Array.isArray(parsed)) {
    errors.push("ROUTES: must be a JSON array of routes");
    return [];
  }
  return parsed;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/** The routes that take events from `source`. */
export function routesFor(config: Config, source: string): Route[] {
  return config.routes.filter((route) => route.sources === "*" || route.sources.includes(source));
}

/**
 * Which sources are verified (their `WEBHOOK_SECRET_<SOURCE>` is set) and which are not; of
 * those, which a deployed environment refuses (`refused`, with the reason and what to set) and
 * which it accepts unsigned because the operator said so (`unsignedAllowed`).
 */
export function verification(env: Env): {
  environment?: string;
  verified: string[];
  unverified: string[];
  unsignedAllowed: string[];
  refused: Array<{ source: string; reason: string }>;
} {
  const verified = formatIds.filter((id) => sourceSecrets(env, id).length > 0);
  const policy = readSourcePolicy(env, []);
  const refused = formatIds.flatMap((source) => {
    const access = policy.access[source];
    return access?.kind === "refused" ? [{ source, reason: access.reason }] : [];
  });
  const unsignedAllowed = formatIds.filter((id) => {
    const access = policy.access[id];
    return access?.kind === "unsigned" && access.why === "opted_in";
  });
  return {
    ...(policy.environment ? { environment: policy.environment } : {}),
    verified,
    unverified: formatIds.filter((id) => !verified.includes(id)),
    unsignedAllowed,
    refused,
  };
}

/** True when `name` matches one of the globs (`*` = any run of characters); true when no filter. */
export function eventAllowed(route: Route, name: string): boolean {
  if (!route.events) return true;
  return route.events.some((glob) => {
    const pattern = glob
      .split("*")
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
      .join(".*");
    return new RegExp(`^${pattern}$`).test(name);
  });
}

/** "true"/"1"/"yes"/true: on; anything else: off. */
function flag(value: unknown): boolean {
  return value === true || ["true", "1", "yes"].includes(String(value ?? "").toLowerCase());
}

/** "true"/"1"/true enable the dev sink; anything else leaves it off. */
export function devSinkEnabled(env: Env): boolean {
  return flag(env.DEV_SINK);
}
