import { parse as parseUuid, v5 as uuidv5 } from "uuid";

/**
 * Functions every mapping file can call (`$iso(created_at)`, `$uuid($.id)`...).
 * They are pure: the same input always gives the same output, so translations are repeatable.
 */

/** Namespace for envelope ids derived from source events (UUIDv5). Never change it: ids would change. */
const EVENT_NAMESPACE = "6f1d3b1e-8c2a-5b4e-9a57-4f2d2c9e7a10";
/** The namespace's bytes, read once (uuid would parse the text on every call). */
const NAMESPACE_BYTES = parseUuid(EVENT_NAMESPACE);
const utf8 = new TextEncoder();

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
  if (typeof value === "string" && isIsoUtc(value)) return value;
  const ms = toMillis(value);
  return ms === undefined ? undefined : new Date(ms).toISOString();
}

/**
 * Already what `iso` writes (`YYYY-MM-DDTHH:MM:SS.sssZ`, a real calendar day, year 1000 or
 * later): `toISOString` would give the same text back.
 */
function isIsoUtc(text: string): boolean {
  if (text.length !== 24 || text[19] !== "." || text[23] !== "Z" || text[10] !== "T") return false;
  if (digits(text, 20, 3) < 0) return false;
  const ms = commonTime(text);
  if (ms === undefined) return false;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : [4, 6, 9, 11].includes(month) ? 30 : 31;
  return digits(text, 8, 2) <= days;
}

function toMillis(value: unknown): number | undefined {
  if (typeof value === "number")
    return Number.isFinite(value) && value > 0 ? secondsOrMillis(value) : undefined;
  if (typeof value !== "string") return undefined;
  const common = commonTime(value);
  if (common !== undefined) return common;
  if (value.trim() === "") return undefined;
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

/** The digit at `at` (0-9), or -1. */
function digit(text: string, at: number): number {
  const c = text.charCodeAt(at) - 48;
  return c >= 0 && c <= 9 ? c : -1;
}

function digits(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = 0; i < count; i++) {
    const d = digit(text, at + i);
    if (d < 0) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * The shapes nearly every event carries, read without regular expressions:
 * `YYYY-MM-DDTHH:MM:SS[.fraction]Z`, the same with a space or without `Z`, and `... UTC`; fields
 * in the ranges where `Date.parse` (what the general path below uses) gives `Date.UTC` of them.
 * Anything else: undefined, and the general path reads it.
 */
function commonTime(text: string): number | undefined {
  const n = text.length;
  if (n < 19 || text[4] !== "-" || text[7] !== "-" || text[13] !== ":" || text[16] !== ":")
    return undefined;
  if (text[10] !== "T" && text[10] !== " ") return undefined;
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 1000 || month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59)
    return undefined;
  let at = 19;
  let millis = 0;
  if (text[at] === ".") {
    at++;
    const start = at;
    while (digit(text, at) >= 0) at++;
    if (at === start) return undefined;
    // The first three digits (fewer padded with zeros), as the general path keeps them.
    for (let i = 0; i < 3; i++)
      millis = millis * 10 + (start + i < at ? digit(text, start + i) : 0);
  }
  const zone = text.slice(at);
  if (zone !== "" && zone !== "Z" && zone !== " UTC") return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second, millis);
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
    ? uuidv5(utf8.encode(name), NAMESPACE_BYTES)
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
