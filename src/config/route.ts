import { z } from "zod";
import { formatIds } from "../formats/index.ts";

/** One destination: which sources it takes, the format it wants, where, and how it is signed. */
export interface Route {
  name: string;
  /** Source format ids, or "*" for every source. */
  sources: string[] | "*";
  target: string;
  url: string;
  /** Target event name globs (`*` matches any run of characters, dots included); all when absent. */
  events?: string[];
  /**
   * The name of the env var holding the destination's Standard Webhooks secret (never the secret
   * itself): `whsec_<base64>` or bare base64 of a 24 to 64 byte key, two comma-separated during a
   * rotation. It also keys the target's native scheme, as written, unless `nativeSecret` is set.
   */
  secret?: string;
  /**
   * The name of the env var holding the secret for the target's native scheme (`X-Chatwoot-Signature`,
   * `X-Hub-Signature`, the Support Hunt token), used as written; `secret` when absent.
   */
  nativeSecret?: string;
  /**
   * Deliver as CloudEvents 1.0: `binary` (the body as is, `ce-*` headers) or `structured` (the
   * body wrapped in an `application/cloudevents+json` envelope). Plain JSON when absent.
   */
  cloudevents?: "binary" | "structured";
  /** The CloudEvents `source` attribute (a URI reference); `/webhooks/<source format>` when absent. */
  cloudeventsSource?: string;
  /** At most this many deliveries (POSTs) per second to this route; the excess waits (src/coordinate). */
  maxPerSecond?: number;
  /**
   * Deliver each conversation's events in the order they were accepted, one at a time (the next
   * only after the previous one was delivered or dead-lettered); events of no conversation are
   * not held. `DESTINATION_ORDERED` in the simple configuration. See src/coordinate.
   */
  ordered?: boolean;
  /** `route.failing` after this many failed attempts in a row (`ALERTS_FAILING_AFTER`, 5). */
  failingAfter?: number;
  /** Paused after failing continuously this many minutes; 0 never (`ALERTS_PAUSE_AFTER_MINUTES`, 1440). */
  pauseAfterMinutes?: number;
  /**
   * How long one POST may take, answer included, in seconds (1 to 60); `DELIVERY_TIMEOUT_MS`
   * (10 s) when absent. A timeout is a retryable failure.
   */
  timeoutSeconds?: number;
  /**
   * The circuit breaker (src/coordinate/breaker.ts): it opens after this many failed attempts in
   * a row (`CIRCUIT_FAILURES`, 5; 0: never), and its deliveries wait in the store instead of
   * being attempted.
   */
  circuitFailures?: number;
  /** How long the circuit stays open before one probe goes out, in seconds (`CIRCUIT_COOLDOWN_SECONDS`, 30). */
  circuitCooldownSeconds?: number;
  /**
   * Extra headers sent with every delivery; `${NAME}` in a value is replaced by the env var NAME
   * (a secret), read when sending. Names only are ever shown (see headers.ts for what is refused).
   */
  headers?: Record<string, string>;
  /**
   * A JSONata predicate over the canonical event: the route takes only events it holds true for
   * (`inbox.id = 7`); others are recorded `filtered` with the reason (see where.ts).
   */
  where?: string;
}

const known = new Set(formatIds);
const formatId = z
  .string()
  .refine((id) => known.has(id), { error: `must be one of: ${formatIds.join(", ")}` });

const secretName = z
  .string()
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "must be the NAME of a secret env var" });

export const RouteSchema = z.strictObject({
  name: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,64}$/, { error: "must be 1-64 letters, digits, '.', '_' or '-'" }),
  sources: z.union([z.literal("*"), z.array(formatId).min(1)], {
    error: `must be "*" or a non-empty list of format ids (${formatIds.join(", ")})`,
  }),
  target: formatId,
  url: z.url({ protocol: /^https?$/, error: "must be an absolute http(s) URL" }),
  events: z.array(z.string().min(1)).optional(),
  secret: secretName.optional(),
  nativeSecret: secretName.optional(),
  cloudevents: z
    .enum(["binary", "structured"], { error: 'must be "binary" or "structured"' })
    .optional(),
  cloudeventsSource: z
    .string()
    .min(1)
    .max(512)
    .regex(/^[\x21-\x7e]+$/, { error: "must be a URI reference (no spaces)" })
    .optional(),
  maxPerSecond: z
    .number({ error: "must be a number of deliveries per second" })
    .positive({ error: "must be more than 0" })
    .max(1000, { error: "must be at most 1000" })
    .optional(),
  ordered: z.boolean({ error: "must be true or false" }).optional(),
  failingAfter: z
    .int({ error: "must be a whole number of failed attempts" })
    .min(1, { error: "must be at least 1" })
    .max(1000, { error: "must be at most 1000" })
    .optional(),
  pauseAfterMinutes: z
    .int({ error: "must be a whole number of minutes (0: never pause)" })
    .min(0, { error: "must be 0 (never) or more" })
    .max(525_600, { error: "must be at most 525600 (a year)" })
    .optional(),
  timeoutSeconds: z
    .number({ error: "must be a number of seconds" })
    .min(1, { error: "must be at least 1 (second)" })
    .max(60, { error: "must be at most 60 (seconds)" })
    .optional(),
  circuitFailures: z
    .int({ error: "must be a whole number of failed attempts in a row (0: never open)" })
    .min(0, { error: "must be 0 (never open) or more" })
    .max(1000, { error: "must be at most 1000" })
    .optional(),
  circuitCooldownSeconds: z
    .int({ error: "must be a whole number of seconds" })
    .min(1, { error: "must be at least 1" })
    .max(3600, { error: "must be at most 3600 (an hour)" })
    .optional(),
  headers: z
    .record(z.string(), z.string({ error: "each header value must be a string" }), {
      error: 'must be a table of header names and text values: { "X-Api-Key" = "..." }',
    })
    .optional(),
  where: z
    .string({ error: "must be a JSONata expression (text)" })
    .min(1)
    .max(2000, { error: "must be at most 2000 characters" })
    .optional(),
});

/** The fields a route may have (named in the error for an unknown one). */
export const ROUTE_FIELDS = Object.keys(RouteSchema.shape);
