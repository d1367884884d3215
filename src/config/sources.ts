/**
 * Which sources may send unsigned webhooks. Locally (`npm start`, `wrangler dev` without `--env`,
 * the tests) every source without a secret is accepted unsigned, as before. In a deployed
 * environment, known from `ENVIRONMENT` (set in each `[env.*]` section of wrangler.toml), a
 * source without `WEBHOOK_SECRET_<SOURCE>` is refused (`503 invalid_config`) unless the operator
 * opts in for it with `WEBHOOK_UNSIGNED_<SOURCE>=true` (a sender that cannot sign). Generic over
 * the format registry: a new format gets both variables without a line here.
 */
import { z } from "zod";
import { formatIds } from "../formats/index.ts";
import { sourceSecretName, sourceSecrets } from "../verify/index.ts";

/** The var that lets a deployed source be unsigned: `WEBHOOK_UNSIGNED_<ID>` (upper case). */
export function unsignedVarName(formatId: string): string {
  return sourceSecretName(formatId).replace(/^WEBHOOK_SECRET_/, "WEBHOOK_UNSIGNED_");
}

/** How a source's webhooks are taken: verified with its secret, unsigned, or refused. */
export type SourceAccess =
  | { kind: "signed" }
  | { kind: "unsigned"; why: "local" | "opted_in" }
  | { kind: "refused"; reason: string };

export interface SourcePolicy {
  /** `ENVIRONMENT`; undefined locally. */
  environment?: string;
  access: Record<string, SourceAccess>;
}

const flag = z
  .union([z.boolean(), z.enum(["true", "false", ""])], { error: 'must be "true" or "false"' })
  .optional()
  .transform((value) => value === true || value === "true");

const PolicySchema = z.object({
  ENVIRONMENT: z
    .string()
    .trim()
    .regex(/^([a-z][a-z0-9_-]{0,31})?$/i, {
      error: 'must name the environment in letters, digits, "-" or "_" (e.g. "production")',
    })
    .optional()
    .transform((value) => (value ? value : undefined)),
  ...Object.fromEntries(formatIds.map((id) => [unsignedVarName(id), flag])),
});

/**
 * Reads `ENVIRONMENT` and every `WEBHOOK_UNSIGNED_<SOURCE>` with zod; a wrong value is a
 * configuration error naming the variable (added to `errors`).
 *
 * @example readSourcePolicy({ ENVIRONMENT: "production", WEBHOOK_SECRET_HOORY: "s" }, []).access.hoory // { kind: "signed" }
 */
export function readSourcePolicy(env: Record<string, unknown>, errors: string[]): SourcePolicy {
  const parsed = PolicySchema.safeParse(env);
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      errors.push(`${String(issue.path[0])}: ${issue.message}`);
    return { access: {} };
  }
  const vars = parsed.data as Record<string, boolean> & { ENVIRONMENT?: string };
  const environment = vars.ENVIRONMENT;
  const access: Record<string, SourceAccess> = {};
  for (const id of formatIds) {
    if (sourceSecrets(env, id).length > 0) access[id] = { kind: "signed" };
    else if (environment === undefined) access[id] = { kind: "unsigned", why: "local" };
    else if (vars[unsignedVarName(id)]) access[id] = { kind: "unsigned", why: "opted_in" };
    else access[id] = { kind: "refused", reason: refusal(id, environment) };
  }
  return { ...(environment ? { environment } : {}), access };
}

function refusal(id: string, environment: string): string {
  const secret = sourceSecretName(id);
  return `${id}: no ${secret} in environment "${environment}", so its webhooks are refused (503 invalid_config). Set it (npx wrangler secret put ${secret} --env ${environment}) and sign requests with it, or set ${unsignedVarName(id)} = "true" to accept ${id} unsigned.`;
}

/**
 * What a refused sender is told: which variable its operator must set. These names are the same
 * in every deployment (the docs list them); nothing of this deployment's values.
 */
export function refusedMessage(id: string, name: string): string {
  return `${name} webhooks must be signed here and no secret is configured for them, so nothing is accepted: the operator must set ${sourceSecretName(id)} (and the sender sign with it), or ${unsignedVarName(id)}=true to accept them unsigned.`;
}
