/**
 * Structured logs: one JSON line per event worth knowing (request, delivery attempt, config
 * problem). Callers pass ids, names, statuses and timings only: never bodies or secrets.
 */
export function log(level: "info" | "warn" | "error", message: string, fields: object = {}): void {
  const line = JSON.stringify({ level, message, time: new Date().toISOString(), ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
