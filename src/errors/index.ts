import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * Errors are values: every failure a client can cause is one of these, with a code a program can
 * match and a message a person can act on. Routes turn them into JSON responses with `toResponseBody`.
 */
export type ErrorCode =
  | "invalid_json"
  | "unsupported_media_type"
  | "payload_too_large"
  | "invalid_payload"
  | "unknown_format"
  | "undetectable_format"
  | "mapping_failed"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "invalid_config";

export interface Issue {
  /** Where in the payload, as a dotted path (`events.0.event.type`); empty for the whole body. */
  path: string;
  message: string;
}

export interface AppError {
  code: ErrorCode;
  message: string;
  status: ContentfulStatusCode;
  issues?: Issue[];
  /** Extra facts that help (the known format ids, the mapping file that failed...). */
  details?: Record<string, unknown>;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: AppError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (error: AppError): { ok: false; error: AppError } => ({ ok: false, error });

/** The JSON body for an error response: `{error, message, issues?, ...details}`. Never carries a stack trace. */
export function toResponseBody(error: AppError): Record<string, unknown> {
  return {
    error: error.code,
    message: error.message,
    ...(error.issues ? { issues: error.issues } : {}),
    ...error.details,
  };
}

/** Turns zod-style issue paths into the dotted form users see in error messages. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.map(String).join(".");
}

/**
 * The 401s a webhook can get. Messages name the reason and the header or field that was looked
 * at, never the secret, the expected signature or what was received.
 *
 * @example return unauthorized("bad_signature", "X-Hub-Signature does not match the body with the configured secret.");
 */
export function unauthorized(reason: string, message: string): { ok: false; error: AppError } {
  return fail({ code: "unauthorized", status: 401, message, details: { reason } });
}
