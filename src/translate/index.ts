import { CanonicalEvent } from "../canonical/index.ts";
import { fail, formatPath, ok, type Result } from "../errors/index.ts";
import { detectFormat, findFormat, lookalike } from "../formats/index.ts";
import type { FormatDefinition, WireEvent } from "../formats/types.ts";
import type { MappingFile } from "./mapping.ts";
import {
  contractBroken,
  type Delivery,
  describe,
  isSkip,
  readEncoded,
  type Skip,
} from "./outputs.ts";
import { andThen, type Maybe, runMapping } from "./run.ts";
import { safeParse } from "./validators.ts";

export type { Delivery, Skip };

/** Which mapping files ran for one source event, and the canonical event between them. */
export interface TraceStep {
  event: string;
  canonical?: CanonicalEvent;
  mappings: string[];
  /** The files among `mappings` that ran on the JSONata interpreter (edited, or not compiled). */
  interpreted?: string[];
}

export interface Translation {
  source: string;
  target: string;
  /** True when the source format was detected from the payload (`/translate/auto/...`). */
  detected?: boolean;
  deliveries: Delivery[];
  skipped: Skip[];
  trace?: TraceStep[];
}

export interface TranslateOptions {
  /** Include the canonical events and the mapping files that ran. */
  trace?: boolean;
  /** Mapping text to use instead of the shipped file with the same path (CLI `--mapping`, playground). */
  overrides?: ReadonlyMap<string, string>;
  /** Run every mapping on the interpreter even where compiled code exists (equivalence tests, bench). */
  interpret?: boolean;
  /** What to tell a person whose payload is in another format than the one named (see `readEvents`). */
  suggest?: Suggest;
}

/**
 * How to send a payload as format `id`, for the hint of a payload sent to the wrong format:
 * "POST it to /webhooks/chatwoot" (the default), "POST it to /translate/chatwoot/dotted", "use --from chatwoot".
 */
export type Suggest = (id: string) => string;

const suggestWebhook: Suggest = (id) => `POST it to /webhooks/${id}`;

/**
 * Translates a webhook body from one format into another: validate, split into events,
 * map each event to the canonical model, then to the target.
 *
 * @example
 * const result = await translate("hoory", "dotted", body);
 * if (result.ok) for (const d of result.value.deliveries) await post(d.body);
 */
export async function translate(
  sourceId: string,
  targetId: string,
  body: unknown,
  options: TranslateOptions = {},
): Promise<Result<Translation>> {
  const target = findFormat(targetId);
  if (!target.ok) return target;
  const source = sourceId === "auto" ? detectFormat(body) : findFormat(sourceId);
  if (!source.ok) return source;

  const events = readEvents(source.value, body, options.suggest);
  if (!events.ok) return events;

  const translation: Translation = {
    source: source.value.id,
    target: target.value.id,
    ...(sourceId === "auto" ? { detected: true } : {}),
    deliveries: [],
    skipped: [],
    ...(options.trace ? { trace: [] } : {}),
  };
  for (const event of events.value) {
    const maybe = translateEventNow(source.value, target.value, event, options);
    const step = maybe instanceof Promise ? await maybe : maybe;
    if (!step.ok) return step;
    translation.deliveries.push(...step.value.deliveries);
    translation.skipped.push(...step.value.skipped);
    translation.trace?.push(step.value.trace);
  }
  return ok(translation);
}

/** Most `issues` listed in a 400 answer. */
const MAX_ISSUES = 50;

/**
 * Validates a body against a format's schema and splits it into events. A body that fails and
 * looks like another platform's webhook is answered with a plain hint and `detected: <id>`:
 * "This looks like a Chatwoot webhook, not a Support Hunt one: POST it to /webhooks/chatwoot."
 *
 * @example readEvents(supporthunt, chatwootBody) // fail: invalid_payload, details.detected "chatwoot"
 */
export function readEvents(
  format: FormatDefinition,
  body: unknown,
  suggest: Suggest = suggestWebhook,
): Result<WireEvent[]> {
  const parsed = safeParse(format.schema, body);
  if (!parsed.success) {
    const other = lookalike(format, body);
    const { issues } = parsed.error;
    const first = issues.slice(0, 3).map((i) => `${formatPath(i.path) || "(body)"}: ${i.message}`);
    const more =
      issues.length > MAX_ISSUES
        ? ` (${issues.length} problems, the first ${MAX_ISSUES} listed)`
        : "";
    return fail({
      code: "invalid_payload",
      status: 400,
      message: other
        ? `This looks like a ${other.name} webhook, not a ${format.name} one: ${suggest(other.id)}.`
        : `The body is not a valid ${format.name} webhook: ${first.join("; ")}${more}`,
      ...(other ? { details: { detected: other.id } } : {}),
      // Bounded: 100,000 wrong array items must not become a 9 MB answer.
      issues: issues
        .slice(0, MAX_ISSUES)
        .map((i) => ({ path: formatPath(i.path), message: i.message })),
    });
  }
  return ok(format.events(parsed.data));
}

