import { v5 as uuidv5 } from "uuid";

/**
 * Functions every mapping file can call (`$iso(created_at)`, `$uuid($.id)`...).
 * They are pure: the same input always gives the same output, so translations are repeatable.
 */

/** Namespace for envelope ids derived from source events (UUIDv5). Never change it: ids would change. */
const EVENT_NAMESPACE = "6f1d3b1e-8c2a-5b4e-9a57-4f2d2c9e7a10";

const SPACED_TIME =
  /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?\s*(UTC|Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Reads any time representation the formats use and returns ISO-8601 UTC with milliseconds.
 * Accepts unix seconds (number or digit string), ISO-8601, `"2020-03-03 13:05:57 UTC"`,
 * `"2023-09-01 14:13:32.141788"` (UTC) and JavaScript date strings. Unreadable → undefined.
 *
 * @example $iso(1781950520) = "2026-06-20T10:15:20.000Z"
 */
export function iso(value: unknown): string | undefined {
  const ms = toMillis(value);
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

function toMillis(value: unknown): number | undefined {
  if (typeof value === "number")
    return Number.isFinite(value) && value > 0 ? secondsOrMillis(value) : undefined;
  if (typeof value !== "string" || value.trim() === "") return undefined;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return secondsOrMillis(Number(text));
  const spaced = SPACED_TIME.exec(text);
  if (spaced) {
    const [, date, time, fraction = "", zone = "Z"] = spaced;
    const millis = fraction ? fraction.slice(0, 4).padEnd(4, "0") : "";
    const offset =
      zone === "UTC" || zone === "Z" ? "Z" : zone.replace(/^([+-]\d{2})(\d{2})$/, "$1:$2");
    return finite(Date.parse(`${date}T${time}${millis}${offset}`));
  }
  return finite(Date.parse(text));
}

function secondsOrMillis(n: number): number | undefined {
  const ms = n < 1e11 ? n * 1000 : n;
  return finite(Math.round(ms));
}

function finite(n: number): number | undefined {
  return Number.isFinite(n) && Math.abs(n) <= 8.64e15 ? n : undefined;
}

/** Unix seconds (integer) of any readable time. @example $unix("2026-06-20T10:15:20.000Z") = 1781950520 */
export function unix(value: unknown): number | undefined {
  const ms = toMillis(value);
  return ms === undefined ? undefined : Math.floor(ms / 1000);
}

/** Unix seconds with fractions, as Chatwoot's conversation `updated_at`. */
export function unixFloat(value: unknown): number | undefined {
  const ms = toMillis(value);
  return ms === undefined ? undefined : ms / 1000;
}

/** Support Hunt's `"YYYY-MM-DD HH:MM:SS.ffffff"` (UTC). @example $spacedTime("2023-09-01T14:13:32.141Z") = "2023-09-01 14:13:32.141000" */
export function spacedTime(value: unknown): string | undefined {
  const text = iso(value);
  return text === undefined ? undefined : `${text.slice(0, 10)} ${text.slice(11, 23)}000`;
}

/** A UUIDv5 derived from a name: the same name always gives the same id. */
export function uuid(name: unknown): string | undefined {
  // UTF-8 bytes: a lone surrogate (valid JSON, not valid Unicode) becomes U+FFFD instead of throwing.
  return typeof name === "string" && name !== ""
    ? uuidv5(new TextEncoder().encode(name), EVENT_NAMESPACE)
    : undefined;
}

/**
 * An id for a target that uses numbers: a number, or a string of digits, becomes a number;
 * anything else is carried as a string. Missing → undefined.
 * @example $numericId("42") = 42, $numericId("5c1a97") = "5c1a97"
 */
export function numericId(value: unknown): number | string | undefined {
  if (typeof value === "number") return value;
  if (typeof value !== "string" || value === "") return undefined;
  if (/^(0|[1-9]\d{0,15})$/.test(value) && Number.isSafeInteger(Number(value)))
    return Number(value);
  return value;
}

/** An id for a target that uses strings. @example $stringId(42) = "42" */
export function stringId(value: unknown): string | undefined {
  if (typeof value === "number") return String(value);
  return typeof value === "string" && value !== "" ? value : undefined;
}

/** The bindings passed to every mapping evaluation. */
export const mappingFunctions = {
  iso,
  unix,
  unixFloat,
  spacedTime,
  uuid,
  numericId,
  stringId,
} as const;
