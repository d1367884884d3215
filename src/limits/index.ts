/**
 * Limits on what a client may send, shared by validation (src/validate) and the formats' schemas.
 * Documented in docs/configuration.md ("Limits").
 *
 * @example if (bytes > LIMITS.bodyBytes) return tooLarge;
 */
export const LIMITS = {
  /** Largest request body accepted. */
  bodyBytes: 1024 * 1024,
  /** Deepest nesting of objects and arrays accepted; real webhooks stay under 10. */
  depth: 64,
  /** Most events in one Support Hunt batch (`{"events": [...]}`); each is stored and queued. */
  batchEvents: 1000,
} as const;