export interface EventTranslation {
  deliveries: Delivery[];
  skipped: Skip[];
  trace: TraceStep;
}

/** Translates one event already taken out of a valid body. The consumer calls this per route. */
export async function translateEvent(
  source: FormatDefinition,
  target: FormatDefinition,
  event: WireEvent,
  options: TranslateOptions = {},
): Promise<Result<EventTranslation>> {
  return translateEventNow(source, target, event, options);
}

/** `translateEvent`, synchronous when every mapping that runs is compiled. */
function translateEventNow(
  source: FormatDefinition,
  target: FormatDefinition,
  event: WireEvent,
  options: TranslateOptions,
): Maybe<Result<EventTranslation>> {
  const trace: TraceStep = { event: event.name, mappings: [] };
  return andThen(toCanonicalNow(source, event, options, trace), (decoded) => {
    if (!decoded.ok) return decoded;
    if ("skip" in decoded.value) {
      return ok({
        deliveries: [],
        skipped: [{ event: event.name, reason: decoded.value.skip }],
        trace,
      });
    }
    trace.canonical = decoded.value;
    return andThen(fromCanonicalNow(target, decoded.value, options, trace), (encoded) =>
      encoded.ok ? ok({ ...encoded.value, trace }) : encoded,
    );
  });
}

/** Maps one source event to the canonical model, or says why it has no canonical counterpart. */
export async function toCanonical(
  format: FormatDefinition,
  event: WireEvent,
  options: TranslateOptions = {},
  trace?: TraceStep,
): Promise<Result<CanonicalEvent | { skip: string }>> {
  return toCanonicalNow(format, event, options, trace);
}

function toCanonicalNow(
  format: FormatDefinition,
  event: WireEvent,
  options: TranslateOptions,
  trace?: TraceStep,
): Maybe<Result<CanonicalEvent | { skip: string }>> {
  const file = findMapping(format.toCanonical, event.dispatch ?? event.name);
  if (!file) {
    return ok({
      skip: `${format.name} event "${event.name}" has no mapping to the canonical model`,
    });
  }
  return andThen(runMapping(format, file, event.payload, options, trace), (output) => {
    if (!output.ok) return output;
    if (isSkip(output.value)) return ok(output.value);
    const canonical = safeParse(CanonicalEvent, output.value);
    if (!canonical.success) return fail(contractBroken(file, canonical.error.issues));
    return ok(canonical.data);
  });
}

/** Maps one canonical event to the target format: zero or more deliveries, or skips with reasons. */
export async function fromCanonical(
  format: FormatDefinition,
  event: CanonicalEvent,
  options: TranslateOptions = {},
  trace?: TraceStep,
): Promise<Result<{ deliveries: Delivery[]; skipped: Skip[] }>> {
  return fromCanonicalNow(format, event, options, trace);
}

function fromCanonicalNow(
  format: FormatDefinition,
  event: CanonicalEvent,
  options: TranslateOptions,
  trace?: TraceStep,
): Maybe<Result<{ deliveries: Delivery[]; skipped: Skip[] }>> {
  const file = format.fromCanonical[event.kind];
  if (!file) {
    return ok({
      deliveries: [],
      skipped: [
        { event: event.source.event, reason: `${format.name} has no event for ${describe(event)}` },
      ],
    });
  }
  return andThen(runMapping(format, file, event, options, trace), (output) =>
    output.ok ? readEncoded(file, event, output.value) : output,
  );
}

const globCache = new WeakMap<Record<string, MappingFile>, Array<[RegExp, MappingFile]>>();

/** Exact event name first, then the first glob (`message.create.*.*`) that matches. */
function findMapping(table: Record<string, MappingFile>, name: string): MappingFile | undefined {
  if (Object.hasOwn(table, name)) return table[name];
  let globs = globCache.get(table);
  if (!globs) {
    globs = Object.entries(table)
      .filter(([key]) => key.includes("*"))
      .map(([key, file]) => [globToRegExp(key), file]);
    globCache.set(table, globs);
  }
  return globs.find(([pattern]) => pattern.test(name))?.[1];
}

/** `*` matches one or more characters within a dotted segment. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"));
  return new RegExp(`^${escaped.join("[^.]+")}$`);
}
