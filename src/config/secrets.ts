/**
 * The destination secrets a route names, checked with the rest of the configuration and read for
 * signing. The variables hold the secrets; routes only name them.
 */
import {
  checkNativeSecret,
  type DestinationKeys,
  HOW_TO_MAKE_A_SECRET,
  type Parsed,
  parseSigningSecret,
  secretValues,
} from "../crypto/secrets.ts";
import type { Env } from "./env.ts";
import type { Route } from "./index.ts";

type SecretField = "secret" | "nativeSecret";

const kinds: Record<SecretField, { parse: (value: string) => Parsed<unknown>; advice: string }> = {
  secret: { parse: parseSigningSecret, advice: `; ${HOW_TO_MAKE_A_SECRET}` },
  nativeSecret: { parse: checkNativeSecret, advice: "" },
};

function read(env: Env, name: string | undefined): string | undefined {
  const value = name === undefined ? undefined : env[name];
  return typeof value === "string" && value.trim() !== "" ? value.trim() : undefined;
}

/**
 * Adds an error for each secret a route names that is not set, and for each value (both halves
 * of a rotation) that is not a good secret of its kind. Errors name the variable, where it is
 * named (`where`, e.g. `ROUTES[0]`; none for the simple configuration) and how to make a good
 * one; they never quote the value.
 *
 * @example checkRouteSecrets(env, route, "ROUTES[0]", errors)
 * // errors: ["CRM_SECRET (ROUTES[0].secret): value 2 of 2 is not base64: ...; make one with `npm run secret` ..."]
 */
export function checkRouteSecrets(
  env: Env,
  route: Route,
  where: string | undefined,
  errors: string[],
): void {
  for (const field of ["secret", "nativeSecret"] as const) {
    const name = route[field];
    if (!name) continue;
    const label = where ? `${name} (${where}.${field})` : name;
    const value = read(env, name);
    if (!value) {
      errors.push(`${where ? `${where}.${field}` : name}: the secret env var ${name} is not set`);
      continue;
    }
    const values = secretValues(value);
    values.forEach((each, index) => {
      const parsed = kinds[field].parse(each);
      if (parsed.ok) return;
      const which = values.length > 1 ? `value ${index + 1} of ${values.length} ` : "";
      errors.push(`${label}: ${which}${parsed.reason}${kinds[field].advice}`);
    });
  }
}

/**
 * What a route's deliveries are signed with, read from the env vars it names: the Standard
 * Webhooks keys of `secret` (each value of a rotation) and the native secret (`nativeSecret`,
 * else `secret`, as written; the first value). Undefined when the route is unsigned. Only for a
 * configuration `loadConfig` accepted (values that do not parse are left out).
 *
 * @example routeKeys(env, route) // {signing: [<32 bytes>], native: "whsec_..."}
 */
export function routeKeys(env: Env, route: Route): DestinationKeys | undefined {
  const signing = secretValues(read(env, route.secret));
  const native = route.nativeSecret ? secretValues(read(env, route.nativeSecret))[0] : signing[0];
  if (signing.length === 0 && native === undefined) return undefined;
  const keys = signing
    .map(parseSigningSecret)
    .flatMap((parsed) => (parsed.ok ? [parsed.value] : []));
  return { signing: keys, ...(native !== undefined ? { native } : {}) };
}
