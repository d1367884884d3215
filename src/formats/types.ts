import type { z } from "zod";
import type { EventKind } from "../canonical/index.ts";
import type { MappingFile } from "../translate/mapping.ts";

/** One event taken out of a webhook body: its name and the part of the body a mapping reads. */
export interface WireEvent {
  /** The event's name as the platform says it (`automation_event.message_created`). */
  name: string;
  /** The name used to pick the mapping when it differs (`message_created`). */
  dispatch?: string;
  payload: unknown;
}

/**
 * Everything the product knows about one wire format. Adding a platform means writing one of these
 * (in `src/formats/<id>/`) and its mapping files (in `mappings/<id>/`), then listing it in
 * `src/formats/index.ts`.
 */
export interface FormatDefinition {
  /** Used in URLs, config and the CLI: `/webhooks/<id>`, `--from <id>`. */
  id: string;
  /** The platform's name, for people. */
  name: string;
  description: string;
  /** Formats sharing a wire format (the Chatwoot family) name it here. */
  family?: string;
  /** zod schema of a whole webhook body, as the platform POSTs it. */
  schema: z.ZodType;
  /** Splits a valid body into its events (a Support Hunt batch holds many; others hold one). */
  events(body: unknown): WireEvent[];
  /** True when a body looks like this format (for `/translate/auto/...`). Checked in registry order. */
  detect(body: unknown): boolean;
  /** Source event name (exact, or a glob with `*`) → the mapping that turns it into a canonical event. */
  toCanonical: Record<string, MappingFile>;
  /** Canonical kind → the mapping that turns it into this format. A kind left out is reported as skipped. */
  fromCanonical: Partial<Record<EventKind, MappingFile>>;
  /** Event names this format accepts (for `/formats`); the keys of `toCanonical` when omitted. */
  accepts?: string[];
  /** Event names this format can emit (for `/formats`). */
  emits: string[];
  /** Variables bound in every mapping of this format (`$format`, `$platform` are always bound). */
  variables?: Record<string, unknown>;
}
