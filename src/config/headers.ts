/**
 * A route's own outbound headers (`headers` in ROUTES): static values, where `${NAME}` is replaced
 * by the env var (a secret) NAME when a delivery is made. Checked when the configuration loads;
 * values are never logged, never shown (`/routes`, `/health` and the console list names only).
 */
import { findFormat } from "../formats/index.ts";
import { transportOf } from "../verify/index.ts";
import type { Env } from "./env.ts";
import type { Route } from "./index.ts";

/** Headers no route may set: the body's framing, the host, and the signed ones (ours, CloudEvents'). */
const FIXED = ["content-type", "content-length", "host", "transfer-encoding", "connection"];
const PREFIXES = ["webhook-", "ce-"];

/** An HTTP header name (RFC 9110 token). */
const NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** `${SECRET_NAME}` inside a value. */
const REFERENCE = /\$\{([^}]*)\}/g;
const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Why a route may not set `header` for `target`, or undefined when it may. */
function forbidden(header: string, target: string): string | undefined {
  const lower = header.toLowerCase();
  if (FIXED.includes(lower)) return "the Worker sets it for the body it sends";
  const prefix = PREFIXES.find((each) => lower.startsWith(each));
  if (prefix)
    return `${prefix}* headers carry the delivery's id, signature and CloudEvents attributes`;
  const format = findFormat(target);
  const reserved = format.ok ? (transportOf(format.value)?.reservedHeaders ?? []) : [];
  if (reserved.includes(lower)) {
    return `the ${target} target's own signature or token uses it: set the route's nativeSecret instead`;
  }
  return undefined;
}

/**
 * Adds an error for each header a route may not send: a bad name or value, a header the Worker
 * or the target's protocol sets (content-type, content-length, host, webhook-*, ce-*, the
 * target's signature headers), a `${NAME}` naming no set variable. Errors name the route and the
 * header, never a value.
 *
 * @example checkRouteHeaders(env, route, "ROUTES[0]", errors)
 * // errors: ['ROUTES[0].headers.Content-Type (route "crm"): not allowed: the Worker sets it for the body it sends']
 */
export function checkRouteHeaders(
  env: Env,
  route: Route,
  where: string | undefined,
  errors: string[],
): void {
  const seen = new Set<string>();
  for (const [header, value] of Object.entries(route.headers ?? {})) {
    const label = `${where ?? "ROUTES"}.headers.${header} (route "${route.name}")`;
    if (!NAME.test(header)) {
      errors.push(`${label}: not a valid header name (letters, digits and !#$%&'*+.^_\`|~-)`);
      continue;
    }
    if (seen.has(header.toLowerCase())) {
      errors.push(`${label}: set twice (header names ignore case)`);
    }
    seen.add(header.toLowerCase());
    const why = forbidden(header, route.target);
    if (why) errors.push(`${label}: not allowed: ${why}`);
    for (const [, name = ""] of value.matchAll(REFERENCE)) {
      if (!SECRET_NAME.test(name)) {
        errors.push(`${label}: \${${name.slice(0, 40)}} must name an env var (letters, digits, _)`);
      } else if (typeof env[name] !== "string" || env[name] === "") {
        errors.push(`${label}: the secret env var ${name} it names is not set`);
      }
    }
    if (/[\r\n\0]/.test(resolve(env, value))) {
      errors.push(`${label}: the value (with its secrets) holds a line break or NUL`);
    }
  }
}

function resolve(env: Env, value: string): string {
  return value.replace(REFERENCE, (_, name: string) => {
    const found = env[name];
    return typeof found === "string" ? found : "";
  });
}

/**
 * The route's headers with each `${NAME}` replaced by the env var's value: only for sending.
 *
 * @example routeHeaders({ CRM_TOKEN: "abc" }, { headers: { Authorization: "Bearer ${CRM_TOKEN}" } })
 * // { Authorization: "Bearer abc" }
 */
export function routeHeaders(env: Env, route: Pick<Route, "headers">): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [header, value] of Object.entries(route.headers ?? {})) {
    out[header] = resolve(env, value);
  }
  return out;
}
