/**
 * Structured logs: one JSON line per event worth knowing (request, delivery attempt, config
 * problem), which Workers Logs indexes (`[observability]` in wrangler.toml): query by `message`,
 * `route`, `event`, `webhookId`, `status`, `latencyMs`, `requestId`...
 *
 * Callers pass ids, names, statuses and timings only: never bodies or secrets. As a safety net,
 * fields whose names say they carry content or credentials are replaced by "[redacted]".
 */
const REDACTED =
  /^(body|payload|text|headers?|secret|secrets|token|password|authorization|signature)$/i;

export function log(level: "info" | "warn" | "error", message: string, fields: object = {}): void {
  const safe: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(fields)) {
    safe[name] = REDACTED.test(name) ? "[redacted]" : value;
  }
  const line = JSON.stringify({ level, message, time: new Date().toISOString(), ...safe });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
