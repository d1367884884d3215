/**
 * What mapping outputs mean: a canonical event or a skip (to-canonical), deliveries and skips
 * (from-canonical), and the errors a broken output gives.
 */
import type { CanonicalEvent } from "../canonical/index.ts";
import { type AppError, fail, formatPath, ok, type Result } from "../errors/index.ts";
import type { MappingFile } from "./mapping.ts";

/** One body to POST to a destination, in the target format. */
export interface Delivery {
  /** The target's event name (`message_created`, `message.create.contact.chat`, `message`). */
  event: string;
  /** The exact JSON to POST. */
  body: unknown;
}

/** A source event that the target cannot express, and why. */
export interface Skip {
  event: string;
  reason: string;
}

/**
 * A from-canonical mapping's output as deliveries and skips: one `{event, body}` or `{skip}`, or
 * a list of them; nothing at all is a skip that names the file.
 * @example readEncoded(file, event, { event: "message", body: {...} }) // ok: one delivery
 */
export function readEncoded(
  file: MappingFile,
  event: CanonicalEvent,
  output: unknown,
): Result<{ deliveries: Delivery[]; skipped: Skip[] }> {
  const results = output === undefined ? [] : Array.isArray(output) ? output : [output];
  const deliveries: Delivery[] = [];
  const skipped: Skip[] = [];
  for (const item of results) {
    if (isSkip(item)) skipped.push({ event: event.source.event, reason: item.skip });
    else if (isDelivery(item)) deliveries.push({ event: item.event, body: item.body });
    else {
      return fail({
        code: "mapping_failed",
        status: 422,
        message: `${file.path}: a from-canonical mapping must return {"event", "body"} or {"skip"}, got ${JSON.stringify(item)?.slice(0, 200)}`,
        details: { mapping: file.path },
      });
    }
  }
  if (deliveries.length === 0 && skipped.length === 0) {
    skipped.push({
      event: event.source.event,
      reason: `${file.path} produced nothing for ${describe(event)}`,
    });
  }
  return ok({ deliveries, skipped });
}

/** A canonical event for people: `message.created (source event "message_created")`. */
export function describe(event: CanonicalEvent): string {
  const what =
    event.kind === "resource.changed" && event.resource
      ? `${text(event.resource.type)}.${text(event.resource.action)}`
      : event.kind;
  return `${what} (source event "${text(event.source.event)}")`;
}

/** A value for a message: an event that a mapping or a test built by hand may hold any JSON there. */
const text = (value: unknown): string =>
  typeof value === "string" ? value : (JSON.stringify(value) ?? String(value));

export function isSkip(value: unknown): value is { skip: string } {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as { skip?: unknown }).skip === "string"
  );
}

function isDelivery(value: unknown): value is Delivery {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Delivery).event === "string" &&
    "body" in value
  );
}

/** The `mapping_failed` of a to-canonical output that the canonical schema rejects. */
export function contractBroken(
  file: MappingFile,
  issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>,
): AppError {
  return {
    code: "mapping_failed",
    status: 422,
    message: `${file.path} produced an event that breaks the canonical model: ${issues
      .slice(0, 3)
      .map((i) => `${formatPath(i.path)}: ${i.message}`)
      .join("; ")}`,
    issues: issues.map((i) => ({ path: formatPath(i.path), message: i.message })),
    details: { mapping: file.path },
  };
}
